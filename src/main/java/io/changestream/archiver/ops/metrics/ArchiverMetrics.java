package io.changestream.archiver.ops.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Every archiver metric, names and descriptions together, matching SPEC.md. Micrometer names use dots; the
 * Prometheus registry renders {@code archiver.events.captured} as {@code archiver_events_captured_total}.
 *
 * <p>Lag gauges are computed at scrape time from the newest captured / archived event times, so an idle or stuck
 * pipeline shows growing lag instead of a frozen value.
 *
 * <p>Naming: the Prometheus convention appends the base unit to a name that does not end with it and
 * {@code _total} to counters, so a counter whose name already says "bytes" gets no base unit (it would render as
 * {@code ..._bytes_written_bytes_total}). {@code ArchiverMetricsNamesTest} pins every rendered name to SPEC.md.
 *
 * <p>Labelled series whose label values are a known vocabulary (flush trigger and outcome, the DML operation types,
 * the watcher's own restart reasons) are registered at zero up front: a series that appears only with its first
 * increment hides that increment from {@code rate()} and {@code increase()}, and makes the metric look absent.
 */
public final class ArchiverMetrics {
    /** Flush triggers of the {@code trigger} tag that a flush can report (recovery adoptions are not flushes). */
    private static final List<String> FLUSH_TRIGGERS = List.of("size", "schedule", "manual", "shutdown");
    private static final List<String> OUTCOMES = List.of("success", "failure");
    private static final List<String> DML_OPERATIONS = List.of("insert", "update", "replace", "delete");
    /** Restart reasons named by the pipeline itself; error-code reasons appear as they happen. */
    private static final List<String> KNOWN_RESTART_REASONS = List.of("invalidate", "history_lost");

    private final MeterRegistry registry;
    private final Clock clock;
    private final Map<String, PerCollection> collections = new ConcurrentHashMap<>();
    private final AtomicLong backpressureActive = new AtomicLong();

    public ArchiverMetrics(MeterRegistry registry, Clock clock) {
        this.registry = registry;
        this.clock = clock;
        Gauge.builder("archiver.backpressure.active", backpressureActive, AtomicLong::get)
                .description("1 while capture is paused because all buffers together reached BUFFER_MAX_BYTES")
                .register(registry);
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
                    // Bounded bucket range: a flush retrying a slow store takes minutes, not Micrometer's 30 s max.
                    .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(5))
                    .maximumExpectedValue(Duration.ofMinutes(10)).register(registry);
            Gauge.builder("archiver.buffered.events", bufferedEvents, AtomicLong::get).tag("collection", collection)
                    .description("Change events captured and not yet archived").register(registry);
            Gauge.builder("archiver.buffered.bytes", bufferedBytes, AtomicLong::get).tag("collection", collection)
                    .description("BSON bytes captured and not yet archived").baseUnit("bytes").register(registry);
            Gauge.builder("archiver.capture.lag", this, p -> lagSeconds(p.newestCaptured.get()))
                    .tag("collection", collection).baseUnit("seconds")
                    .description("Now minus the clusterTime of the newest captured event").register(registry);
            Gauge.builder("archiver.archive.lag", this, p -> lagSeconds(p.newestArchived.get()))
                    .tag("collection", collection).baseUnit("seconds")
                    .description("Now minus the clusterTime of the newest durably archived event").register(registry);
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
            }
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
                    .description("Change stream re-subscriptions by reason").register(registry));
        }

        public void historyGap() {
            gaps.increment();
        }

        public void storeConflict() {
            conflicts.increment();
        }

        /**
         * This instance no longer holds the collection (lease lost or handed over): nothing is buffered here, and
         * the lag gauges read 0 instead of growing, so only the owner's series shows the collection's lag.
         */
        public void released() {
            buffered(0, 0);
            newestCaptured.set(null);
            newestArchived.set(null);
        }

        public Instant newestCaptured() {
            return newestCaptured.get();
        }

        public Instant newestArchived() {
            return newestArchived.get();
        }
    }

    private double lagSeconds(Instant newest) {
        return newest == null ? 0 : Math.max(0, Duration.between(newest, clock.instant()).toMillis() / 1000.0);
    }

    private static Instant later(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }
}
