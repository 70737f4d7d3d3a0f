package io.changestream.archiver.pipeline;

import io.changestream.archiver.checkpoint.FlushTrigger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Function;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;

/**
 * Retries one collection's failed flush until it succeeds, so that events buffered during a store outage do not
 * wait for the next trigger (for an idle collection under an hourly schedule: the next hour).
 *
 * <h2>Rounds</h2>
 * A round is one ordinary flush of the collection: up to {@code RETRY_ATTEMPTS} attempts by the
 * {@link ExactlyOnceWriter}, {@code RETRY_DELAY_MS} apart and doubling. Whenever a flush fails with events still
 * buffered, whatever its trigger, the next round is scheduled unless one is pending already: after
 * {@code RETRY_DELAY_MS} doubling per failed flush in a row, with jitter, at most {@link #MAX_BACKOFF} apart (or
 * {@code RETRY_DELAY_MS}, if that is longer). A round carries the trigger of the flush that failed first, so the
 * flush log and the flush metrics say why the events were being flushed. A flush that succeeds, by any trigger,
 * ends the retries and resets the backoff.
 *
 * <p>Between rounds nothing waits: the pending round is a timer, no thread sleeps, and the collection's flush lock
 * is free, so other triggers, status, handover and shutdown proceed at once. (Within a round the writer's attempts
 * pause too, {@link RetryPolicy#delay} apart, with the lock released: {@link FlushLock#pauseUnlocked}.) The
 * pipeline logs one line per failed flush, so one per round.
 *
 * <p>{@link #stop()} ends the retries for good: shutdown, handover and lease loss stop capture, and so does a
 * conflict. A round that would run after the lease was lost fails without writing (the hold refuses it).
 *
 * <p><b>Threads.</b> {@link #failed} and {@link #succeeded} are called under the pipeline's flush lock, {@link #stop}
 * and {@link #describe} from any thread, the round from a Reactor timer thread (it only subscribes the flush, which
 * runs on the flush scheduler). Every field is guarded by this object's monitor.
 */
final class FlushRetries {
    /** The longest pause between two rounds. */
    static final Duration MAX_BACKOFF = RetryPolicy.MAX_DELAY;

    private final RetryPolicy backoff;
    private final Clock clock;
    private final Function<FlushTrigger, Mono<?>> round;
    private int failedInARow;
    private Instant failingSince;
    private String cause;
    private FlushTrigger trigger;
    private Instant nextAt;
    private Disposable pending;
    private boolean stopped;

    /**
     * @param firstDelay {@code RETRY_DELAY_MS}: the pause after the first failed flush
     * @param round      runs one flush with the given trigger; its failure comes back through {@link #failed}
     */
    FlushRetries(Duration firstDelay, Clock clock, Function<FlushTrigger, Mono<?>> round) {
        this.backoff = RetryPolicy.of(1, firstDelay);
        this.clock = clock;
        this.round = round;
    }

    /** What a failed flush leads to, for its log line. */
    record Next(int failedInARow, Instant failingSince, Optional<Duration> retryIn) {
    }

    /**
     * A flush failed and events remain buffered: schedules the next round unless one is pending or retrying was
     * stopped.
     */
    synchronized Next failed(FlushTrigger failedTrigger, String failure) {
        failedInARow++;
        cause = failure;
        if (failingSince == null) {
            failingSince = clock.instant();
            trigger = failedTrigger;
        }
        if (stopped) {
            return new Next(failedInARow, failingSince, Optional.empty());
        }
        if (pending == null) {
            Duration wait = waitBefore(failedInARow);
            nextAt = clock.instant().plus(wait);
            pending = Mono.delay(wait).flatMap(tick -> startRound()).subscribe(r -> { }, e -> { });
        }
        return new Next(failedInARow, failingSince, Optional.of(untilNext()));
    }

    /** The pause before the round that follows {@code failedInARow} failed flushes: the {@link RetryPolicy}. */
    Duration waitBefore(int failedInARow) {
        return backoff.delay(failedInARow);
    }

    private synchronized Mono<?> startRound() {
        pending = null;
        nextAt = null;
        return stopped ? Mono.empty() : round.apply(trigger).onErrorResume(e -> Mono.empty());
    }

    /** A flush succeeded (or found nothing left to flush): retries end. Returns how many flushes had failed. */
    synchronized int succeeded() {
        int failed = failedInARow;
        failedInARow = 0;
        failingSince = null;
        cause = null;
        trigger = null;
        nextAt = null;
        if (pending != null) {
            pending.dispose();
            pending = null;
        }
        return failed;
    }

    /** No more rounds: shutdown, handover, lease loss or a conflict. */
    synchronized void stop() {
        stopped = true;
        nextAt = null;
        if (pending != null) {
            pending.dispose();
            pending = null;
        }
    }

    /** For status: since when flushes fail, why, and when the next round runs; empty while flushes succeed. */
    synchronized Optional<String> describe() {
        if (failingSince == null) {
            return Optional.empty();
        }
        String next = stopped ? "retries stopped"
                : nextAt == null ? "retrying now" : "next retry in " + untilNext().toMillis() + " ms";
        return Optional.of("flush failing since " + failingSince + " (" + failedInARow + " failed in a row), " + next
                + ": " + cause);
    }

    private Duration untilNext() {
        Duration left = Duration.between(clock.instant(), nextAt);
        return left.isNegative() ? Duration.ZERO : left;
    }
}
