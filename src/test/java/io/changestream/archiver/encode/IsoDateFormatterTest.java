package io.changestream.archiver.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class IsoDateFormatterTest {
    /** What the driver's relaxed date converter prints. */
    private static String driverFormat(long millis) {
        return ZonedDateTime.ofInstant(Instant.ofEpochMilli(millis), ZoneId.of("Z")).format(DateTimeFormatter.ISO_OFFSET_DATE_TIME);
    }

    private static String format(long millis) {
        Utf8Sink sink = new Utf8Sink(4);
        IsoDateFormatter.write(millis, sink);
        return new String(sink.toByteArray(), StandardCharsets.US_ASCII);
    }

    @Test
    void printsTheSameTextAsIsoOffsetDateTimeAcrossTheWholeRange() {
        SplittableRandom random = new SplittableRandom(11);
        for (int i = 0; i < 200_000; i++) {
            long millis = random.nextLong(IsoDateFormatter.MAX_MILLIS + 1);
            assertThat(format(millis)).isEqualTo(driverFormat(millis));
        }
        long[] edges = {0, 1, 10, 100, 999, 1000, 86_399_999, 86_400_000, 951_782_400_000L, 951_868_799_999L, 4_107_542_400_000L,
            IsoDateFormatter.MAX_MILLIS};
        for (long millis : edges) {
            assertThat(format(millis)).isEqualTo(driverFormat(millis));
        }
    }

    @Test
    void printsEveryDayOfALeapCenturyCorrectly() {
        for (long day = 10_957 - 400; day < 10_957 + 800; day++) {
            long millis = day * 86_400_000L + 43_200_120L;
            assertThat(format(millis)).isEqualTo(driverFormat(millis));
        }
    }

    @Test
    void knowsTheDriversRelaxedRange() {
        assertThat(IsoDateFormatter.inRange(-1)).isFalse();
        assertThat(IsoDateFormatter.inRange(0)).isTrue();
        assertThat(IsoDateFormatter.inRange(IsoDateFormatter.MAX_MILLIS)).isTrue();
        assertThat(IsoDateFormatter.inRange(IsoDateFormatter.MAX_MILLIS + 1)).isFalse();
    }
}
