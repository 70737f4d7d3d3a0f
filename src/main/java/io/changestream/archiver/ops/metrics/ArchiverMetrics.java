package io.changestream.archiver.ops.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
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
 */
public final class ArchiverMetrics {
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
        private final Timer flushDuration;
        private final AtomicLong bufferedEvents = new AtomicLong();
        private final AtomicLong bufferedBytes = new AtomicLong();
        private final AtomicReference<Instant> newestCaptured = new AtomicReference<>();
        private final AtomicReference<Instant> newestArchived = new AtomicReference<>();

        private PerCollection(String collection) {
            this.collection = collection;
            archived = Counter.builder("archiver.events.archived").tag("collection", collection)
                    .description("Change events durably archived and checkpointed").register(registry);
            bytesWritten = Counter.builder("archiver.store.bytes.written").tag("collection", collection)
                    .description("Bytes appended to archive files").baseUnit("bytes").register(registry);
            gaps = Counter.builder("archiver.history.gaps").tag("collection", collection)
                    .description("Times history was lost and capture resumed from now").register(registry);
            flushDuration = Timer.builder("archiver.flush.duration").tag("collection", collection)
                    .description("Time to write a flush to the store and checkpoint it")
                    .publishPercentileHistogram().register(registry);
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
        }

        public void captured(String operationType, Instant clusterTime) {
            capturedByOperation.computeIfAbsent(operationType, op -> Counter.builder("archiver.events.captured")
                    .tag("collection", collection).tag("operation", op)
                    .description("Change events received from the change stream").register(registry)).increment();
            newestCaptured.accumulateAndGet(clusterTime, ArchiverMetrics::later);
        }

        public void buffered(long events, long bytes) {
            bufferedEvents.set(events);
            bufferedBytes.set(bytes);
        }

        public void archived(int events, long bytes, Instant newestClusterTime) {
            archived.increment(events);
            bytesWritten.increment(bytes);
            newestArchived.accumulateAndGet(newestClusterTime, ArchiverMetrics::later);
        }

        /** Sets the newest archived time from the checkpoint at start, so archive lag is right before any flush. */
        public void archivedUpTo(Instant clusterTime) {
            newestArchived.accumulateAndGet(clusterTime, ArchiverMetrics::later);
        }

        public void flush(String trigger, boolean success, Duration duration) {
            String outcome = success ? "success" : "failure";
            flushes.computeIfAbsent(trigger + "/" + outcome, k -> Counter.builder("archiver.flushes")
                    .tag("collection", collection).tag("trigger", trigger).tag("outcome", outcome)
                    .description("Flushes by trigger and outcome").register(registry)).increment();
            if (success) {
                flushDuration.record(duration);
            }
        }

        public void watchRestart(String reason) {
            watchRestarts.computeIfAbsent(reason, r -> Counter.builder("archiver.watch.restarts")
                    .tag("collection", collection).tag("reason", r)
                    .description("Change stream re-subscriptions by reason").register(registry)).increment();
        }

        public void historyGap() {
            gaps.increment();
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
