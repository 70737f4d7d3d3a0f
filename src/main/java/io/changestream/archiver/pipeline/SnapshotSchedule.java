package io.changestream.archiver.pipeline;

import java.time.Clock;
import java.util.Collection;
import java.util.function.Function;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Runs {@code SNAPSHOT_SCHEDULE} (Quartz cron, UTC, by the archiver's injected clock) on the same driver as
 * {@link FlushSchedule}, a {@link CronTimer}: each firing asks for a snapshot of every collection this instance owns
 * ({@link Archiver#snapshot}); a collection whose snapshot is still running is left to it. A firing returns at once:
 * the snapshots run on their own threads.
 *
 * <p><b>Threads.</b> Constructed (and started) and closed by the service; firings run on the archiver's flush
 * scheduler. No state of its own.
 */
public final class SnapshotSchedule implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotSchedule.class);

    private final CronTimer timer;

    public SnapshotSchedule(Archiver archiver, String quartzCron) {
        this(archiver::collections, archiver::snapshot, quartzCron, archiver.clock(), archiver.scheduler());
    }

    /**
     * @param collections the watched collections ({@link Archiver#collections})
     * @param snapshot    starts a snapshot of one collection and returns its id ({@link Archiver#snapshot})
     */
    SnapshotSchedule(Supplier<? extends Collection<String>> collections, Function<String, String> snapshot,
                     String quartzCron, Clock clock, Scheduler scheduler) {
        this.timer = new CronTimer("snapshot schedule", quartzCron, clock, scheduler,
                () -> Mono.fromRunnable(() -> snapshotAll(collections.get(), snapshot)));
        timer.start();
    }

    private static void snapshotAll(Collection<String> collections, Function<String, String> snapshot) {
        for (String collection : collections) {
            try {
                String id = snapshot.apply(collection);
                log.info("scheduled snapshot {} of {} started", id, collection);
            } catch (SnapshotCoordinator.AlreadyRunning e) {
                log.debug("scheduled snapshot of {} skipped: {}", collection, e.getMessage());
            } catch (RuntimeException e) {
                log.warn("scheduled snapshot of {} not started: {}", collection, e.getMessage());
            }
        }
    }

    @Override
    public void close() {
        timer.close();
    }
}
