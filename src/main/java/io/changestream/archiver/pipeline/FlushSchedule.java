package io.changestream.archiver.pipeline;

import io.changestream.archiver.checkpoint.FlushTrigger;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Runs {@code FLUSH_SCHEDULE} (Quartz cron, UTC, by the archiver's injected clock): each firing flushes every
 * collection with trigger {@code schedule}, on the archiver's flush scheduler. A {@link CronTimer} drives it: a firing
 * that finds the previous one still running is skipped rather than queued, since the running flush already takes
 * whatever is buffered, and a firing is given up waiting for after {@code flushTimeout}.
 *
 * <p>A failed firing is not logged here (only one that timed out): each collection whose flush failed logged it,
 * its events stay buffered and its pipeline retries the flush ({@link FlushRetries}); a collection still starting
 * is refused and captures what it missed later.
 *
 * <p><b>Threads.</b> As {@link CronTimer}: constructed, started and closed by the service; firings run on the flush
 * scheduler. No state of its own.
 */
public final class FlushSchedule implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlushSchedule.class);
    private final CronTimer timer;

    public FlushSchedule(Archiver archiver, String quartzCron, Duration flushTimeout) {
        this(archiver::flushAll, quartzCron, flushTimeout, archiver.clock(), archiver.scheduler());
    }

    /** @param flushAll flushes every collection with the given trigger ({@link Archiver#flushAll}) */
    FlushSchedule(Function<FlushTrigger, Mono<?>> flushAll, String quartzCron, Duration flushTimeout, Clock clock,
                  Scheduler scheduler) {
        this.timer = new CronTimer("flush schedule", quartzCron, clock, scheduler,
                () -> flushAll.apply(FlushTrigger.SCHEDULE).timeout(flushTimeout, scheduler)
                        .doOnError(TimeoutException.class, e -> log.warn("scheduled flush did not complete within "
                                + "{} s; the next firing flushes what is still buffered", flushTimeout.toSeconds())));
    }

    public void start() {
        timer.start();
    }

    @Override
    public void close() {
        timer.close();
    }
}
