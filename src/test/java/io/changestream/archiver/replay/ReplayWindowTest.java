package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.encode.HourSlot;
import java.time.Instant;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

class ReplayWindowTest {
    private static final int TEN_O_CLOCK = (int) Instant.parse("2026-01-01T10:00:00Z").getEpochSecond();

    @Test
    void anInstantUntilIncludesEveryOperationOfItsSecondAndNothingAfter() {
        ReplayWindow w = until("2026-01-01T10:00:00Z");

        assertThat(w.contains(new BsonTimestamp(TEN_O_CLOCK, 1))).isTrue();
        assertThat(w.contains(new BsonTimestamp(TEN_O_CLOCK, 99_999))).isTrue();
        assertThat(w.contains(new BsonTimestamp(TEN_O_CLOCK + 1, 0))).isFalse();
        assertThat(until("2026-01-01T10:00:00.999Z")).isEqualTo(w);
    }

    @Test
    void aTimestampUntilIsExactToTheOperation() {
        ReplayWindow w = until(TEN_O_CLOCK + ":5");

        assertThat(w.contains(new BsonTimestamp(TEN_O_CLOCK, 5))).isTrue();
        assertThat(w.after(new BsonTimestamp(TEN_O_CLOCK, 6))).isTrue();
    }

    @Test
    void aFromWithAFractionStartsAtTheNextWholeSecond() {
        ReplayWindow w = new ReplayWindow(Optional.of(ReplayWindow.parseFrom("2026-01-01T10:00:00.5Z")),
                Optional.empty());

        assertThat(w.before(new BsonTimestamp(TEN_O_CLOCK, 7))).isTrue();
        assertThat(w.contains(new BsonTimestamp(TEN_O_CLOCK + 1, 0))).isTrue();
    }

    @Test
    void instantsWithAnOffsetMeanTheSameMoment() {
        assertThat(until("2026-01-01T11:00:00+01:00")).isEqualTo(until("2026-01-01T10:00:00Z"));
    }

    @Test
    void hourFilesAreChosenByTheirNameAlone() {
        ReplayWindow w = new ReplayWindow(Optional.of(ReplayWindow.parseFrom("2026-01-01T09:59:59Z")),
                Optional.of(ReplayWindow.parseUntil("2026-01-01T11:00:00Z")));

        assertThat(w.overlaps(slot("2026-01-01T08:00:00Z"))).isFalse();
        assertThat(w.overlaps(slot("2026-01-01T09:00:00Z"))).isTrue();
        assertThat(w.overlaps(slot("2026-01-01T11:00:00Z"))).isTrue();
        assertThat(w.overlaps(slot("2026-01-01T12:00:00Z"))).isFalse();
    }

    @Test
    void aWindowThatEndsBeforeItStartsIsRefused() {
        assertThatThrownBy(() -> new ReplayWindow(Optional.of(ReplayWindow.parseFrom("2026-01-02T00:00:00Z")),
                Optional.of(ReplayWindow.parseUntil("2026-01-01T00:00:00Z")))).hasMessageContaining("empty");
    }

    @Test
    void textThatIsNeitherAnInstantNorATimestampIsRefusedWithTheAllowedForms() {
        assertThatThrownBy(() -> ReplayWindow.parseUntil("yesterday")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ISO-8601").hasMessageContaining("<seconds>:<increment>");
    }

    private static ReplayWindow until(String text) {
        return new ReplayWindow(Optional.empty(), Optional.of(ReplayWindow.parseUntil(text)));
    }

    private static HourSlot slot(String instant) {
        return HourSlot.of(Instant.parse(instant));
    }
}
