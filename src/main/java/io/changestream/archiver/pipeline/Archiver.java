package io.changestream.archiver.pipeline;

import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeStreamWatcher;
import io.changestream.archiver.capture.ChangeStreamWatcher.HistoryLostException;
import io.changestream.archiver.capture.ClusterClock;
import io.changestream.archiver.capture.ClusterTimes;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.LeaseLostException;
import io.changestream.archiver.checkpoint.LeaseStore;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.ops.logging.LogContext;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.pipeline.CollectionStatus.CheckpointView;
import io.changestream.archiver.pipeline.CollectionStatus.State;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.Disposables;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The collection pipelines of one process, and what acts on all of them: start-up with retries while MongoDB or
 * the store are down, flush triggers, relief of memory pressure, idle checkpoints, readiness and shutdown.
 *
 * <p><b>Leases.</b> Pipelines run only for the collections whose lease this instance holds; a
 * {@link LeaseCoordinator} acquires, renews, hands over and loses them, and the Archiver starts a new pipeline on
 * each acquisition and stops it when the lease goes. Collections held by other instances appear in
 * {@link #status()} as {@link State#OWNED_ELSEWHERE} with their owner, and flushing them here is a no-op: this
 * instance buffers nothing of them.
 *
 * <p><b>Readiness</b> answers "is this instance doing its part?": the last lease round succeeded, it holds at least
 * its fair share, every collection it holds has its change stream subscribed, and the tracker answers. A
 * collection stopped on a conflict (its archive is not what its checkpoint says) is not retried and stays a reason,
 * with the file and offset, until a restart finds the archive repaired. An
 * instance with nothing to hold (more instances than collections) is ready: it is a healthy standby. A new
 * instance stays not-ready until the others have handed over its share, so a rolling update proceeds only once
 * the new pod archives.
 *
 * <p><b>Start.</b> {@link #start()} first fixes the first-start time ({@link FirstStart}: the source's operation time,
 * where every collection without a checkpoint begins capture), then runs the lease rounds; each acquired collection's
 * pipeline runs its start steps (see {@link CollectionPipeline}) with retries. A collection that is not capturing
 * (starting, or held by no instance) is not ready, and a flush request for it fails with the reason instead of
 * answering "0 events". Work that must happen once per collection before capture (recovery, the first checkpoint)
 * belongs in {@link CollectionPipeline#start()}, between its steps; {@link CaptureStart} is the time it refers to.
 *
 * <p>The Archiver does not own the clients, store and tracker it is given; {@link io.changestream.archiver.app}
 * opens and closes them.
 *
 * <p><b>Threads.</b> The constructor, {@link #start()} and {@link #stop} run on the service's thread (start-up, the
 * shutdown hook); {@link #flush} and {@link #flushAll} on HTTP workers and {@link FlushSchedule} firings, and return
 * Monos that run on the flush scheduler; {@link #status}, {@link #readiness} on HTTP workers ({@code boundedElastic},
 * they read the tracker); {@link #state} on metrics scrapes, from memory; {@code Leased} on the lease thread; pressure
 * relief on whichever thread parked or freed memory (it only subscribes a flush). {@code watchers} is filled by the
 * constructor and read-only after; {@code active} and {@code startProblems} are concurrent maps written by the lease
 * thread and start-up retries and read anywhere; {@code relieving} admits one relief at a time; {@code halted} is
 * volatile. Everything that blocks (start-up, flushes, idle checkpoints, schedule firings, a parked capture's resume)
 * runs on the flush scheduler, which this class owns and disposes.
 */
public final class Archiver {
    private static final Logger log = LoggerFactory.getLogger(Archiver.class);
    private static final Duration IDLE_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);
    private static final Duration MIN_RELEASE_TIME = Duration.ofSeconds(2);

    private final ArchiverConfig config;
    private final Map<String, ChangeStreamWatcher> watchers = new LinkedHashMap<>();
    private final Map<String, CollectionPipeline> active = new ConcurrentHashMap<>();
    private final ArchiveStore store;
    private final CheckpointStore checkpoints;
    private final CursorMonitor monitor;
    private final ClusterClock clusterClock;
    private final FirstStart firstStart;
    private final ArchiveLayout layout;
    private final LeaseCoordinator leases;
    private final MemoryBudget budget;
    private final ArchiverMetrics metrics;
    private final RetryPolicy retry;
    /** The wiring of each collection's pipeline ({@link PipelineServices#pipeline}). */
    private final PipelineServices services;
    private final CollectionPipeline.Owner owner = new CollectionPipeline.Owner() {
        @Override
        public void memoryPressure() {
            relievePressure();
        }

        @Override
        public void historyLostFatally(HistoryLostException e) {
            fatal(e);
        }

        @Override
        public void leaseLost(LeaseHold hold) {
            leases.fenced(hold);
        }

        @Override
        public void captureBeginning(LeaseHold hold, Optional<BsonTimestamp> beganAt) {
            SnapshotCoordinator coordinator = snapshots;
            if (coordinator != null) {
                coordinator.recordInitial(hold, beganAt);
            }
        }
    };
    private final Clock clock;
    private final Scheduler flushScheduler = Schedulers.newBoundedElastic(
            Math.max(4, Runtime.getRuntime().availableProcessors() * 2), 10_000, "flush");
    private final Map<CollectionPipeline, String> startProblems = new ConcurrentHashMap<>();
    private final Sinks.One<HistoryLostException> fatal = Sinks.one();
    private final AtomicBoolean relieving = new AtomicBoolean();
    private final Disposable.Composite running = Disposables.composite();
    private volatile SnapshotCoordinator snapshots;
    private volatile boolean halted;

    /**
     * @param source the watched database's collections come from here, read as raw BSON
     * @param leaseStore the leases and heartbeats in the tracker collection
     */
    public Archiver(ArchiverConfig config, com.mongodb.reactivestreams.client.MongoDatabase source,
                    CursorMonitor monitor, ArchiveStore store, CheckpointStore checkpoints, LeaseStore leaseStore,
                    LeaseTiming leaseTiming, ArchiverMetrics metrics, Clock clock) {
        this.config = config;
        this.store = store;
        this.checkpoints = checkpoints;
        this.monitor = monitor;
        this.metrics = metrics;
        this.clock = clock;
        // A parked capture resumes on the flush scheduler: release runs under a flush lock (see MemoryBudget).
        this.budget = new MemoryBudget(config.flush().bufferMaxBytes(), resume -> {
            try {
                flushScheduler.schedule(resume);
            } catch (RejectedExecutionException stopped) {
                // stopped or halted: capture does not resume
            }
        });
        this.retry = RetryPolicy.of(config.store().retryAttempts(), config.store().retryDelay());
        budget.onPressureChange(() -> {
            metrics.backpressure(budget.paused());
            if (budget.paused()) {
                relievePressure();
            }
        });
        this.layout = new ArchiveLayout(config.store().prefix(), config.store().compression());
        this.clusterClock = new ClusterClock(source, clock);
        this.firstStart = new FirstStart(clusterClock, clock);
        for (String name : config.source().collections()) {
            ArchiverMetrics.PerCollection perCollection = metrics.collection(name);
            watchers.put(name, new ChangeStreamWatcher(source.getCollection(name, RawBsonDocument.class),
                    config.source().fullDocument(), config.source().fullDocumentBeforeChange(),
                    retry.cappedAt(ChangeStreamWatcher.MAX_BACKOFF).reactive(Long.MAX_VALUE), reason -> {
                        perCollection.watchRestart(reason);
                        CollectionPipeline p = active.get(name);
                        if (p != null) {
                            p.watchFailed();
                        }
                    }, monitor::serverSplitsLargeEvents));
        }
        this.services = new PipelineServices(config, store, checkpoints, monitor, clusterClock, firstStart, budget,
                layout, retry, metrics, flushScheduler, clock);
        this.leases = new LeaseCoordinator(config.source().collections(), config.ops().instanceId(), leaseStore,
                clock, leaseTiming, new Leased());
        metrics.collectionStates(watchers.keySet(), Arrays.stream(State.values()).map(Archiver::label).toList(),
                c -> label(state(c)));
        // Capture lag of an idle stream follows its post-batch token (real servers send one with every empty batch).
        monitor.onIdleToken((collection, token) -> ResumeTokens.clusterTime(token).ifPresent(t -> metrics
                .collection(collection).streamAt(ClusterTimes.instant(t))));
    }

    /** A state as {@code archiver_collection_state} and {@code /status} name it: {@code watching}, ... */
    private static String label(State state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    /** The injected clock: schedules read their fire times from it. */
    Clock clock() {
        return clock;
    }

    /** The flush scheduler: where flushes, start-up and schedule firings run. */
    Scheduler scheduler() {
        return flushScheduler;
    }

    /** Every watched collection, whichever instance archives it. */
    public Set<String> collections() {
        return watchers.keySet();
    }

    /**
     * Fixes the first-start time, then starts the lease rounds (the first one at once) and the idle checkpoints, in
     * the background. Each acquired collection's pipeline recovers and starts, retrying with backoff while MongoDB,
     * tracker or store are down; readiness shows why until it succeeds. Returns at once.
     */
    public void start() {
        // Before anything that can wait on the tracker or the store: the first lease round needs the tracker.
        running.add(firstStart.fixEarly(flushScheduler, retry.reactive(Long.MAX_VALUE)));
        leases.start();
        running.add(Flux.interval(IDLE_CHECKPOINT_INTERVAL, flushScheduler)
                .concatMap(tick -> Flux.fromIterable(held())
                        .concatMap(p -> Mono.fromRunnable(() -> LogContext.run(p.name(), p::keepIdleCheckpointFresh))
                                .onErrorResume(e -> {
                                    LogContext.run(p.name(), () -> log.debug("idle checkpoint of {} not moved: {}",
                                            p.name(), e.getMessage()));
                                    return Mono.empty();
                                })))
                .subscribe());
    }

    /** Completes with the cause when capture must stop for good (history lost under the fail policy). */
    public Mono<HistoryLostException> fatalError() {
        return fatal.asMono();
    }

    /**
     * Flushes every collection this instance holds; fails if any flush failed (the others are still durable) or any
     * of them is not capturing yet.
     */
    public Mono<List<FlushResult>> flushAll(FlushTrigger trigger) {
        return Flux.fromIterable(held())
                .flatMapSequentialDelayError(p -> flush(p, trigger), Integer.MAX_VALUE, 1)
                .collectList();
    }

    /**
     * Flushes one collection; {@link NoSuchElementException} when it is not watched. A collection another instance
     * holds has nothing buffered here: the result is empty. A collection that nobody captures (still starting here,
     * or no instance holds its lease) fails with {@link FlushFailedException} naming why: "0 events flushed" would
     * claim that the archive is up to date.
     */
    public Mono<FlushResult> flush(String collection, FlushTrigger trigger) {
        if (!watchers.containsKey(collection)) {
            return Mono.error(new NoSuchElementException("collection " + collection + " is not watched"));
        }
        CollectionPipeline p = active.get(collection);
        if (p != null) {
            return flush(p, trigger);
        }
        LeaseCoordinator.View view = leases.view();
        State state = notHeldState(collection, view);
        if (state == State.OWNED_ELSEWHERE) {
            return Mono.just(FlushResult.empty(collection));
        }
        return Mono.error(notCapturing(collection, state.name().toLowerCase(Locale.ROOT)
                + view.problem().map(problem -> ", leases: " + problem).orElse("")));
    }

    private Mono<FlushResult> flush(CollectionPipeline p, FlushTrigger trigger) {
        if (p.conflict().isPresent()) {
            return Mono.error(new FlushFailedException(p.name(), 0, true, "flush of " + p.name() + " refused: it "
                    + "stopped on a conflict: " + p.conflict().get(), null));
        }
        if (p.starting()) {
            return Mono.error(notCapturing(p.name(), "starting: " + startProblems.getOrDefault(p, "opening its "
                    + "change stream")));
        }
        return p.flush(trigger);
    }

    private static FlushFailedException notCapturing(String collection, String why) {
        return new FlushFailedException(collection, 0, false, "flush of " + collection + " refused: it is not "
                + "capturing (" + why + "); what is written meanwhile is captured once it starts", null);
    }

    /**
     * The state {@link #status} shows for one collection, from memory only (no tracker read): metrics poll it at
     * every scrape.
     */
    public State state(String collection) {
        CollectionPipeline p = active.get(collection);
        return p != null ? p.state() : notHeldState(collection, leases.view());
    }

    public List<CollectionStatus> status() {
        LeaseCoordinator.View view = leases.view();
        return watchers.keySet().stream().map(c -> {
            CollectionPipeline p = active.get(c);
            if (p == null) {
                return notHeld(c, view);
            }
            if (p.conflict().isPresent()) {
                return p.status().withDetail("stopped on a conflict: " + p.conflict().get());
            }
            String problem = startProblems.get(p);
            return problem != null && p.starting() ? p.status().withDetail("not capturing: " + problem) : p.status();
        }).toList();
    }

    public Readiness readiness() {
        List<String> reasons = new ArrayList<>();
        LeaseCoordinator.View view = leases.view();
        view.problem().ifPresent(p -> {
            List<String> waiting = watchers.keySet().stream().filter(c -> !active.containsKey(c)).toList();
            reasons.add("leases: " + p + (view.settled() || waiting.isEmpty() ? ""
                    : "; not yet archiving " + String.join(", ", waiting)));
        });
        if (view.settled() && view.held() < view.target()) {
            Set<String> others = new LinkedHashSet<>();
            view.table().values().stream().filter(l -> l.liveAt(clock.instant()))
                    .map(Lease::owner).filter(o -> !o.equals(leases.instanceId())).forEach(others::add);
            reasons.add("leases: holds " + view.held() + " collections, its share is " + view.target()
                    + "; waiting for " + (others.isEmpty() ? "free leases" : String.join(", ", others))
                    + " to hand over or expire");
        }
        for (CollectionPipeline p : held()) {
            String problem = startProblems.get(p);
            if (p.conflict().isPresent()) {
                reasons.add(p.name() + ": stopped on a conflict: " + p.conflict().get());
            } else if (problem != null) {
                reasons.add(p.name() + ": not capturing (" + p.status().state().name().toLowerCase(Locale.ROOT)
                        + "): " + problem);
            } else if (!p.subscribed()) {
                reasons.add(p.name() + ": change stream not subscribed (" + p.status().state() + ")");
            }
        }
        try {
            checkpoints.ping();
        } catch (RuntimeException e) {
            reasons.add("tracker: " + e.getMessage());
        }
        return new Readiness(reasons.isEmpty(), reasons);
    }

    /**
     * Stops capture, flushes every buffer (trigger {@code shutdown}) within {@code timeout}, releases the leases of
     * the collections whose final flush finished (so another instance takes them over at once) and stops background
     * work. Returns the flush results. Events that could not be flushed stay unarchived but are not lost: the
     * checkpoint does not cover them, so the next owner captures them again. Leases whose final flush did not
     * finish in time are not released but left to expire: a write may still be in flight.
     */
    public List<FlushResult> stop(Duration timeout) {
        if (halted) {
            return List.of();
        }
        Instant deadline = clock.instant().plus(timeout);
        leases.drain();
        List<CollectionPipeline> pipelines = held();
        pipelines.forEach(CollectionPipeline::stopCapture);
        running.dispose();
        Set<LeaseHold> surrendered = ConcurrentHashMap.newKeySet();
        List<FlushResult> results = List.of();
        try {
            results = Flux.fromIterable(pipelines)
                    .flatMapSequential(p -> p.surrender(FlushTrigger.SHUTDOWN)
                            .doOnSuccess(r -> surrendered.add(p.hold()))
                            .onErrorResume(FlushFailedException.class, e -> {
                                surrendered.add(p.hold()); // the pipeline logged the failure, once
                                return Mono.empty();
                            }))
                    .collectList().block(timeout);
        } catch (RuntimeException e) {
            log.error("final flush did not complete within {} s: {}; unflushed events will be captured again on the "
                    + "next start", timeout.toSeconds(), e.getMessage());
        }
        pipelines.stream().map(CollectionPipeline::hold).filter(h -> !surrendered.contains(h))
                .forEach(h -> h.revoke("shutdown before its final flush finished"));
        Duration left = Duration.between(clock.instant(), deadline);
        try {
            // Bounded: a lease round stuck on an unreachable tracker must not hold the process past its budget.
            Mono.fromRunnable(() -> leases.release(surrendered)).subscribeOn(Schedulers.boundedElastic())
                    .block(left.compareTo(MIN_RELEASE_TIME) < 0 ? MIN_RELEASE_TIME : left);
        } catch (RuntimeException e) {
            log.warn("leases not released in time ({}); they expire within the lease TTL", e.getMessage());
        }
        flushScheduler.dispose();
        return results == null ? List.of() : results;
    }

    /**
     * Stops everything as abruptly as a kill would, as far as the tracker can tell: no final flush, no release, the
     * heartbeat and leases left to expire. Buffered events are dropped. Tests use it to simulate a dead pod inside
     * one JVM; {@link #stop} does nothing afterwards.
     */
    void halt() {
        halted = true;
        leases.close();
        running.dispose();
        for (CollectionPipeline p : held()) {
            active.remove(p.name(), p);
            p.abandon();
        }
        flushScheduler.dispose();
    }

    /** The running pipelines, in configuration order. */
    private List<CollectionPipeline> held() {
        return watchers.keySet().stream().map(active::get).filter(Objects::nonNull).toList();
    }

    private CollectionStatus notHeld(String collection, LeaseCoordinator.View view) {
        Lease lease = view.table().get(collection);
        State state = notHeldState(collection, view);
        Optional<CheckpointView> checkpoint;
        try {
            checkpoint = checkpoints.load(collection).map(CheckpointView::of);
        } catch (RuntimeException e) {
            checkpoint = Optional.empty(); // readiness reports an unreachable tracker
        }
        CollectionStatus status = new CollectionStatus(collection, state, 0, 0, Optional.empty(), Optional.empty(),
                Optional.empty(), checkpoint, lease == null ? "" : lease.owner());
        return state == State.OWNED_ELSEWHERE ? status : status.withDetail("not capturing on this instance"
                + view.problem().map(problem -> " (leases: " + problem + ")").orElse(""));
    }

    private State notHeldState(String collection, LeaseCoordinator.View view) {
        Lease lease = view.table().get(collection);
        if (lease == null || !lease.liveAt(clock.instant())) {
            return State.UNOWNED;
        }
        return lease.owner().equals(leases.instanceId()) ? State.STARTING : State.OWNED_ELSEWHERE;
    }

    /**
     * Starts a pipeline in the background, retrying while its hold is writable. Not tracked in {@link #running}:
     * pipelines come and go with their leases, and revoking the hold (loss, handover, shutdown) ends the retries.
     */
    private void startPipeline(CollectionPipeline p) {
        startProblems.put(p, "start in progress");
        Mono.fromRunnable(() -> LogContext.run(p.name(), p::start))
                .subscribeOn(flushScheduler)
                .doOnError(e -> {
                    String step = e instanceof FirstStart.TimeUnknownException ? "" : "recovery failed: ";
                    startProblems.computeIfPresent(p, (k, v) -> step + e.getMessage() + firstStart.known()
                            .map(t -> "; without a checkpoint, capture begins at operation time " + t.describe())
                            .orElse("") + (e instanceof StoreConflictException ? "" : "; retrying"));
                    if (!(e instanceof LeaseLostException) && !(e instanceof StoreConflictException)) {
                        LogContext.run(p.name(), () -> log.warn("start of {} failed, retrying: {}", p.name(),
                                e.getMessage()));
                    }
                })
                .retryWhen(retry.reactive(Long.MAX_VALUE)
                        .filter(e -> !(e instanceof LeaseLostException) && !(e instanceof StoreConflictException)
                                && p.hold().writable()))
                .subscribe(ok -> { }, e -> { }, () -> {
                    startProblems.remove(p);
                    startSnapshots(p);
                });
    }

    /**
     * Snapshots run beside capture ({@link SnapshotCoordinator}); without one (tests, tools) none are taken. Set
     * before {@link #start}.
     */
    public void snapshots(SnapshotCoordinator coordinator) {
        this.snapshots = coordinator;
    }

    /**
     * {@code POST /snapshot/{collection}}: starts (or resumes) a snapshot of a collection this instance owns and
     * returns its id.
     *
     * @throws SnapshotCoordinator.AlreadyRunning one is running, or the collection is not archived here
     */
    public String snapshot(String collection) {
        CollectionPipeline p = active.get(collection);
        SnapshotCoordinator coordinator = snapshots;
        if (coordinator == null) {
            throw new IllegalStateException("snapshots are not set up in this process");
        }
        if (p == null || !p.hold().writable()) {
            throw SnapshotCoordinator.AlreadyRunning.notOwned(collection, leases.instanceId());
        }
        if (startProblems.containsKey(p)) {
            // Until capture has started, history may not yet cover a start time taken now (a first start records
            // where capture begins only then).
            throw SnapshotCoordinator.AlreadyRunning.notStarted(collection);
        }
        return coordinator.request(p.hold());
    }

    /** The running snapshots' progress and the newest complete one per collection, for {@code GET /status}. */
    public Optional<SnapshotCoordinator> snapshots() {
        return Optional.ofNullable(snapshots);
    }

    /** Snapshot hook of a started pipeline: resume an unfinished snapshot, or take the initial one. */
    private void startSnapshots(CollectionPipeline p) {
        SnapshotCoordinator coordinator = snapshots;
        if (coordinator == null) {
            return;
        }
        Mono.fromRunnable(() -> LogContext.run(p.name(), () -> coordinator.captureStarted(p.hold(), p.beganAt())))
                .subscribeOn(flushScheduler)
                .subscribe(ok -> { }, e -> LogContext.run(p.name(), () -> log.warn("snapshot of {} not started: {}",
                        p.name(), e.getMessage())));
    }

    /** At the memory cap: flush the biggest buffer; if the store is down, try again after the retry delay. */
    private void relievePressure() {
        if (!budget.paused() || !relieving.compareAndSet(false, true)) {
            return;
        }
        held().stream().max(Comparator.comparingLong(CollectionPipeline::bufferedBytes))
                .ifPresentOrElse(p -> p.flush(FlushTrigger.SIZE)
                        .onErrorResume(e -> Mono.delay(retry.firstDelay()).then(Mono.empty()))
                        .doFinally(s -> {
                            relieving.set(false);
                            if (budget.paused() && !flushScheduler.isDisposed()) {
                                relievePressure();
                            }
                        })
                        .subscribe(), () -> relieving.set(false));
    }

    private void fatal(HistoryLostException e) {
        fatal.tryEmitValue(e);
    }

    private void retire(CollectionPipeline p) {
        active.remove(p.name(), p);
        startProblems.remove(p);
        metrics.collection(p.name()).released();
    }

    /** What the lease coordinator does to the pipelines. */
    private final class Leased implements LeaseCoordinator.Pipelines {
        @Override
        public void acquired(LeaseHold hold) {
            String name = hold.collection();
            CollectionPipeline p = services.pipeline(hold, watchers.get(name), owner);
            CollectionPipeline before = active.put(name, p);
            if (before != null) {
                before.abandon(); // its hold was revoked before this acquisition
            }
            startPipeline(p);
        }

        @Override
        public void lost(LeaseHold hold) {
            CollectionPipeline p = active.get(hold.collection());
            if (p != null && p.hold() == hold) {
                retire(p);
                p.abandon();
            }
        }

        @Override
        public Mono<Boolean> handOver(LeaseHold hold) {
            CollectionPipeline p = active.get(hold.collection());
            if (p == null || p.hold() != hold) {
                return Mono.just(true);
            }
            // A failed final flush also ran under the flush lock and revoked the hold: quiet either way.
            return p.surrender(FlushTrigger.HANDOVER).map(r -> true)
                    .onErrorResume(e -> Mono.just(e instanceof FlushFailedException))
                    .doFinally(s -> retire(p));
        }
    }
}
