package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

import org.junit.jupiter.api.Test;

class ReplayProgressTest {

    @Test
    void onATerminalTheLineShowsRateFilesAndAnEtaFromTheBytesLeft() {
        ManualClock clock = new ManualClock();
        StringWriter screen = new StringWriter();
        ReplayProgress progress = new ReplayProgress(clock, new PrintWriter(screen), 4096, 4, 200);

        clock.advance(Duration.ofSeconds(10));
        progress.update(5000, 1024, 1);
        progress.finish();

        assertThat(screen.toString()).startsWith("\r").contains("5,000 events", "500 events/s", "files 1/4",
                "1.0 KiB of 4.0 KiB", "ETA 30s").endsWith(System.lineSeparator());
    }

    @Test
    void updatesComeAtMostTwiceASecondOnATerminal() {
        ManualClock clock = new ManualClock();
        StringWriter screen = new StringWriter();
        ReplayProgress progress = new ReplayProgress(clock, new PrintWriter(screen), 100, 1, 200);

        clock.advance(Duration.ofMillis(600));
        progress.update(1, 1, 0);
        progress.update(2, 2, 0);
        clock.advance(Duration.ofMillis(100));
        progress.update(3, 3, 0);

        assertThat(screen.toString()).startsWith("\r1 events,").doesNotContain("\r2 events", "\r3 events");
    }

    @Test
    void theFirstEtaWaitsForTheRateToSettleInsteadOfReadingDays() {
        ManualClock clock = new ManualClock();
        StringWriter screen = new StringWriter();
        ReplayProgress progress = new ReplayProgress(clock, new PrintWriter(screen), 1L << 30, 40, 200);

        clock.advance(Duration.ofMillis(600));
        progress.update(10, 4096, 0);

        assertThat(screen.toString()).contains("ETA …").doesNotContainPattern("ETA \\d+d");
    }

    @Test
    void aRedrawFitsTheTerminalWidthAndErasesWhatThePreviousOneLeft() {
        ManualClock clock = new ManualClock();
        StringWriter screen = new StringWriter();
        ReplayProgress progress = new ReplayProgress(clock, new PrintWriter(screen), 1L << 40, 4000, 70);

        for (int i = 1; i <= 3; i++) {
            clock.advance(Duration.ofSeconds(30));
            progress.update(1_000_000L * i, (1L << 30) * i, i);
        }

        String[] redraws = screen.toString().substring(1).split("\r");
        assertThat(redraws).hasSize(3).allSatisfy(r -> {
            assertThat(r).endsWith("\u001b[K").doesNotContain("\n");
            assertThat(r.length() - "\u001b[K".length()).as(r).isLessThan(70);
        });
    }

    /** A clock the test moves. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
