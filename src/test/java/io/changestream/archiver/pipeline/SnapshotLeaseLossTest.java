package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotSource;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.BooleanSupplier;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lease lost in the middle of a snapshot, through {@link SnapshotCoordinator}: the former owner's run stops at its
 * next lease check (outcome interrupted, nothing more written), and the collection's new owner (a newer epoch)
 * resumes the same snapshot from its recorded parts when its capture starts, and finishes it.
 */
class SnapshotLeaseLossTest {
    private static final String COLL = "orders";
    private static final Instant FAR = Instant.parse("2099-01-01T00:00:00Z");
    private static final int DOCUMENTS = 640; // about ten parts of 64 KiB
    private static final int REVOKED_AT = 300;

    @TempDir
    Path dir;

    @Test
    void aLeaseLostMidSnapshotStopsTheFormerOwnerAndTheNewOwnerResumesFromTheRecordedPartAndFinishes()
            throws Exception {
        ArchiverConfig config = ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://localhost:1",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", COLL, "ARCHIVE_LOCAL_DIR", dir.toString(),
                "SNAPSHOT_PART_BYTES", "65536", "RETRY_DELAY_MS", "20"));
        LocalArchiveStore store = new LocalArchiveStore(dir);
        InMemorySnapshotProgressStore tracker = new InMemorySnapshotProgressStore();
        LeaseHold former = new LeaseHold(new Lease(COLL, "former", 1, FAR, Instant.EPOCH), Clock.systemUTC(), FAR);
        LeaseHold next = new LeaseHold(new Lease(COLL, "next", 2, FAR, Instant.EPOCH), Clock.systemUTC(), FAR);
        Source source = new Source();
        source.onRead = id -> {
            if (id == REVOKED_AT) {
                former.revoke("taken over by next"); // while part 4 is being read
            }
        };
        ArchiverMetrics metrics = new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC());
        SnapshotProgress interrupted;
        try (SnapshotCoordinator first = new SnapshotCoordinator(config, source, store, tracker, metrics,
                Clock.systemUTC())) {
            first.captureStarted(former, Optional.of(new BsonTimestamp(1_700_000_000, 1)));
            awaitUntil(() -> !first.running(COLL));
            interrupted = tracker.snapshots(COLL).get(0);
        }
        assertThat(interrupted.complete()).isFalse();
        assertThat(interrupted.parts()).hasSizeBetween(1, 5);
        SnapshotLayout layout = new SnapshotLayout(new ArchiveLayout(config.store().prefix(), config.store().compression()));
        assertThat(store.list(layout.folder(COLL))).as("the former owner wrote nothing after losing its lease")
                .hasSize(interrupted.parts().size());

        source.onRead = id -> { };
        try (SnapshotCoordinator second = new SnapshotCoordinator(config, source, store, tracker, metrics,
                Clock.systemUTC())) {
            second.captureStarted(next, Optional.empty()); // a later start: capture resumes a checkpoint
            awaitUntil(() -> tracker.snapshots(COLL).get(0).complete());
        }

        SnapshotProgress done = tracker.snapshots(COLL).get(0);
        assertThat(tracker.snapshots(COLL)).hasSize(1);
        assertThat(done.id()).isEqualTo(interrupted.id());
        assertThat(done.parts().subList(0, interrupted.parts().size())).isEqualTo(interrupted.parts());
        assertThat(store.list(layout.folder(COLL))).hasSize(done.parts().size() + 1);
        List<Integer> ids = new ArrayList<>();
        for (int n = 0; n < done.parts().size(); n++) {
            ArchiveFile part = layout.part(COLL, done.id(), n);
            for (ArchiveLines.Unit unit : ArchiveLines.split(read(store, part), config.store().compression())
                    .units()) {
                for (byte[] line : unit.lines()) {
                    ids.add(new ExtendedJsonDecoder().decodeLine(line, 0, line.length).getInt32("_id").getValue());
                }
            }
        }
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < DOCUMENTS; i++) {
            expected.add(i);
        }
        assertThat(ids).isEqualTo(expected);
    }

    private static byte[] read(LocalArchiveStore store, ArchiveFile file) {
        try (InputStream in = store.read(file, 0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("condition not met within 30 s");
            }
            Thread.sleep(10);
        }
    }

    /** {@value #DOCUMENTS} documents of about 1 KB with int _ids, read in order; a hook sees each read _id. */
    static final class Source implements SnapshotSource {
        private final ConcurrentSkipListMap<Integer, BsonDocument> documents = new ConcurrentSkipListMap<>();
        volatile java.util.function.IntConsumer onRead = id -> { };
        private int clock = 1;

        Source() {
            for (int i = 0; i < DOCUMENTS; i++) {
                documents.put(i, new BsonDocument("_id", new BsonInt32(i)).append("pad",
                        new BsonString("p".repeat(1000))));
            }
        }

        @Override
        public synchronized BsonTimestamp operationTime() {
            return new BsonTimestamp(1_700_000_000, ++clock);
        }

        @Override
        public long estimatedCount(String collection) {
            return documents.size();
        }

        @Override
        public Documents documents(String collection, Optional<BsonValue> after, BsonTimestamp atLeast) {
            Iterator<BsonDocument> it = (after.isPresent() ? documents.tailMap(after.get().asInt32().getValue(),
                    false) : documents).values().iterator();
            return new Documents() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public RawBsonDocument next() {
                    BsonDocument doc = it.next();
                    onRead.accept(doc.getInt32("_id").getValue());
                    return new RawBsonDocument(doc, new BsonDocumentCodec());
                }

                @Override
                public void close() {
                }
            };
        }
    }
}
