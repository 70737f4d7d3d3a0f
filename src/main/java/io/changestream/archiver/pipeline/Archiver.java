package io.changestream.archiver.pipeline;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeStreamWatcher;
import io.changestream.archiver.capture.ChangeStreamWatcher.HistoryLostException;
import io.changestream.archiver.capture.ClusterClock;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.logging.LogContext;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.ArchiveStore;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
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
import reactor.util.retry.Retry;

/**
 * All collection pipelines of one process, and what acts on all of them: start-up with retries while MongoDB or
 * the store are down, flush triggers, relief of memory pressure, idle checkpoints, readiness and shutdown.
 *
 * <p>The Archiver does not own the clients, store and tracker it is given; {@link io.changestream.archiver.app}
 * opens and closes them.
 */
public final class Archiver {
    private static final Logger log = LoggerFactory.getLogger(Archiver.class);
    private static final Duration IDLE_CHECKPOINT_INTERVAL = Duration.ofSeconds(30);
    private static final Duration MAX_START_BACKOFF = Duration.ofSeconds(60);

    private final Map<String, CollectionPipeline> pipelines = new LinkedHashMap<>();
    private final CheckpointStore checkpoints;
    private final MemoryBudget budget;
    private final ArchiverMetrics metrics;
    private final RetryPolicy retry;
    private final Scheduler flushScheduler = Schedulers.newBoundedElastic(
            Math.max(4, Runtime.getRuntime().availableProcessors() * 2), 10_000, "flush");
    private final Map<String, String> startProblems = new ConcurrentHashMap<>();
    private final Sinks.One<HistoryLostException> fatal = Sinks.one();
    private final AtomicBoolean relieving = new AtomicBoolean();
    private final Disposable.Composite running = Disposables.composite();

    /**
     * @param source the watched database's collections come from here, read as raw BSON
     */
    public Archiver(ArchiverConfig config, com.mongodb.reactivestreams.client.MongoDatabase source,
                    CursorMonitor monitor, ArchiveStore store, CheckpointStore checkpoints, ArchiverMetrics metrics,
                    Clock clock) {
        this.checkpoints = checkpoints;
        this.metrics = metrics;
        this.budget = new MemoryBudget(config.flush().bufferMaxBytes());
        this.retry = new RetryPolicy(config.store().retryAttempts(), config.store().retryDelay(),
                config.store().retryDelay().multipliedBy(64));
        budget.onPressureChange(() -> {
            metrics.backpressure(budget.paused());
            if (budget.paused()) {
                relievePressure();
            }
        });
        ArchiveLayout layout = new ArchiveLayout(config.store().prefix(), config.store().compression());
        ClusterClock clusterClock = new ClusterClock(source, clock);
        for (String name : config.source().collections()) {
            ArchiverMetrics.PerCollection perCollection = metrics.collection(name);
            ChangeStreamWatcher watcher = new ChangeStreamWatcher(
                    source.getCollection(name, RawBsonDocument.class), config.source().fullDocument(),
                    config.source().fullDocumentBeforeChange(), config.store().retryDelay(),
                    reason -> {
                        perCollection.watchRestart(reason);
                        pipelines.get(name).watchFailed();
                    }, monitor::serverSplitsLargeEvents);
            CollectionBuffer buffer = new CollectionBuffer(budget, config.flush().maxEvents(), config.flush().maxBytes());
            SegmentEncoder encoder = new SegmentEncoder(config.store().jsonMode(), config.store().compression());
            ExactlyOnceWriter writer = new ExactlyOnceWriter(name, store, checkpoints, layout, encoder, clock, retry,
                    perCollection);
            pipelines.put(name, new CollectionPipeline(name, watcher, buffer, budget, writer, checkpoints, monitor,
                    clusterClock,
                    perCollection, config.historyLostPolicy(), flushScheduler, clock, config.ops().instanceId(),
                    this::relievePressure, this::fatal));
        }
    }

    public Set<String> collections() {
        return pipelines.keySet();
    }

    /**
     * Starts every pipeline in the background. A pipeline whose recovery fails (MongoDB, tracker or store down)
     * retries with backoff; readiness shows why until it succeeds. Returns at once.
     */
    public void start() {
        for (CollectionPipeline p : pipelines.values()) {
            startProblems.put(p.name(), "starting");
            running.add(Mono.fromRunnable(() -> LogContext.run(p.name(), p::start))
                    .subscribeOn(flushScheduler)
                    .doOnError(e -> {
                        startProblems.put(p.name(), "recovery failed: " + e.getMessage());
                        LogContext.run(p.name(), () -> log.warn("start of {} failed, retrying: {}", p.name(),
                                e.getMessage()));
                    })
                    .retryWhen(Retry.backoff(Long.MAX_VALUE, retry.firstDelay()).maxBackoff(MAX_START_BACKOFF))
                    .subscribe(ok -> { }, e -> { }, () -> startProblems.remove(p.name())));
        }
        running.add(Flux.interval(IDLE_CHECKPOINT_INTERVAL, flushScheduler)
                .concatMap(tick -> Flux.fromIterable(pipelines.values())
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

    /** Flushes every collection; fails if any flush failed (the others are still durable). */
    public Mono<List<FlushResult>> flushAll(FlushTrigger trigger) {
        return Flux.fromIterable(pipelines.values())
                .flatMapSequentialDelayError(p -> p.flush(trigger), Integer.MAX_VALUE, 1)
                .collectList();
    }

    /** Flushes one collection; {@link NoSuchElementException} when it is not watched. */
    public Mono<FlushResult> flush(String collection, FlushTrigger trigger) {
        CollectionPipeline p = pipelines.get(collection);
        return p == null ? Mono.error(new NoSuchElementException("collection " + collection + " is not watched"))
                : p.flush(trigger);
    }

    public List<CollectionStatus> status() {
        return pipelines.values().stream().map(CollectionPipeline::status).toList();
    }

    public Readiness readiness() {
        List<String> reasons = new ArrayList<>();
        startProblems.forEach((c, why) -> reasons.add(c + ": " + why));
        pipelines.values().stream().filter(p -> !startProblems.containsKey(p.name()) && !p.subscribed())
                .forEach(p -> reasons.add(p.name() + ": change stream not subscribed (" + p.status().state() + ")"));
        try {
            checkpoints.ping();
        } catch (RuntimeException e) {
            reasons.add("tracker: " + e.getMessage());
        }
        return new Readiness(reasons.isEmpty(), reasons);
    }

    /**
     * Stops capture, flushes every buffer (trigger {@code shutdown}) within {@code timeout}, and stops background
     * work. Returns the flush results; events that could not be flushed stay unarchived but are not lost: the
     * checkpoint does not cover them, so the next start captures them again.
     */
    public List<FlushResult> stop(Duration timeout) {
        pipelines.values().forEach(CollectionPipeline::stopCapture);
        running.dispose();
        List<FlushResult> results = List.of();
        try {
            results = flushAll(FlushTrigger.SHUTDOWN).block(timeout);
        } catch (RuntimeException e) {
            log.error("final flush did not complete within {} s: {}; unflushed events will be captured again on the "
                    + "next start", timeout.toSeconds(), e.getMessage());
        }
        flushScheduler.dispose();
        return results == null ? List.of() : results;
    }

    /** At the memory cap: flush the biggest buffer; if the store is down, try again after the retry delay. */
    private void relievePressure() {
        if (!budget.paused() || !relieving.compareAndSet(false, true)) {
            return;
        }
        pipelines.values().stream().max(Comparator.comparingLong(CollectionPipeline::bufferedBytes))
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
}
