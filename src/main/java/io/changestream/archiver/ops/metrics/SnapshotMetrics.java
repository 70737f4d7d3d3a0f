package io.changestream.archiver.ops.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The snapshot series of SPEC.md, names and descriptions together (kept beside {@link ArchiverMetrics}, whose
 * naming rules they follow):
 * {@code archiver_snapshot_documents_total{collection}}, {@code archiver_snapshot_bytes_total{collection}},
 * {@code archiver_snapshots_total{collection,outcome}} (outcome {@code success}, {@code failure}: a conflict, or
 * {@code interrupted}: lease lost or shutdown, resumed later) and
 * {@code archiver_last_snapshot_timestamp_seconds{collection}} (the end cluster time of the newest complete
 * snapshot, in epoch seconds: the earliest time it can restore; NaN until one is known).
 */
public final class SnapshotMetrics {
    private static final List<String> OUTCOMES = List.of("success", "failure", "interrupted");

    private final MeterRegistry registry;
    private final Map<String, PerCollection> collections = new ConcurrentHashMap<>();

    public SnapshotMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public PerCollection collection(String name) {
        return collections.computeIfAbsent(name, PerCollection::new);
    }

    /** One collection's snapshot series, registered at zero up front. */
    public final class PerCollection {
        private final String collection;
        private final Counter documents;
        private final Counter bytes;
        private final Map<String, Counter> outcomes = new ConcurrentHashMap<>();
        private final AtomicLong lastEnd = new AtomicLong(Long.MIN_VALUE);

        private PerCollection(String collection) {
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
            OUTCOMES.forEach(this::outcome);
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
}
