package io.changestream.archiver.pipeline;

import io.changestream.archiver.capture.ClusterClock;
import java.time.Clock;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.util.retry.RetryBackoffSpec;

/**
 * Fixes, once per process and before anything can wait on the store or the tracker, the operation time at which
 * capture of every collection without a checkpoint begins: the {@link CaptureStart}.
 *
 * <h2>Why it is read first</h2>
 * A collection's pipeline can start only once the tracker answers (its lease, its claim, its checkpoint) and the
 * store answers (recovery lists and reads the archive tail). If the time a fresh collection begins at were read
 * only then, every write made while the store or the tracker was down at the very first start would fall before
 * it: never captured, never archived, and no gap would say so. So the time is read from the source cluster alone,
 * as soon as the {@link Archiver} starts, and every pipeline reads it (or the value already fixed) before it
 * recovers: a collection that turns out to have no checkpoint records this early time as its first checkpoint
 * ({@link ExactlyOnceWriter#beginAt}) and opens its change stream there ({@code startAtOperationTime}), however late
 * recovery succeeds. While the outage lasts the events simply wait in the oplog; the change stream delivers them
 * once capture opens. Should the outage outlast the oplog window, opening the stream fails with lost history and
 * {@code HISTORY_LOST_POLICY} applies: the loss is reported, never silent.
 *
 * <h2>Where it is remembered</h2>
 * In this object only, until a pipeline records it in the tracker as its first checkpoint: before the tracker is
 * reachable it cannot be persisted anywhere that outlives the process (a pod's disk does not). If the process dies
 * before that, the next process fixes a new, later time, and what was written between the two starts is captured by
 * no one: a loss no gap records, bounded by how long the first process ran without reaching its tracker (readiness
 * stayed 503 all that time). With several instances each has its own time; a fresh collection begins at the time
 * of the instance that acquires it first. A collection that already has a checkpoint ignores this time entirely.
 *
 * <p>The source must answer for this read, but capture needs the source anyway: while it is unreachable nothing
 * can be captured, and the time is fixed by the first read that succeeds.
 *
 * <p><b>Threads.</b> {@link #fix()} blocks on the source and is called on the flush scheduler (pipeline starts and
 * the early read of {@link #fixEarly}); the read is serialized by this object's monitor, and the fixed value is a
 * volatile field written once.
 */
final class FirstStart {
    private static final Logger log = LoggerFactory.getLogger(FirstStart.class);

    private final ClusterClock clusterClock;
    private final Clock clock;
    private volatile CaptureStart fixed;

    FirstStart(ClusterClock clusterClock, Clock clock) {
        this.clusterClock = clusterClock;
        this.clock = clock;
    }

    /**
     * Reads the time at once in the background, retrying with backoff until the source answers, so that it is fixed
     * even while no pipeline can start (tracker down: no lease). Dispose the result to stop retrying.
     */
    Disposable fixEarly(Scheduler scheduler, RetryBackoffSpec backoff) {
        return Mono.fromCallable(this::fix).subscribeOn(scheduler)
                .doOnError(e -> log.debug("the source cluster's operation time is not known yet: {}", e.getMessage()))
                .retryWhen(backoff)
                .subscribe(time -> { }, e -> { });
    }

    /**
     * The time fixed by the first successful read; when no read succeeded yet, reads it now (blocking, on a
     * scheduler that allows it).
     *
     * @throws TimeUnknownException the source did not answer
     */
    CaptureStart fix() {
        CaptureStart known = fixed;
        if (known != null) {
            return known;
        }
        synchronized (this) {
            if (fixed == null) {
                try {
                    fixed = new CaptureStart(clusterClock.now(), clock.instant());
                } catch (RuntimeException e) {
                    throw new TimeUnknownException(e);
                }
                log.info("first-start time fixed at operation time {}: a collection without a checkpoint begins "
                        + "capture there", fixed.describe());
            }
            return fixed;
        }
    }

    /** The fixed time, once a read succeeded. */
    Optional<CaptureStart> known() {
        return Optional.ofNullable(fixed);
    }

    /** The source did not answer the read of its operation time; nothing can be captured yet. */
    static final class TimeUnknownException extends RuntimeException {
        TimeUnknownException(Throwable cause) {
            super("the source cluster's operation time (where a collection without a checkpoint begins capture) "
                    + "could not be read: " + cause.getMessage(), cause);
        }
    }
}
