package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.snapshot.ReadThrottle;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.snapshot.SnapshotSource;
import io.changestream.archiver.snapshot.SnapshotWriter;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.ForwardingArchiveStore;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.bson.BsonBinary;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SnapshotRestore#load}: the next batch is read and decoded while the batch before it is inserted, batches
 * are bounded by bytes as well as by count, every document goes in once and in snapshot order, and what the target
 * answers (failures, an exception) reaches the caller.
 */
class SnapshotLoadTest {
    private static final String C = "orders";
    private static final Lease LEASE = new Lease(C, "me", 1, Instant.parse("2099-01-01T00:00:00Z"), Instant.EPOCH);

    @TempDir
    Path dir;

    /** A complete snapshot of {@code count} documents, each with a payload of {@code payloadBytes}. */
    private SnapshotManifest snapshot(LocalArchiveStore store, int count, int payloadBytes, long partBytes)
            throws InterruptedException {
        return snapshot(store, count, payloadBytes, partBytes, Compression.NONE);
    }

    private SnapshotManifest snapshot(LocalArchiveStore store, int count, int payloadBytes, long partBytes,
                                      Compression compression) throws InterruptedException {
        return snapshot(store, IntStream.range(0, count).mapToObj(i -> new RawBsonDocument(
                new BsonDocument("_id", new BsonInt32(i)).append("payload", new BsonBinary(new byte[payloadBytes])),
                new BsonDocumentCodec())).toList(), partBytes, compression, JsonMode.CANONICAL);
    }

