package io.changestream.archiver.pipeline;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.capture.ChangeStreamWatcher;
import io.changestream.archiver.capture.ClusterClock;
import io.changestream.archiver.capture.ChangeStreamWatcher.EventTooLargeException;
import io.changestream.archiver.capture.ChangeStreamWatcher.HistoryLostException;
import io.changestream.archiver.capture.ClusterTimes;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.capture.ResumePoint;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.Gap;
import io.changestream.archiver.checkpoint.LeaseLostException;
import io.changestream.archiver.config.ArchiverConfig.HistoryLostPolicy;
import io.changestream.archiver.ops.logging.LogContext;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.pipeline.CollectionStatus.CheckpointView;
import io.changestream.archiver.pipeline.CollectionStatus.LastFlush;
import io.changestream.archiver.pipeline.CollectionStatus.State;
import io.changestream.archiver.store.StoreConflictException;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.bson.BsonTimestamp;
import org.reactivestreams.Subscription;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.BaseSubscriber;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One collection's path through the stages: change stream → buffer → exactly-once writer, for as long as this
 * instance holds the collection's lease. Each acquisition builds a new pipeline around its {@link LeaseHold}, so a
 * pipeline never outlives its epoch: once the hold is revoked, nothing it does can write again, and a later
 * acquisition starts over from the checkpoint with a fresh buffer.
 *
 * <p>Capture requests one event at a time, and only while the shared {@link MemoryBudget} has room, so a slow or
 * failing store pauses the change stream instead of growing memory (the driver fetches nothing nobody asked for).
 * Flushes of this collection are serialized by one lock: concurrent triggers queue and each flushes what is
 * buffered when its turn comes, so writes to one file never interleave. A failed flush is retried in rounds until
 * it succeeds ({@link FlushRetries}), without waiting for the next trigger.
 *
 * <h2>Start</h2>
 * {@link #start()} runs three steps in this order, on the flush scheduler, retried by the {@link Archiver} until they
 * succeed:
 * <ol>
 *   <li><b>First-start time.</b> The process's {@link CaptureStart} is fixed ({@link FirstStart}): read from the
 *       source before anything here can wait on the store or the tracker.</li>
 *   <li><b>Recovery.</b> The writer claims the collection, reads the checkpoint and adopts the archive tail (tracker
 *       and store must answer). A collection without a checkpoint records the first-start time as its first
 *       checkpoint ({@link ExactlyOnceWriter#beginAt}), however late this step succeeds. Then the owner records the
 *       initial snapshot's start, if one is due ({@link Owner#captureBeginning}).</li>
 *   <li><b>Capture.</b> The change stream opens after the checkpoint's token, or at the first-start time.</li>
 * </ol>
 * Until step 3 the collection is {@link State#STARTING}: not ready, and a flush request is refused rather than
 * answered with "0 events".
 *
 * <h2>Threads</h2>
 * {@code Capture}'s hooks run on the thread that delivers the stream's signals (a driver thread; the first request
 * runs where {@link #start} runs, a resume after memory pressure on the flush scheduler). {@link #start},
 * {@link #flush}, {@link #surrender}, {@link #keepIdleCheckpointFresh} and the handling of a capture error run on the
 * flush scheduler; {@link #stopCapture} and {@link #abandon} on the caller's thread (the lease thread, shutdown);
 * {@link #status}, {@link #state} and {@link #subscribed} on any thread (HTTP, metrics scrapes), from memory only.
 * What guards what:
 * <ul>
 *   <li>{@code flushLock} ({@link FlushLock}), the pipeline's one lock held across store and tracker calls: the
 *       writer (it is not thread-safe), so every flush, recovery, idle-checkpoint move and restart after lost
 *       history. The writer's pauses between attempts wait with it released.</li>
 *   <li>This object's monitor, never held across I/O: the capture lifecycle ({@code capture},
 *       {@code captureStopped}), so that stopping capture never waits for a flush in progress.</li>
 *   <li>Single-writer volatiles read by status: {@code state}, {@code lastFlush}, {@code backingOff},
 *       {@code conflict}, {@code stoppedBecause}. {@code sizeFlushQueued} is an atomic flag so that the delivery
 *       thread queues one size flush at a time without taking a lock.</li>
 *   <li>The buffer, the budget and {@link FlushRetries} guard themselves (their own monitors, never held while
 *       calling out).</li>
 * </ul>
 * Nothing here blocks a delivery thread: {@code hookOnNext} only appends to the buffer and subscribes flushes on the
 * flush scheduler; a capture error hops to the flush scheduler before it touches the tracker or the lock.
 */
public final class CollectionPipeline {
    private static final Logger log = LoggerFactory.getLogger(CollectionPipeline.class);

    private final String name;
    private final ChangeStreamWatcher watcher;
    private final CollectionBuffer buffer;
    private final MemoryBudget budget;
    private final ExactlyOnceWriter writer;
    private final CheckpointStore checkpoints;
    private final CursorMonitor monitor;
    private final ClusterClock clusterClock;
    private final ArchiverMetrics.PerCollection metrics;
    private final HistoryLostPolicy historyLostPolicy;
    private final Scheduler flushScheduler;
    private final Clock clock;
    private volatile Optional<BsonTimestamp> beganAt = Optional.empty();
    private final LeaseHold hold;
    private final Runnable onPressure;
    private final Consumer<HistoryLostException> onFatal;
    private final Consumer<LeaseHold> onLeaseLost;
    private final Owner owner;
    private final FirstStart firstStart;
    private final FlushRetries retries;
    private final FlushLock flushLock = new FlushLock();
    private final AtomicBoolean sizeFlushQueued = new AtomicBoolean();
    private volatile State state = State.STARTING;
    private volatile LastFlush lastFlush;
    private volatile boolean backingOff;
    private volatile Capture capture;
    /** Why capture stopped for good, when the cause is one an operator fixes outside (shown as status detail). */
    private volatile String stoppedBecause;
    private volatile String conflict;
    private boolean captureStopped;

    /** What a pipeline reports to its owner (the {@link Archiver}): called on the pipeline's threads, not blocking. */
    interface Owner {
        /** Capture parked for want of memory: relieve the pressure (flush the biggest buffer). */
        void memoryPressure();

        /** History was lost under {@code HISTORY_LOST_POLICY=fail}: the service stops. */
        void historyLostFatally(HistoryLostException e);

        /** A write under {@code hold} was refused: the lease is gone. */
        void leaseLost(LeaseHold hold);

        /**
         * Between recovery and capture: capture is about to begin at {@code beganAt} with nothing archived since
         * (empty: it resumes after an archived event). Here the initial snapshot's start is recorded, before the
         * stream opens, so no flush can move the checkpoint past "nothing archived yet" while no snapshot is on
         * record. Throws to fail the start, which the Archiver retries.
         */
        void captureBeginning(LeaseHold hold, Optional<BsonTimestamp> beganAt);
    }

    /** Built by {@link PipelineServices#pipeline}, which decides what a pipeline is made of. */
    CollectionPipeline(LeaseHold hold, ChangeStreamWatcher watcher, CollectionBuffer buffer, ExactlyOnceWriter writer,
                       ArchiverMetrics.PerCollection metrics, PipelineServices shared, Owner owner) {
        this.name = hold.collection();
        this.hold = hold;
        this.watcher = watcher;
        this.buffer = buffer;
        this.writer = writer;
        this.metrics = metrics;
        this.budget = shared.budget();
        this.checkpoints = shared.checkpoints();
        this.monitor = shared.monitor();
        this.clusterClock = shared.clusterClock();
        this.historyLostPolicy = shared.config().historyLostPolicy();
        this.flushScheduler = shared.flushScheduler();
        this.clock = shared.clock();
        this.firstStart = shared.firstStart();
        this.onPressure = owner::memoryPressure;
        this.onFatal = owner::historyLostFatally;
        this.onLeaseLost = owner::leaseLost;
        this.owner = owner;
        this.retries = new FlushRetries(shared.config().store().retryDelay(), clock, this::flush);
    }

    LeaseHold hold() {
        return hold;
    }

    public String name() {
        return name;
    }

    /**
     * After {@link #start}: the operation time capture began at when nothing was archived since (the collection's
     * first start), for the initial snapshot; empty when capture resumed after an archived event.
     */
    Optional<BsonTimestamp> beganAt() {
        return beganAt;
    }

    /**
     * The three start steps (class comment): first-start time, recovery, capture. Blocking: source, tracker and
     * store must answer.
     *
     * @throws LeaseLostException the lease was lost meanwhile (reported to the owner of this pipeline as well)
     * @throws FirstStart.TimeUnknownException step 1 failed: the source did not answer
     * @throws RuntimeException recovery failed, as the writer threw it; the Archiver retries
     */
    void start() {
        CaptureStart origin = firstStart.fix();                                                    // step 1
        Checkpoint checkpoint;
        try {
            checkpoint = locked(() -> writer.recover()                                             // step 2
                    .orElseGet(() -> writer.beginAt(origin.operationTime())));
        } catch (LeaseLostException e) {
            onLeaseLost.accept(hold);
            throw e;
        } catch (StoreConflictException e) {
            stopForConflict(e.getMessage());
            throw e;
        }
        // Snapshot hook: capture begins at an operation time with nothing archived since (a first start).
        beganAt = checkpoint.resumeToken().isEmpty() ? Optional.of(checkpoint.clusterTime()) : Optional.empty();
        owner.captureBeginning(hold, beganAt);
        checkpoint.resumeToken().ifPresent(t -> metrics.archivedUpTo(ClusterTimes.instant(checkpoint.clusterTime())));
        metrics.checkpointed(ClusterTimes.instant(checkpoint.clusterTime()));
        ResumePoint from = resumePoint(checkpoint);
        log.info("starting capture of {} from {} ({})", name, checkpoint.resumeToken()
                .map(t -> "checkpoint " + t.toJson()).orElse("operation time " + checkpoint.clusterTime().getTime()
                        + "." + checkpoint.clusterTime().getInc()), ClusterTimes.instant(checkpoint.clusterTime()));
        subscribe(from);                                                                           // step 3
    }

    private static ResumePoint resumePoint(Checkpoint c) {
        return c.resumeToken().<ResumePoint>map(t -> ResumePoint.after(t, c.startAfter()))
                .orElseGet(() -> new ResumePoint.StartAt(c.clusterTime()));
    }

    private synchronized void subscribe(ResumePoint from) {
        if (captureStopped) {
            return; // stopped (shutdown, lease lost) while recovering: stay stopped
        }
        Capture next = new Capture();
        capture = next;
        state = State.WATCHING;
        watcher.events(from).subscribe(next);
    }

    /** Stops capture for good; buffered events stay for the final flush. */
    synchronized void stopCapture() {
        captureStopped = true;
        retries.stop();
        Capture c = capture;
        if (c != null) {
            c.dispose();
        }
        monitor.closed(name);
        state = State.STOPPED;
    }

    /**
     * The lease is lost (the hold is revoked already): stops capture and drops the buffer at once, without waiting
     * for a flush in progress; that flush's next write is refused by the hold.
     */
    void abandon() {
        stopCapture();
        buffer.discard();
        metrics.buffered(0, 0);
    }

    /**
     * Hands the collection on: stops capture, flushes what is buffered, and revokes the hold, all under the flush
     * lock, so when the returned Mono completes (with the flush's result or error) no write is in flight and none
     * can follow; the lease may be released. What the final flush could not archive is dropped: it is after the
     * checkpoint, and the next owner captures it again.
     */
    Mono<FlushResult> surrender(FlushTrigger trigger) {
        stopCapture();
        return Mono.fromCallable(() -> LogContext.call(name, () -> locked(() -> {
            try {
                return flushNow(trigger);
            } finally {
                hold.revoke("handed on (" + trigger.tag() + ")");
                abandon();
            }
        }))).subscribeOn(flushScheduler);
    }

    /** Flushes what is buffered now; completes once it is durable and checkpointed. */
    public Mono<FlushResult> flush(FlushTrigger trigger) {
        return Mono.fromCallable(() -> LogContext.call(name, () -> locked(() -> flushNow(trigger))))
                .subscribeOn(flushScheduler);
    }

    private FlushResult flushNow(FlushTrigger trigger) {
        if (buffer.size() == 0) {
            retries.succeeded(); // nothing left to retry
            return FlushResult.empty(name);
        }
        Instant at = clock.instant();
        try {
            FlushResult result = writer.flush(buffer, trigger, flushLock::pauseUnlocked);
            lastFlush = new LastFlush(at, trigger.tag(), true, result.events(), result.files(), Optional.empty());
            int failedBefore = retries.succeeded();
            if (failedBefore > 0) {
                log.info("flush of {} succeeded after {} failed in a row; {} events archived", name, failedBefore,
                        result.events());
            }
            return result;
        } catch (FlushFailedException e) {
            lastFlush = new LastFlush(at, trigger.tag(), false, e.archivedBeforeFailure(), List.of(),
                    Optional.of(e.getMessage()));
            if (e.leaseLost()) {
                log.warn("{}", e.getMessage());
                onLeaseLost.accept(hold);
            } else if (e.conflict()) {
                // Another writer's bytes are in our file: writing on would interleave two histories. Stop this
                // collection; its unarchived events are after the checkpoint, so a restart captures them again.
                stopForConflict(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
            } else {
                retried(trigger, e);
            }
            throw e;
        } finally {
            metrics.buffered(buffer.size(), buffer.bytes());
        }
    }

    /** Schedules the next round and logs the failure: one line per failed flush, so one per retry round. */
    private void retried(FlushTrigger trigger, FlushFailedException e) {
        FlushRetries.Next next = retries.failed(trigger, e.getMessage());
        String retry = next.retryIn().map(d -> "retrying in " + d.toMillis() + " ms")
                .orElse("not retried (capture stopped; the collection's next owner captures them again)");
        if (next.failedInARow() == 1) {
            log.error("flush of {} failed; {} events stay buffered, {}: {}", name, buffer.size(), retry,
                    e.getMessage());
        } else {
            log.warn("flush of {} failed again ({} in a row since {}); {} events stay buffered, {}: {}", name,
                    next.failedInARow(), next.failingSince(), buffer.size(), retry, e.getMessage());
        }
    }

    /**
     * The archive is not what this collection's writer can build on (another writer's bytes, lines beyond the
     * checkpoint that do not continue the stream, a missing or shortened file): stops capture for good, counts it,
     * and keeps the reason for readiness. Nothing more is written until an operator has looked and restarted.
     */
    private void stopForConflict(String reason) {
        metrics.storeConflict();
        stopCapture();
        state = State.FAILED;
        conflict = reason;
        log.error("capture of {} stopped: its archive is not what the checkpoint says ({}); nothing is written "
                + "until it is: find the cause (two archivers on one archive? a volume that did not mount? a file "
                + "changed by hand?), repair the archive, then restart", name, reason);
    }

    /** Why this collection stopped on a conflict, if it did: for readiness. */
    Optional<String> conflict() {
        return Optional.ofNullable(conflict);
    }

    /** Moves an idle collection's checkpoint to the stream's post-batch token, so it never falls off the oplog. */
    void keepIdleCheckpointFresh() {
        locked(() -> {
            Optional<CursorMonitor.IdleToken> idle = monitor.idleToken(name);
            Optional<Checkpoint> current = writer.checkpoint();
            if (buffer.size() == 0 && idle.isPresent()
                    && current.map(c -> !c.resumeToken().equals(Optional.of(idle.get().token()))).orElse(true)) {
                BsonTimestamp time = ResumeTokens.clusterTime(idle.get().token())
                        .orElse(current.map(Checkpoint::clusterTime).orElse(new BsonTimestamp()));
                try {
                    writer.advanceIdle(idle.get().token(), time);
                    writer.checkpoint().ifPresent(c -> metrics.checkpointed(ClusterTimes.instant(c.clusterTime())));
                } catch (LeaseLostException e) {
                    onLeaseLost.accept(hold);
                    throw e;
                }
                log.debug("moved idle checkpoint of {} to post-batch token {}", name, idle.get().token().toJson());
            }
            return null;
        });
    }

    /** The change stream failed and waits to re-subscribe; shown as {@link State#BACKING_OFF} until it reopens. */
    void watchFailed() {
        backingOff = true;
    }

    public CollectionStatus status() {
        if (backingOff && monitor.isOpen(name)) {
            backingOff = false;
        }
        Optional<CheckpointView> checkpoint = writer.checkpoint().map(CheckpointView::of);
        return new CollectionStatus(name, state(), buffer.size(), buffer.bytes(),
                Optional.ofNullable(metrics.newestCaptured()), Optional.ofNullable(metrics.newestArchived()),
                Optional.ofNullable(lastFlush), checkpoint, hold.lease().owner(),
                Optional.ofNullable(stoppedBecause).or(retries::describe));
    }

    /** True until {@link #start()} has opened the change stream: nothing is captured yet. */
    boolean starting() {
        return state == State.STARTING;
    }

    /** The state {@link #status} shows; in-memory reads only (metrics poll it at every scrape). */
    State state() {
        State s = state;
        if (s == State.WATCHING && backingOff) {
            return State.BACKING_OFF;
        }
        if (s == State.WATCHING && budget.paused() && capture != null && capture.parked) {
            return State.PAUSED_BY_BACKPRESSURE;
        }
        return s;
    }

    /** True while the change stream is open (its aggregate or latest getMore succeeded). */
    boolean subscribed() {
        return state == State.WATCHING && monitor.isOpen(name);
    }

    long bufferedBytes() {
        return buffer.bytes();
    }

    private <T> T locked(java.util.function.Supplier<T> action) {
        return flushLock.locked(action);
    }

    private void flushSoon() {
        if (sizeFlushQueued.compareAndSet(false, true)) {
            flush(FlushTrigger.SIZE)
                    .doFinally(s -> sizeFlushQueued.set(false))
                    .subscribe(r -> {
                        if (buffer.isFull()) {
                            flushSoon();
                        }
                    }, e -> { /* logged by flushNow; FlushRetries retries it */ });
        }
    }

    private void historyLost(HistoryLostException e) {
        monitor.closed(name);
        if (historyLostPolicy == HistoryLostPolicy.FAIL) {
            state = State.FAILED;
            log.error("{}; HISTORY_LOST_POLICY=fail stops the service. To go on, set HISTORY_LOST_POLICY="
                    + "resume-from-now (a gap is recorded) or restore the collection from a snapshot first", e.getMessage());
            onFatal.accept(e);
            return;
        }
        metrics.historyGap();
        Optional<Checkpoint> checkpoint = writer.checkpoint();
        Gap gap = new Gap(name, e.token(), checkpoint.map(Checkpoint::clusterTime), clock.instant(), e.code(),
                e.getMessage());
        try {
            checkpoints.recordGap(gap);
        } catch (RuntimeException trackerDown) {
            log.error("could not record the history gap of {} in the tracker: {}", name, trackerDown.getMessage());
        }
        Checkpoint restart;
        try {
            restart = locked(() -> writer.beginAt(clusterClock.now()));
        } catch (LeaseLostException lost) {
            onLeaseLost.accept(hold);
            return;
        }
        log.error("{}; HISTORY_LOST_POLICY=resume-from-now: gap recorded, capture resumes from now", e.getMessage());
        metrics.watchRestart("history_lost");
        subscribe(resumePoint(restart));
    }

    /** Pulls events one at a time while there is memory budget; parks when there is none. */
    private final class Capture extends BaseSubscriber<ChangeEvent> {
        private volatile boolean parked;

        @Override
        protected void hookOnSubscribe(Subscription subscription) {
            requestNext();
        }

        @Override
        protected void hookOnNext(ChangeEvent event) {
            if (hold.revoked()) {
                return; // in flight when the lease was lost; the next owner captures it again
            }
            monitor.eventDelivered(name);
            metrics.captured(event.operationType(), ClusterTimes.instant(event.clusterTime()));
            boolean full = buffer.add(event);
            metrics.buffered(buffer.size(), buffer.bytes());
            if (full) {
                flushSoon();
            }
            requestNext();
        }

        private void requestNext() {
            parked = !budget.whenRoom(() -> {
                parked = false;
                request(1);
            });
            if (parked) {
                onPressure.run();
            }
        }

        /**
         * Runs on the thread that delivered the error (the driver's, or a Reactor timer's): hops to the flush
         * scheduler, since handling lost history writes the tracker, takes the flush lock and reads the cluster
         * time, all blocking.
         */
        @Override
        protected void hookOnError(Throwable error) {
            try {
                flushScheduler.schedule(() -> captureFailed(error));
            } catch (RejectedExecutionException shuttingDown) {
                log.debug("capture of {} ended during shutdown: {}", name, error.toString());
            }
        }

        private void captureFailed(Throwable error) {
            LogContext.run(name, () -> {
                if (error instanceof HistoryLostException lost) {
                    historyLost(lost);
                } else if (error instanceof EventTooLargeException tooLarge) {
                    // Buffered events stay for the next flush; the stream cannot get past the large event.
                    monitor.closed(name);
                    stoppedBecause = tooLarge.getMessage();
                    state = State.FAILED;
                    metrics.watchRestart("event_too_large");
                    log.error("{}", tooLarge.getMessage());
                } else {
                    state = State.FAILED;
                    log.error("capture of {} stopped: {}", name, error.toString());
                }
            });
        }
    }
}
