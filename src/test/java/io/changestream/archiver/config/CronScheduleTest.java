package io.changestream.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.text.ParseException;
import java.time.Instant;
import java.util.Date;
import java.util.TimeZone;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.quartz.CronExpression;

class CronScheduleTest {

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "0 * * * *        | 0 0 * * * ?",
            "*/15 * * * *     | 0 */15 * * * ?",
            "30 2 * * 1-5     | 0 30 2 ? * 2-6",
            "0 0 1 * *        | 0 0 0 1 * ?",
            "0 6 * * 0        | 0 0 6 ? * 1",
            "0 6 * * 7        | 0 0 6 ? * 1",
            "0 0 * * * ?      | 0 0 * * * ?",
            "0 0 12 * * ? 2030| 0 0 12 * * ? 2030"})
    void unixAndQuartzFormsBothBecomeQuartz(String given, String quartz) {
        assertThat(CronSchedule.toQuartz(given)).isEqualTo(quartz);
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "* * *", "61 * * * *", "0 * * * * * * *", "0 0 1 * 1"})
    void malformedSchedulesAreRefusedWithAReason(String given) {
        assertThatThrownBy(() -> CronSchedule.toQuartz(given)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageNotContaining("null");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0 * * * *"})
    void theDefaultFiresAtTheTopOfEveryHourInUtc(String given) throws ParseException {
        CronExpression cron = new CronExpression(CronSchedule.toQuartz(given));
        cron.setTimeZone(TimeZone.getTimeZone("UTC"));
        Date next = cron.getNextValidTimeAfter(Date.from(Instant.parse("2026-11-22T01:59:59Z")));
        assertThat(next.toInstant()).isEqualTo(Instant.parse("2026-11-22T02:00:00Z"));
    }
}
