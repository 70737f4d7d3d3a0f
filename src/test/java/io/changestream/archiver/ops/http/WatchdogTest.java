package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import reactor.test.scheduler.VirtualTimeScheduler;

/** {@link Watchdog}: live while the scheduler ticks; not live once it has been silent longer than allowed. */
class WatchdogTest {
    private final VirtualTimeScheduler scheduler = VirtualTimeScheduler.create();
    private final AtomicLong nanos = new AtomicLong();
    private final Watchdog watchdog = new Watchdog(scheduler, Duration.ofSeconds(1), Duration.ofSeconds(30),
            nanos::get);

    /** Time passes for the clock, and for the scheduler only if it is not wedged. */
    private void pass(Duration d, boolean schedulerRuns) {
        for (long s = 0; s < d.toSeconds(); s++) {
            nanos.addAndGet(Duration.ofSeconds(1).toNanos());
            if (schedulerRuns) {
                scheduler.advanceTimeBy(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void aTickingSchedulerKeepsTheProcessLive() {
        pass(Duration.ofMinutes(5), true);

        assertThat(watchdog.stalledFor()).isEmpty();
    }

    @Test
    void aSchedulerSilentForLongerThanTheLimitMeansWedgedUntilItTicksAgain() {
        pass(Duration.ofSeconds(29), false);
        assertThat(watchdog.stalledFor()).isEmpty();

        pass(Duration.ofSeconds(2), false);
        assertThat(watchdog.stalledFor()).hasValueSatisfying(d -> assertThat(d).isGreaterThan(Duration.ofSeconds(30)));

        pass(Duration.ofSeconds(1), true);
        assertThat(watchdog.stalledFor()).isEmpty();
    }

    @Test
    void closingStopsTheHeartbeat() {
        watchdog.close();

        pass(Duration.ofSeconds(31), true);

        assertThat(watchdog.stalledFor()).isPresent();
    }
}
