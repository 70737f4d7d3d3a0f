package io.changestream.archiver.ops.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/**
 * Every archiver metric, names and descriptions together; docs/operations.md ("Metrics reference") lists them and
 * {@code MetricsReferenceTest} keeps that table and this class in step. Micrometer names use dots; the Prometheus
 * registry renders {@code archiver.events.captured} as {@code archiver_events_captured_total}.
 *
 * <p>Positions and lags. A collection's <em>checkpoint time</em> is the clusterTime up to which its archive is
 * complete: the newest archived event after a flush, the post-batch token of an idle stream, or where capture
 * began. Its <em>stream position</em> is the newest of that, the newest captured event and the latest post-batch
 * token of an idle stream. {@code archiver_checkpoint_timestamp_seconds} and {@code archiver_archive_lag_seconds}
 * exist only while this instance knows a checkpoint of the collection, {@code archiver_capture_lag_seconds} only
 * while it knows a stream position: absent, not 0, while a collection starts up or is archived by another instance,
 * so "no data" can never read as "no lag". Lags are computed at scrape time, so a stuck pipeline shows a growing
 * lag instead of a frozen value, while an idle stream whose post-batch token moves keeps both lags small.
 *
 * <p>{@code archiver_collection_state} is read at scrape time from a state source (the archiver), one series per
 * collection and state, 1 for the current state.
 *
 * <p>Naming: the Prometheus convention appends the base unit to a name that does not end with it and
 * {@code _total} to counters, so a counter whose name already says "bytes" gets no base unit (it would render as
 * {@code ..._bytes_written_bytes_total}). {@code ArchiverMetricsNamesTest} pins every rendered name.
 *
 * <p>Snapshots ({@link #snapshots}): {@code archiver_snapshot_documents_total}, {@code archiver_snapshot_bytes_total},
 * {@code archiver_snapshots_total{outcome}} ({@code success}; {@code failure}: a conflict; {@code interrupted}: lease
 * lost or shutdown, resumed later) and {@code archiver_last_snapshot_timestamp_seconds}, the end cluster time of the
 * newest complete snapshot this process knows (the earliest time it can restore; NaN until one is known).
 *
 * <p>Labelled series whose label values are a known vocabulary (flush trigger and outcome, the DML operation types,
 * the watcher's own restart reasons) are registered at zero up front: a series that appears only with its first
 * increment hides that increment from {@code rate()} and {@code increase()}, and makes the metric look absent.
 */
public final class ArchiverMetrics {
    /** Flush triggers of the {@code trigger} tag that a flush can report (recovery adoptions are not flushes). */
    private static final List<String> FLUSH_TRIGGERS = List.of("size", "schedule", "manual", "shutdown");
    private static final List<String> OUTCOMES = List.of("success", "failure");
    private static final List<String> SNAPSHOT_OUTCOMES = List.of("success", "failure", "interrupted");
    private static final List<String> DML_OPERATIONS = List.of("insert", "update", "replace", "delete");
    /** Restart reasons named by the pipeline itself; error-code reasons appear as they happen. */
    private static final List<String> KNOWN_RESTART_REASONS = List.of("invalidate", "history_lost", "event_too_large");
    /**
     * Flush duration buckets: a local flush takes milliseconds, a store flush tens to hundreds, one that retries a
     * slow store up to minutes. Eleven series per collection (with +Inf), instead of Micrometer's ~70 percentile
     * buckets.
     */
    static final List<Duration> FLUSH_BUCKETS = List.of(Duration.ofMillis(10), Duration.ofMillis(50),
            Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
            Duration.ofMillis(2500), Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(2));

    private final MeterRegistry registry;
    private final Map<String, SnapshotSeries> snapshotSeries = new ConcurrentHashMap<>();
    private final Clock clock;
    private final Map<String, PerCollection> collections = new ConcurrentHashMap<>();
    private final AtomicLong backpressureActive = new AtomicLong();

    public ArchiverMetrics(MeterRegistry registry, Clock clock) {
        this(registry, clock, BuildInfo.current());
    }