    /** A complete snapshot of {@code documents}, whose {@code _id}s are 0, 1, 2…, written by {@link SnapshotWriter}. */
    private static SnapshotManifest snapshot(LocalArchiveStore store, List<RawBsonDocument> documents, long partBytes,
                                             Compression compression, JsonMode mode) throws InterruptedException {
        SnapshotSource source = new SnapshotSource() {
            private int clock = 1;

            @Override
            public BsonTimestamp operationTime() {
                return new BsonTimestamp(1_700_000_000, clock++);
            }

            @Override
            public Documents documents(String collection, Optional<BsonValue> after, BsonTimestamp atLeast) {
                int from = after.map(id -> id.asInt32().getValue() + 1).orElse(0);
                return Documents.of(documents.subList(from, documents.size()).iterator(), () -> { });
            }

            @Override
            public long estimatedCount(String collection) {
                return documents.size();
            }
        };
        SnapshotWriter writer = new SnapshotWriter(source, store, new InMemorySnapshotProgressStore(),
                new SnapshotLayout(new ArchiveLayout("", compression)), mode, partBytes,
                new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
        writer.run(writer.begin(C, new BsonTimestamp(1_700_000_000, 1), LEASE), LEASE, () -> { });
        return new SnapshotCatalog(store, "").complete(C).get(0);
    }

    private static SnapshotRestore.Loaded load(SnapshotManifest m, ArchiveStore store, ReplayTarget target,
                                               int batchSize) {
        return SnapshotRestore.load(m, new SnapshotCatalog(store, ""), store, target, C, batchSize, Set.of());
    }

    private static List<Integer> ids(List<RawBsonDocument> documents) {
        return documents.stream().map(d -> d.getInt32("_id").getValue()).toList();
    }

    @Test
    void theNextBatchIsReadAndDecodedWhileTheBatchBeforeItIsBeingInserted() throws Exception {
        LocalArchiveStore local = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(local, 60, 10, 200);
        assertThat(m.parts()).hasSizeGreaterThan(10);
        AtomicInteger reads = new AtomicInteger();
        ArchiveStore store = new ForwardingArchiveStore(local) {
            @Override
            public InputStream read(ArchiveFile file, long position) {
                synchronized (reads) {
                    reads.incrementAndGet();
                    reads.notifyAll();
                }
                return super.read(file, position);
            }
        };
        int partsOfTheFirstBatch = partsHolding(m, 10);
        int beyondTheFirstBatch = partsOfTheFirstBatch + 1;
        List<Boolean> partReadDuringTheFirstInsert = new ArrayList<>();
        RecordingTarget target = new RecordingTarget() {
            @Override
            public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
                if (partReadDuringTheFirstInsert.isEmpty()) {
                    partReadDuringTheFirstInsert.add(partsReadWithin(reads, beyondTheFirstBatch, 10));
                }
                return super.insert(collection, documents);
            }
        };

        SnapshotRestore.Loaded loaded = load(m, store, target, 10);

        assertThat(partReadDuringTheFirstInsert).as("while the first batch was being inserted, the load read on")
                .containsExactly(true);
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.inserted()).isEqualTo(60);
        assertThat(ids(target.inserted)).containsExactlyElementsOf(IntStream.range(0, 60).boxed().toList());
    }

    /**
     * True when the store has been asked for {@code parts} parts within {@code seconds}: the load reads on beside the
     * insert (a load that inserts in between stays at the parts of the batch it is inserting).
     */
    private static boolean partsReadWithin(AtomicInteger reads, int parts, int seconds) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        synchronized (reads) {
            while (reads.get() < parts) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    return false;
                }
                try {
                    reads.wait(left);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return false;
                }
            }
            return true;
        }
    }

    @Test
    void aBatchEndsAtBatchBytesOfBsonEvenBeforeItHasBatchSizeDocuments() throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        int payload = 1 << 20;
        SnapshotManifest m = snapshot(store, 40, payload, 8L << 20);
        List<List<Integer>> batches = new ArrayList<>();
        List<Long> batchBytes = new ArrayList<>();
        RecordingTarget target = new RecordingTarget() {
            @Override
            public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
                batches.add(ids(documents));
                batchBytes.add(documents.stream().mapToLong(d -> d.getByteBuffer().remaining()).sum());
                return super.insert(collection, documents);
            }
        };

        SnapshotRestore.Loaded loaded = load(m, store, target, 1000);

        assertThat(loaded.inserted()).isEqualTo(40);
        assertThat(batches).as("batches of at most %d bytes", SnapshotRestore.BATCH_BYTES).hasSize(3);
        assertThat(batchBytes).allSatisfy(b -> assertThat(b).isLessThan(SnapshotRestore.BATCH_BYTES + payload + 100));
        assertThat(batches.stream().flatMap(List::stream).toList())
                .containsExactlyElementsOf(IntStream.range(0, 40).boxed().toList());
    }

    @Test
    void theFailuresOfEachBatchAreProblemsNamingThePartItEndedInAndEveryOtherDocumentIsCounted() throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(store, 30, 10, 200);
        AtomicInteger calls = new AtomicInteger();
        RecordingTarget target = new RecordingTarget() {
            @Override
            public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
                super.insert(collection, documents);
                return calls.incrementAndGet() == 2
                        ? new InsertOutcome(documents.size() - 1, 0, List.of(new WriteFailure(3, 121, "invalid")))
                        : new InsertOutcome(documents.size(), 0, List.of());
            }
        };

        SnapshotRestore.Loaded loaded = load(m, store, target, 10);

        assertThat(calls).hasValue(3);
        assertThat(loaded.inserted()).isEqualTo(29);
        assertThat(loaded.problems()).singleElement().satisfies(p -> assertThat(p)
                .matches(".*/part-\\d{5}\\.json: insert failed, error 121: invalid"));
    }

    @Test
    void anExceptionOfTheTargetStopsTheLoadAndReachesTheCaller() throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(store, 60, 10, 200);
        AtomicInteger calls = new AtomicInteger();
        RecordingTarget target = new RecordingTarget() {
            @Override
            public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
                if (calls.incrementAndGet() == 2) {
                    throw new IllegalStateException("write concern error: nothing says which inserts are durable");
                }
                return super.insert(collection, documents);
            }
        };

        assertThatThrownBy(() -> load(m, store, target, 10)).isInstanceOf(IllegalStateException.class)
                .hasMessage("write concern error: nothing says which inserts are durable");
        assertThat(calls).as("no batch goes after the one that failed").hasValue(2);
        assertThat(target.inserted).hasSize(10);
    }

    @Test
    void anUnreadableLineIsAProblemNamingThePartLineAndByteAndTheLinesAroundItAreLoaded() throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(store, 30, 10, 400);
        ArchiveFile part = new SnapshotCatalog(store, "").part(m, m.parts().get(1));
        byte[] bytes = java.nio.file.Files.readAllBytes(dir.resolve(part.path()));
        int second = indexOf(bytes, (byte) '\n', 0) + 1;
        int quote = indexOf(bytes, (byte) '"', second + 2); // the first key's closing quote on the second line
        bytes[quote - 1] = 0; // a NUL in the key: the driver refuses it
        java.nio.file.Files.write(dir.resolve(part.path()), bytes);
        RecordingTarget target = new RecordingTarget();

        SnapshotRestore.Loaded loaded = load(m, store, target, 10);

        assertThat(loaded.problems()).anySatisfy(p -> assertThat(p).startsWith(part + ":2: unreadable document at "
                + "byte " + second + ": ")).anySatisfy(p -> assertThat(p).contains(part + ": SHA-256"));
        assertThat(loaded.inserted()).isEqualTo(29);
        assertThat(ids(target.inserted)).hasSize(29).doesNotHaveDuplicates();
    }

    @Test
    void aDamagedGzipMemberIsAProblemAndTheNextPartsAreStillLoaded() throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(store, 30, 10, 400, Compression.GZIP);
        ArchiveFile part = new SnapshotCatalog(store, "").part(m, m.parts().get(1));
        byte[] bytes = java.nio.file.Files.readAllBytes(dir.resolve(part.path()));
        bytes[bytes.length - 8] ^= 0x01; // the CRC32 in the member's trailer
        java.nio.file.Files.write(dir.resolve(part.path()), bytes);
        RecordingTarget target = new RecordingTarget();

        SnapshotRestore.Loaded loaded = load(m, store, target, 10);

        assertThat(loaded.problems()).anySatisfy(p -> assertThat(p).startsWith(part + ":").contains("CRC")
                .contains("the rest of the part is not loaded"));
        long afterIt = m.parts().stream().skip(2).mapToLong(SnapshotManifest.Part::documents).sum();
        assertThat(afterIt).isPositive();
        assertThat(ids(target.inserted)).as("the parts after the damaged one").containsAll(IntStream.range(
                (int) (30 - afterIt), 30).boxed().toList());
    }

    @Test
    void aMissingPartIsAProblemSayingSoAndTheOtherPartsAreLoaded() throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(store, 30, 10, 400);
        ArchiveFile part = new SnapshotCatalog(store, "").part(m, m.parts().get(1));
        java.nio.file.Files.delete(dir.resolve(part.path()));
        RecordingTarget target = new RecordingTarget();

        SnapshotRestore.Loaded loaded = load(m, store, target, 10);

        assertThat(loaded.problems()).containsExactly(part + ": missing from the store (the manifest lists "
                + m.parts().get(1).documents() + " documents in " + m.parts().get(1).bytes() + " bytes); not loaded");
        assertThat(loaded.inserted()).isEqualTo(30 - m.parts().get(1).documents());
    }

    @Test
    void replayReportsAnUnreadableSnapshotLineWithItsPlaceAndExitsOneWithoutATrace() throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(store, 30, 10, 400);
        ArchiveFile part = new SnapshotCatalog(store, "").part(m, m.parts().get(0));
        byte[] bytes = java.nio.file.Files.readAllBytes(dir.resolve(part.path()));
        bytes[0] = '['; // the first line is no document
        java.nio.file.Files.write(dir.resolve(part.path()), bytes);
        java.io.StringWriter out = new java.io.StringWriter();
        java.io.StringWriter err = new java.io.StringWriter();

        int exit = io.changestream.archiver.app.Main.execute(java.util.Map.of("ARCHIVE_LOCAL_DIR", dir.toString(),
                "MONGODB_COLLECTIONS", C), new java.io.PrintWriter(out), new java.io.PrintWriter(err), "replay",
                "--dry-run", "--snapshot", m.id());

        String all = out + "\n" + err;
        assertThat(exit).as(all).isEqualTo(io.changestream.archiver.app.Main.CHECK_FAILED);
        assertThat(all).contains(part + ":1: unreadable document at byte 0: ").doesNotContain("\tat ",
                "Exception in thread");
    }

    @Test
    void whenReadingAPartFailsTheBatchInFlightFinishesUninterruptedAndTheStoresFailureReachesTheCaller()
            throws Exception {
        LocalArchiveStore local = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(local, 60, 10, 200);
        int partsOfTheFirstBatch = partsHolding(m, 10);
        int failingRead = partsOfTheFirstBatch + 1;
        java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);
        AtomicInteger reads = new AtomicInteger();
        ArchiveStore store = new ForwardingArchiveStore(local) {
            @Override
            public InputStream read(ArchiveFile file, long position) {
                if (reads.incrementAndGet() == failingRead) {
                    failed.countDown();
                    throw new io.changestream.archiver.store.StoreUnavailableException("the store went away reading " + file, null);
                }
                return super.read(file, position);
            }
        };
        List<String> firstInsert = new ArrayList<>();
        RecordingTarget target = new RecordingTarget() {
            @Override
            public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
                try {
                    assertThat(failed.await(10, TimeUnit.SECONDS)).isTrue();
                    Thread.sleep(200); // while the load unwinds
                    firstInsert.add("finished");
                } catch (InterruptedException e) {
                    firstInsert.add("interrupted");
                }
                return super.insert(collection, documents);
            }
        };

        assertThatThrownBy(() -> load(m, store, target, 10))
                .isInstanceOf(io.changestream.archiver.store.StoreUnavailableException.class)
                .hasMessageContaining("the store went away");
        assertThat(firstInsert).containsExactly("finished");
        assertThat(ids(target.inserted)).containsExactlyElementsOf(IntStream.range(0, 10).boxed().toList());
    }

    /**
     * The load reads lines with {@link StoredLineReader#nextLength} into a reused buffer: differentially against the
     * driver, every document comes back exactly as the driver reads its line, on shapes far from the middle: long
     * arrays of tiny values, empty containers, nesting to the fast path's depth and past it, lines ending at every
     * byte around the reader's 64 KiB buffer (and the gzip reader's), and a document of nearly 16 MB; plain and gzip,
     * canonical and relaxed.
     */
    @org.junit.jupiter.params.ParameterizedTest(name = "{0}, {1}")
    @org.junit.jupiter.params.provider.CsvSource({"NONE,CANONICAL", "GZIP,CANONICAL", "NONE,RELAXED", "GZIP,RELAXED"})
    void everyShapeLoadsAsTheDriverReadsItsLine(Compression compression, JsonMode mode) throws Exception {
        List<BsonDocument> shapes = new ArrayList<>();
        shapes.add(new BsonDocument());
        shapes.add(new BsonDocument("e", new BsonDocument()).append("a", new org.bson.BsonArray())
                .append("aa", new org.bson.BsonArray(List.of(new org.bson.BsonArray(), new BsonDocument())))
                .append("s", new org.bson.BsonString("")));
        for (int n : new int[] {1, 2, 15, 16, 17, 333, 334, 335, 1281}) {
            shapes.add(new BsonDocument("letters", new org.bson.BsonArray(IntStream.range(0, n)
                    .mapToObj(i -> (BsonValue) new org.bson.BsonString(String.valueOf((char) ('a' + i % 26))))
                    .toList())));
            shapes.add(new BsonDocument("mixed", new org.bson.BsonArray(IntStream.range(0, n).mapToObj(i ->
                    switch (i % 5) {
                        case 0 -> (BsonValue) new BsonInt32(i);
                        case 1 -> org.bson.BsonBoolean.TRUE;
                        case 2 -> org.bson.BsonNull.VALUE;
                        case 3 -> new BsonDocument();
                        default -> new org.bson.BsonArray();
                    }).toList())));
        }
        for (int depth : new int[] {1, 2, 50, 99, 100, 101, 150}) {
            BsonValue v = new BsonInt32(depth);
            for (int d = 0; d < depth; d++) {
                v = d % 2 == 0 ? new org.bson.BsonArray(List.of(v)) : new BsonDocument("d", v);
            }
            shapes.add(new BsonDocument("deep", v));
        }
        for (int pad = 65_536 - 70; pad < 65_536 + 10; pad += 3) { // lines of about 64 KiB, ending at every offset
            shapes.add(new BsonDocument("pad", new org.bson.BsonString("p".repeat(pad)))
                    .append("n", new org.bson.BsonDouble(pad / 3.0)));
        }
        shapes.add(new BsonDocument("big", new org.bson.BsonString("b".repeat(16 * 1024 * 1024 - 200))));
        List<RawBsonDocument> documents = new ArrayList<>();
        for (int i = 0; i < shapes.size(); i++) {
            BsonDocument d = new BsonDocument("_id", new BsonInt32(i));
            d.putAll(shapes.get(i));
            documents.add(new RawBsonDocument(d, new BsonDocumentCodec()));
        }
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotManifest m = snapshot(store, documents, 100_000, compression, mode);
        RecordingTarget target = new RecordingTarget();

        SnapshotRestore.Loaded loaded = load(m, store, target, 7);

        assertThat(loaded.problems()).isEmpty();
        assertThat(target.inserted).hasSameSizeAs(documents);
        org.bson.json.JsonWriterSettings settings = org.bson.json.JsonWriterSettings.builder().outputMode(
                mode == JsonMode.RELAXED ? org.bson.json.JsonMode.RELAXED : org.bson.json.JsonMode.EXTENDED).build();
        for (int i = 0; i < documents.size(); i++) {
            RawBsonDocument driver = RawBsonDocument.parse(documents.get(i).toJson(settings));
            assertThat(bytes(target.inserted.get(i))).as("%s %s, document %d", compression, mode, i)
                    .isEqualTo(bytes(driver));
        }
    }

    private static byte[] bytes(RawBsonDocument d) {
        java.nio.ByteBuffer b = d.getByteBuffer().asNIO();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }

    /** How many parts, from the first, hold the snapshot's first {@code documents} documents. */
    private static int partsHolding(SnapshotManifest m, long documents) {
        int parts = 0;
        for (long held = 0; held < documents; parts++) {
            held += m.parts().get(parts).documents();
        }
        return parts;
    }

    private static int indexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i < bytes.length; i++) {
            if (bytes[i] == b) {
                return i;
            }
        }
        throw new AssertionError("no " + (char) b + " after " + from);
    }
}
