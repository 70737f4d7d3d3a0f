package io.changestream.archiver.ops.http;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import reactor.core.Disposable;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Decides {@code GET /healthz/live}: a heartbeat scheduled every second on Reactor's parallel scheduler, the timer
 * behind every backoff, retry delay and interval in the pipeline. If that scheduler is wedged (a task blocking its
 * thread forever, a deadlock), the heartbeat stops, and after {@code stallAfter} the process reports itself not
 * live, so the orchestrator restarts it; restarting is safe because the checkpoint never runs ahead of the archive.
 *
 * <p>A wedged HTTP event loop needs no heartbeat: the probe itself then gets no answer, which probes count as a
 * failure. Flush threads are deliberately not watched: a flush retrying a slow store for minutes is working, not
 * wedged, and restarting it would only repeat it.
 *
 * <p>Time comes from a {@link LongSupplier} of nanoseconds, so tests can stall the clock without stalling a thread.
 */
public final class Watchdog implements AutoCloseable {
    public static final Duration DEFAULT_STALL_AFTER = Duration.ofSeconds(30);
    private static final Duration INTERVAL = Duration.ofSeconds(1);

    private final LongSupplier nanoTime;
    private final long stallAfterNanos;
    private final AtomicLong lastBeat;
    private final Disposable ticking;

    Watchdog(Scheduler scheduler, Duration interval, Duration stallAfter, LongSupplier nanoTime) {
        this.nanoTime = nanoTime;
        this.stallAfterNanos = stallAfter.toNanos();
        this.lastBeat = new AtomicLong(nanoTime.getAsLong());
        this.ticking = scheduler.schedulePeriodically(this::beat, interval.toNanos(), interval.toNanos(),
                TimeUnit.NANOSECONDS);
    }

    /** Beats on {@link Schedulers#parallel()} every second; not live after {@code stallAfter} without a beat. */
    public static Watchdog start(Duration stallAfter) {
        return new Watchdog(Schedulers.parallel(), INTERVAL, stallAfter, System::nanoTime);
    }

    private void beat() {
        lastBeat.set(nanoTime.getAsLong());
    }

    /** Empty while live; otherwise how long the heartbeat has been silent. */
    public Optional<Duration> stalledFor() {
        long silent = nanoTime.getAsLong() - lastBeat.get();
        return silent > stallAfterNanos ? Optional.of(Duration.ofNanos(silent)) : Optional.empty();
    }

    @Override
    public void close() {
        ticking.dispose();
    }
}
