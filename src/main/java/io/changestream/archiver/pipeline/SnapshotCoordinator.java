package io.changestream.archiver.pipeline;

import io.changestream.archiver.checkpoint.LeaseLostException;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ArchiverConfig.SnapshotMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.ops.logging.LogContext;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.snapshot.ReadThrottle;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotSource;
import io.changestream.archiver.snapshot.SnapshotWriter;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs snapshots ({@link SnapshotWriter}) beside capture: when a collection's capture starts (the initial snapshot,
 * or resuming an interrupted one), on request ({@code POST /snapshot}) and on {@code SNAPSHOT_SCHEDULE}.
 *
 * <ul>
 *   <li><b>Never stalls capture.</b> Each snapshot runs on a thread of its own ({@code snapshot-N}), reading through
 *       its own cursor; capture, buffers and flushes do not wait for it.</li>
 *   <li><b>Only the owner snapshots.</b> A snapshot runs under the collection's {@link LeaseHold}: every store and
 *       tracker write checks it first, and the tracker refuses progress written under an older epoch. When the
 *       lease is lost the run stops; the next owner resumes the recorded snapshot when its capture starts.</li>
 *   <li><b>One at a time per collection.</b> A request while one runs is refused ({@link AlreadyRunning}: 409).</li>
 *   <li><b>Retries.</b> A failed run (source, store or tracker unavailable) is retried from its recorded progress
 *       after the service's backoff ({@link RetryPolicy}: from {@code RETRY_DELAY_MS}, at most 60 s apart) while the
 *       hold is writable; a conflict (a file of the snapshot that this protocol cannot have written) stops it with
 *       an ERROR line.</li>
 *   <li><b>Initial snapshot.</b> With {@code SNAPSHOT_MODE=initial}, a collection whose capture began at an
 *       operation time with nothing archived since (its first start, or a restart before its first flush) and that
 *       has no snapshot yet is snapshotted from that very time: T0 is where capture began, so base and history
 *       meet. Its start is put on record ({@link #recordInitial}) before the change stream opens, so no flush can
 *       checkpoint an event while it is not on record: a restart is then no longer a first start, and a snapshot
 *       not on record by then would never be taken.</li>
 * </ul>
 *
 * <p><b>Threads.</b> {@link #captureStarted}, {@link #request} and {@link #status} are called from the flush
 * scheduler, HTTP and schedule threads; {@code running} (a concurrent map, claimed with {@code putIfAbsent}) is the
 * only shared state. Each run is confined to its snapshot thread.
 */
public final class SnapshotCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotCoordinator.class);
    private static final AtomicInteger THREADS = new AtomicInteger();

    private final ArchiverConfig.Snapshots settings;
    private final SnapshotSource source;
    private final ArchiveStore store;
    private final SnapshotProgressStore tracker;
    private final SnapshotLayout layout;
    private final ArchiverConfig.JsonMode jsonMode;
    private final RetryPolicy backoff;
    private final Clock clock;
    private final ExecutorService threads = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "snapshot-" + THREADS.incrementAndGet());
        t.setDaemon(true);
        return t;
    });
    private final Map<String, Run> running = new ConcurrentHashMap<>();
    private final ArchiverMetrics metrics;
    private final Map<String, SnapshotProgress> lastComplete = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /**
     * A snapshot of the collection cannot start now ({@code 409}): one is running already, capture has not started,
     * another instance owns the collection, or one with the same start time exists.
     */
    public static final class AlreadyRunning extends RuntimeException {
        public AlreadyRunning(String collection, String id) {
            super("snapshot " + id + " of " + collection + " is running");
        }

        private AlreadyRunning(String message) {
            super(message);
        }

        /** Capture of the collection has not started yet: a snapshot's events would not be covered. */
        public static AlreadyRunning notStarted(String collection) {
            return new AlreadyRunning("capture of " + collection + " has not started yet; ask again once it runs");
        }

        /** Two snapshots cannot share a start time: their ids would be the same. */
        public static AlreadyRunning sameStart(String message) {
            return new AlreadyRunning(message + "; ask again in a second");
        }

        /** The collection is archived by another instance (or not yet started here): only its owner snapshots it. */
        public static AlreadyRunning notOwned(String collection, String instance) {
            return new AlreadyRunning("collection " + collection + " is not archived by this instance (" + instance
                    + ") right now; only the owner of its lease snapshots it");
        }
    }

    /**
     * What {@code GET /status} shows of a running snapshot: documents and bytes so far, the read rate of this run,
     * and the time left at that rate for the collection's estimated size (empty until both are known).
     */
    public record Progress(String collection, String id, long documents, long bytes, Instant startedAt,
                           double documentsPerSecond, Optional<Duration> remaining) {
    }

    public SnapshotCoordinator(ArchiverConfig config, SnapshotSource source, ArchiveStore store,
                               SnapshotProgressStore tracker, ArchiverMetrics metrics, Clock clock) {
        this.metrics = metrics;
        config.source().collections().forEach(metrics::snapshots); // series at zero from the start
        this.settings = config.snapshots();
        this.source = source;
        this.store = store;
        this.tracker = tracker;
        this.layout = new SnapshotLayout(new ArchiveLayout(config.store().prefix(), config.store().compression()));
        this.jsonMode = config.store().jsonMode();
        this.backoff = RetryPolicy.of(1, config.store().retryDelay());
        this.clock = clock;
    }

    /**
     * A collection's capture started under {@code hold}: resumes its unfinished snapshot, or begins the initial one.
     *
     * @param beganAt the operation time capture began at when nothing is archived since (first start); empty when
     *                capture resumed after an archived event
     */
    public void captureStarted(LeaseHold hold, Optional<BsonTimestamp> beganAt) {
        String collection = hold.collection();
        List<SnapshotProgress> known = tracker.snapshots(collection);
        known.stream().filter(SnapshotProgress::complete).forEach(this::completed);
        Optional<SnapshotProgress> unfinished = known.stream().filter(s -> !s.complete()).reduce((a, b) -> b);
        if (unfinished.isPresent()) {
            launch(hold, unfinished.get());
        } else if (settings.mode() == SnapshotMode.INITIAL && beganAt.isPresent() && known.isEmpty()) {
            begin(hold, beganAt.get());
        }
    }

    /**
     * Records the initial snapshot's start when one is due: {@code SNAPSHOT_MODE=initial}, capture about to begin at
     * {@code beganAt} with nothing archived since, and no snapshot of the collection on record. Called before the
     * change stream opens (the pipeline's start step 2), so the record exists before any flush can checkpoint an
     * event: a process that dies after its first flush still finds the snapshot on record and resumes it, instead
     * of seeing a checkpoint and never taking one. Runs nothing; {@link #captureStarted} launches it.
     *
     * @throws RuntimeException the tracker did not answer or refused the write: the start fails and is retried
     */
    public void recordInitial(LeaseHold hold, Optional<BsonTimestamp> beganAt) {
        if (settings.mode() != SnapshotMode.INITIAL || beganAt.isEmpty()
                || !tracker.snapshots(hold.collection()).isEmpty()) {
            return;
        }
        hold.checkWritable();
        writer().begin(hold.collection(), beganAt.get(), hold.lease());
    }

    /**
     * Starts a snapshot of the collection now (T0: the source's current operation time), or resumes its unfinished
     * one. Returns the snapshot's id.
     *
     * @throws AlreadyRunning a snapshot of the collection is running
     */
    public String request(LeaseHold hold) {
        String collection = hold.collection();
        Run current = running.get(collection);
        if (current != null) {
            throw new AlreadyRunning(collection, current.id);
        }
        Optional<SnapshotProgress> unfinished = tracker.snapshots(collection).stream().filter(s -> !s.complete())
                .reduce((a, b) -> b);
        if (unfinished.isPresent()) {
            return launch(hold, unfinished.get());
        }
        return begin(hold, source.operationTime());
    }

    /** The running snapshots. */
    public List<Progress> status() {
        Instant now = clock.instant();
        return running.values().stream().map(r -> r.progress(now)).toList();
    }

    /** The newest complete snapshot of each collection this process knows of (from its start or its runs). */
    public Map<String, SnapshotProgress> lastComplete() {
        return Map.copyOf(lastComplete);
    }

    public boolean running(String collection) {
        return running.containsKey(collection);
    }

    private void completed(SnapshotProgress s) {
        metrics.snapshots(s.collection()).complete(s.end().orElseThrow().getTime() & 0xFFFF_FFFFL);
        lastComplete.merge(s.collection(), s, (a, b) -> a.id().compareTo(b.id()) >= 0 ? a : b);
    }

    private String begin(LeaseHold hold, BsonTimestamp start) {
        hold.checkWritable();
        SnapshotProgress begun;
        try {
            begun = writer().begin(hold.collection(), start, hold.lease());
        } catch (IllegalStateException e) {
            throw AlreadyRunning.sameStart(e.getMessage());
        }
        return launch(hold, begun);
    }

    private SnapshotWriter writer() {
        return new SnapshotWriter(source, store, tracker, layout, jsonMode, settings.partBytes(),
                new ReadThrottle(settings.maxMegabytesPerSecond(), System::nanoTime), clock);
    }

    private String launch(LeaseHold hold, SnapshotProgress recorded) {
        Run run = new Run(hold, recorded);
        Run other = running.putIfAbsent(hold.collection(), run);
        if (other != null) {
            throw new AlreadyRunning(hold.collection(), other.id);
        }
        if (closed) {
            running.remove(hold.collection(), run);
            throw new IllegalStateException("the archiver is stopping; no snapshot of " + hold.collection()
                    + " is started");
        }
        threads.execute(() -> LogContext.run(hold.collection(), run::execute));
        return run.id;
    }

    /** Stops the snapshot threads; interrupted snapshots resume from their recorded progress on the next start. */
    @Override
    public void close() {
        closed = true;
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** One snapshot run of one collection, with its retries. */
    private final class Run {
        final String collection;
        final String id;
        final LeaseHold hold;
        final Instant startedAt;
        final SnapshotWriter writer;
        SnapshotProgress recorded;

        Run(LeaseHold hold, SnapshotProgress recorded) {
            this.collection = hold.collection();
            this.id = recorded.id();
            this.hold = hold;
            this.recorded = recorded;
            this.startedAt = clock.instant();
            ArchiverMetrics.SnapshotSeries series = metrics.snapshots(collection);
            this.writer = writer().onPart(part -> series.part(part.documents(), part.bytes()));
        }

        volatile long estimate = -1;
        volatile long documentsAtStart = -1;

        Progress progress(Instant now) {
            long docs = writer.documentsRead();
            double seconds = Math.max(0.001, Duration.between(startedAt, now).toMillis() / 1000.0);
            double rate = documentsAtStart < 0 ? 0 : Math.max(0, docs - documentsAtStart) / seconds;
            Optional<Duration> left = estimate < 0 || rate <= 0 ? Optional.empty()
                    : Optional.of(Duration.ofSeconds((long) Math.ceil(Math.max(0, estimate - docs) / rate)));
            return new Progress(collection, id, docs, writer.bytesWritten(), startedAt, rate, left);
        }

        void execute() {
            int failedInARow = 0;
            try {
                estimate = source.estimatedCount(collection);
            } catch (RuntimeException e) {
                log.debug("no size estimate of {}: {}", collection, e.getMessage());
            }
            documentsAtStart = recorded.documents();
            try {
                while (!closed) {
                    try {
                        SnapshotProgress latest = tracker.snapshots(collection).stream()
                                .filter(s -> s.id().equals(id)).findFirst().orElse(recorded);
                        recorded = writer.run(latest, hold.lease(), hold::checkWritable);
                        metrics.snapshots(collection).finished("success");
                        completed(recorded);
                        return;
                    } catch (LeaseLostException e) {
                        log.info("snapshot {} of {} stops here: {}; the collection's next owner resumes it", id,
                                collection, e.getMessage());
                        metrics.snapshots(collection).finished("interrupted");
                        return;
                    } catch (StoreConflictException e) {
                        log.error("snapshot {} of {} failed: {}", id, collection, e.getMessage());
                        metrics.snapshots(collection).finished("failure");
                        return;
                    } catch (RuntimeException e) {
                        if (closed) {
                            metrics.snapshots(collection).finished("interrupted");
                            return; // shutdown interrupted the read; the next start resumes it
                        }
                        if (!hold.writable()) {
                            metrics.snapshots(collection).finished("interrupted");
                            return;
                        }
                        Duration delay = backoff.delay(++failedInARow);
                        log.warn("snapshot {} of {} failed, retrying from its recorded progress in {} ms: {}", id,
                                collection, delay.toMillis(), e.toString());
                        // The snapshot's own thread, holding no lock: nothing else waits for it.
                        Thread.sleep(delay.toMillis());
                    }
                }
            } catch (InterruptedException e) {
                metrics.snapshots(collection).finished("interrupted");
                Thread.currentThread().interrupt(); // shutdown: the next start resumes it
            } finally {
                running.remove(collection, this);
            }
        }
    }
}
