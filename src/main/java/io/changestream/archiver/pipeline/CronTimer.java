package io.changestream.archiver.pipeline;

import io.changestream.archiver.config.CronSchedule;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Runs a task at the fire times of a Quartz cron expression (UTC), read from the injected {@link Clock} and fired
 * on a Reactor {@link Scheduler}: the driver of every schedule of the service ({@code FLUSH_SCHEDULE} through
 * {@link FlushSchedule}, {@code SNAPSHOT_SCHEDULE} through {@link SnapshotSchedule}). Quartz is used only as the
 * calendar ({@link CronSchedule#nextFireAfter}, Quartz's {@code CronExpression}); no Quartz scheduler, job store or
 * thread runs.
 *
 * <p><b>Firing.</b> The timer sleeps until the next fire time by the clock, but never longer than {@link #MAX_NAP};
 * on each wake-up it reads the clock again and fires when the fire time has passed. So a clock that jumps (a test's
 * {@code MutableClock}, a stepped system clock) is noticed within one nap, and a clock that jumps over several fire
 * times fires once, not once per missed time (Quartz's "do nothing" misfire rule): the next fire time is computed
 * from the clock after each firing. A firing that finds the previous task still running is skipped rather than
 * queued, since the running task already takes whatever is due.
 *
 * <p><b>Threads.</b> {@link #start} and {@link #close} are called by the owner (the service's start and shutdown);
 * each wake-up runs on the given scheduler, one at a time (a wake-up arms the next one before it ends), and the task
 * is subscribed there and completes on whichever thread ends it. Every mutable field ({@code next}, {@code timer},
 * {@code running}, {@code closed}) is guarded by this object's monitor; the task is subscribed outside it.
 */
public final class CronTimer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(CronTimer.class);
    /** The longest sleep between two looks at the clock. */
    static final Duration MAX_NAP = Duration.ofSeconds(1);

    private final String name;
    private final String quartzCron;
    private final Clock clock;
    private final Scheduler scheduler;
    private final Supplier<Mono<?>> task;
    private Instant next;
    private Disposable timer;
    private boolean running;
    private boolean closed;

    /**
     * @param name        names the schedule in log lines, e.g. {@code flush schedule}
     * @param quartzCron  a Quartz cron expression (see {@link io.changestream.archiver.config.CronSchedule} for the
     *                    translation from Unix cron), evaluated in UTC
     * @param task        one firing; its failure is logged at DEBUG only (the task logs its own failures)
     */
    public CronTimer(String name, String quartzCron, Clock clock, Scheduler scheduler, Supplier<Mono<?>> task) {
        this.name = name;
        this.quartzCron = quartzCron;
        CronSchedule.nextFireAfter(quartzCron, clock.instant()); // throws now if Quartz cannot read it
        this.clock = clock;
        this.scheduler = scheduler;
        this.task = task;
    }

    /** Arms the timer: the first firing is the first fire time after now. */
    public synchronized void start() {
        if (closed || next != null) {
            return;
        }
        next = after(clock.instant()).orElse(null);
        if (next == null) {
            log.info("{} has no future fire time; it never fires", name);
            return;
        }
        arm();
    }

    private Optional<Instant> after(Instant now) {
        return CronSchedule.nextFireAfter(quartzCron, now);
    }

    /** Under the monitor: sleeps until the next fire time, at most {@link #MAX_NAP}. */
    private void arm() {
        Duration until = Duration.between(clock.instant(), next);
        Duration nap = until.isNegative() ? Duration.ZERO : until.compareTo(MAX_NAP) > 0 ? MAX_NAP : until;
        try {
            timer = scheduler.schedule(this::wake, nap.toNanos(), TimeUnit.NANOSECONDS);
        } catch (RejectedExecutionException stopped) {
            next = null; // the scheduler was disposed (the archiver stopped): nothing more fires
        }
    }

    private void wake() {
        boolean fire;
        synchronized (this) {
            if (closed || next == null) {
                return;
            }
            Instant now = clock.instant();
            fire = !now.isBefore(next);
            if (fire) {
                next = after(now).orElse(null);
                if (running) {
                    log.debug("{}: previous firing still running, this one skipped", name);
                    fire = false;
                } else {
                    running = true;
                }
            }
            if (next != null) {
                arm();
            }
        }
        if (fire) {
            fire();
        }
    }

    private void fire() {
        Mono.defer(task)
                .doFinally(s -> {
                    synchronized (this) {
                        running = false;
                    }
                })
                .subscribe(r -> { }, e -> log.debug("{} firing incomplete: {}", name, e.toString()));
    }

    /**
     * Stops the timer. A firing in progress goes on (cancelling could interrupt a write); shutdown's final flush
     * queues behind it.
     */
    @Override
    public synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.dispose();
        }
    }
}