    public ArchiverMetrics(MeterRegistry registry, Clock clock, BuildInfo build) {
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("archiver.backpressure.active", backpressureActive, AtomicLong::get)
                .description("1 while capture is paused because all buffers together reached BUFFER_MAX_BYTES")
                .register(registry);
        Gauge.builder("archiver.build.info", () -> 1).tag("version", build.version())
                .tag("revision", build.revision())
                .description("Always 1; the labels name the version and git revision the jar was built from")
                .strongReference(true).register(registry);
    }

    /**
     * Publishes {@code archiver_collection_state}: for each collection and each state, 1 while {@code current}
     * names that state, else 0. {@code current} runs at scrape time, once per series, so it must be cheap and
     * must not block (no tracker read).
     *
     * @param states the state vocabulary, as the labels show it
     */
    public void collectionStates(Collection<String> collections, List<String> states,
                                 Function<String, String> current) {
        for (String collection : collections) {
            for (String state : states) {
                Gauge.builder("archiver.collection.state", () -> state.equals(current.apply(collection)) ? 1 : 0)
                        .tag("collection", collection).tag("state", state)
                        .description("1 for the collection's current state on this instance, 0 for the others")
                        .strongReference(true).register(registry);
            }
        }
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Registers the per-collection series up front, so dashboards show zeros rather than gaps. */
    public PerCollection collection(String name) {
        return collections.computeIfAbsent(name, PerCollection::new);
    }

    public void backpressure(boolean active) {
        backpressureActive.set(active ? 1 : 0);
    }

    /** The series of one collection. */
    public final class PerCollection {
        private final String collection;
        private final Map<String, Counter> capturedByOperation = new ConcurrentHashMap<>();
        private final Map<String, Counter> watchRestarts = new ConcurrentHashMap<>();
        private final Map<String, Counter> flushes = new ConcurrentHashMap<>();
        private final Counter archived;
        private final Counter bytesWritten;
        private final Counter gaps;
        private final Counter conflicts;
        private final Counter escaped;
        private final Timer flushDuration;
        private final AtomicLong bufferedEvents = new AtomicLong();
        private final AtomicLong bufferedBytes = new AtomicLong();
        private final AtomicReference<Instant> newestCaptured = new AtomicReference<>();
        private final AtomicReference<Instant> newestArchived = new AtomicReference<>();
        /** Null while unknown; the gauges that read them are registered only once they are known. */
        private final AtomicReference<Instant> checkpointTime = new AtomicReference<>();
        private final AtomicReference<Instant> streamPosition = new AtomicReference<>();
        /** The position gauges registered while the position is known; guarded by this. */
        private final List<Meter> checkpointGauges = new ArrayList<>();
        private volatile Meter captureLag;

        private PerCollection(String collection) {
            this.collection = collection;
            archived = Counter.builder("archiver.events.archived").tag("collection", collection)
                    .description("Change events durably archived and checkpointed").register(registry);
            // No baseUnit: the name already ends in "bytes written" (see the class comment on naming).
            bytesWritten = Counter.builder("archiver.store.bytes.written").tag("collection", collection)
                    .description("Bytes appended to archive files").register(registry);
            conflicts = Counter.builder("archiver.store.conflicts").tag("collection", collection)
                    .description("Times the archive was not what this collection's writer could build on, stopping it")
                    .register(registry);
            escaped = Counter.builder("archiver.events.escaped").tag("collection", collection)
                    .description("Change events archived as escaped lines (their BSON as binary) because Extended JSON "
                            + "cannot spell them unambiguously").register(registry);
            gaps = Counter.builder("archiver.history.gaps").tag("collection", collection)
                    .description("Times history was lost and capture resumed from now").register(registry);
            flushDuration = Timer.builder("archiver.flush.duration").tag("collection", collection)
                    .description("Time to write a flush to the store and checkpoint it")
                    .serviceLevelObjectives(FLUSH_BUCKETS.toArray(Duration[]::new)).register(registry);
            Gauge.builder("archiver.buffered.events", bufferedEvents, AtomicLong::get).tag("collection", collection)
                    .description("Change events captured and not yet archived").register(registry);
            Gauge.builder("archiver.buffered.bytes", bufferedBytes, AtomicLong::get).tag("collection", collection)
                    .description("BSON bytes captured and not yet archived").baseUnit("bytes").register(registry);
            DML_OPERATIONS.forEach(this::capturedCounter);
            FLUSH_TRIGGERS.forEach(t -> OUTCOMES.forEach(o -> flushCounter(t, o)));
            KNOWN_RESTART_REASONS.forEach(this::restartCounter);
        }

        /** Runs once per event: an update of the newest time only when it moves (many events share a second). */
        public void captured(String operationType, Instant clusterTime) {
            capturedCounter(operationType).increment();
            Instant newest = newestCaptured.get();
            if (newest == null || clusterTime.isAfter(newest)) {
                newestCaptured.accumulateAndGet(clusterTime, ArchiverMetrics::later);
                streamAt(clusterTime, true);
            }
        }

        /**
         * The stream reached {@code clusterTime} without an event (the post-batch token of an empty batch). Moves a
         * known stream position only: a late reply after {@link #released} does not bring the gauge back.
         */
        public void streamAt(Instant clusterTime) {
            streamAt(clusterTime, false);
        }

        private void streamAt(Instant clusterTime, boolean event) {
            if (captureLag == null) {
                if (!event) {
                    return;
                }
                registerCaptureLag(clusterTime);
            }
            Instant position = streamPosition.get();
            if (position == null || clusterTime.isAfter(position)) {
                streamPosition.accumulateAndGet(clusterTime, ArchiverMetrics::later);
            }
        }

        private synchronized void registerCaptureLag(Instant clusterTime) {
            if (captureLag == null) {
                streamPosition.accumulateAndGet(clusterTime, ArchiverMetrics::later);
                captureLag = Gauge.builder("archiver.capture.lag", this, p -> lagSeconds(p.streamPosition.get()))
                        .tag("collection", collection).baseUnit("seconds")
                        .description("Now minus the stream position: the newest captured event, or the post-batch "
                                + "token of an idle stream; absent until capture has a position on this instance")
                        .register(registry);
            }
        }

        /**
         * The collection's checkpoint is at {@code clusterTime} (at start, after a flush, or moved to an idle
         * stream's post-batch token): every event up to it is durably archived, and capture is at least there.
         */
        public synchronized void checkpointed(Instant clusterTime) {
            checkpointTime.accumulateAndGet(clusterTime, ArchiverMetrics::later);
            if (checkpointGauges.isEmpty()) {
                checkpointGauges.add(Gauge.builder("archiver.checkpoint.timestamp", this,
                                p -> seconds(p.checkpointTime.get()))
                        .tag("collection", collection).baseUnit("seconds")
                        .description("clusterTime of the checkpoint, as Unix time: the archive is complete up to "
                                + "it; absent until this instance has loaded or written a checkpoint")
                        .register(registry));
                checkpointGauges.add(Gauge.builder("archiver.archive.lag", this,
                                p -> lagSeconds(p.checkpointTime.get()))
                        .tag("collection", collection).baseUnit("seconds")
                        .description("Now minus the checkpoint's clusterTime: how far the durable archive trails; "
                                + "absent until this instance has loaded or written a checkpoint")
                        .register(registry));
            }
            streamAt(clusterTime, true);
        }

        private Counter capturedCounter(String operationType) {
            return capturedByOperation.computeIfAbsent(operationType, op -> Counter.builder("archiver.events.captured")
                    .tag("collection", collection).tag("operation", op)
                    .description("Change events received from the change stream").register(registry));
        }

        /** Runs once per event; a scrape may see the previous value, so no full fence is paid for. */
        public void buffered(long events, long bytes) {
            bufferedEvents.lazySet(events);
            bufferedBytes.lazySet(bytes);
        }

        public void archived(int events, long bytes, Instant newestClusterTime) {
            archived.increment(events);
            bytesWritten.increment(bytes);
            newestArchived.accumulateAndGet(newestClusterTime, ArchiverMetrics::later);
            checkpointed(newestClusterTime);
        }

        /** Of the events just archived, {@code events} were written as escaped lines. */
        public void escaped(int events) {
            escaped.increment(events);
        }

        /** Sets the newest archived time from the checkpoint at start, so archive lag is right before any flush. */
        public void archivedUpTo(Instant clusterTime) {
            newestArchived.accumulateAndGet(clusterTime, ArchiverMetrics::later);
        }

        public void flush(String trigger, boolean success, Duration duration) {
            flushCounter(trigger, success ? "success" : "failure").increment();
            if (success) {
                flushDuration.record(duration);
            }
        }

        private Counter flushCounter(String trigger, String outcome) {
            return flushes.computeIfAbsent(trigger + "/" + outcome, k -> Counter.builder("archiver.flushes")
                    .tag("collection", collection).tag("trigger", trigger).tag("outcome", outcome)
                    .description("Flushes by trigger and outcome").register(registry));
        }

        public void watchRestart(String reason) {
            restartCounter(reason).increment();
        }

        private Counter restartCounter(String reason) {
            return watchRestarts.computeIfAbsent(reason, r -> Counter.builder("archiver.watch.restarts")
                    .tag("collection", collection).tag("reason", r)
                    .description("Change stream re-subscriptions by reason; event_too_large counts a stream stopped for "
                            + "good by an event over 16 MB the server cannot send").register(registry));
        }

        public void historyGap() {
            gaps.increment();
        }

        public void storeConflict() {
            conflicts.increment();
        }

        /**
         * This instance no longer holds the collection (lease lost or handed over): nothing is buffered here, and
         * the position gauges (checkpoint, lags) disappear, so only the owner's series shows them.
         */
        public synchronized void released() {
            buffered(0, 0);
            checkpointGauges.forEach(registry::remove);
            checkpointGauges.clear();
            Meter lag = captureLag;
            if (lag != null) {
                registry.remove(lag);
                captureLag = null;
            }
            newestCaptured.set(null);
            newestArchived.set(null);
            checkpointTime.set(null);
            streamPosition.set(null);
        }

        public Instant newestCaptured() {
            return newestCaptured.get();
        }

        public Instant newestArchived() {
            return newestArchived.get();
        }
    }

    private static double seconds(Instant time) {
        return time == null ? Double.NaN : time.toEpochMilli() / 1000.0;
    }

    /** NaN only in the instant between a release and the gauge's removal. */
    private double lagSeconds(Instant position) {
        return position == null ? Double.NaN
                : Math.max(0, Duration.between(position, clock.instant()).toMillis() / 1000.0);
    }

    /** The snapshot series of a collection, registered at zero on first use. */
    public SnapshotSeries snapshots(String collection) {
        return snapshotSeries.computeIfAbsent(collection, SnapshotSeries::new);
    }

    /** One collection's snapshot series, registered at zero up front. */
    public final class SnapshotSeries {
        private final String collection;
        private final Counter documents;
        private final Counter bytes;
        private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
        private final AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);

        private SnapshotSeries(String collection) {
            this.collection = collection;
            documents = Counter.builder("archiver.snapshot.documents").tag("collection", collection)
                    .description("Documents written into snapshot part files").register(registry);
            // No baseUnit: the name already ends in "bytes" (see ArchiverMetrics on naming).
            bytes = Counter.builder("archiver.snapshot.bytes").tag("collection", collection)
                    .description("Bytes of snapshot part files written (compressed with gzip)").register(registry);
            Gauge.builder("archiver.last.snapshot.timestamp", lastEnd,
                            v -> v.get() == Long.MIN_VALUE ? Double.NaN : v.get())
                    .tag("collection", collection).baseUnit("seconds")
                    .description("End cluster time of the newest complete snapshot (epoch seconds)")
                    .register(registry);
            SNAPSHOT_OUTCOMES.forEach(this::outcome);
        }

        private Counter outcome(String outcome) {
            return outcomes.computeIfAbsent(outcome, o -> Counter.builder("archiver.snapshots")
                    .tag("collection", collection).tag("outcome", o)
                    .description("Snapshot runs ended, by outcome").register(registry));
        }

        public void part(long documentCount, long byteCount) {
            documents.increment(documentCount);
            bytes.increment(byteCount);
        }

        public void finished(String outcome) {
            outcome(outcome).increment();
        }

        /** The newest complete snapshot ends at {@code epochSecond}; an older one never moves it back. */
        public void complete(long epochSecond) {
            lastEnd.accumulateAndGet(epochSecond, Math::max);
        }
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }
}
