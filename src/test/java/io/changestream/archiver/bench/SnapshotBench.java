package io.changestream.archiver.bench;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.InsertManyOptions;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.config.Setting;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.replay.MongoReplayTarget;
import io.changestream.archiver.replay.ReplayOptions;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.replay.SnapshotRestore;
import io.changestream.archiver.snapshot.ReadThrottle;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.snapshot.SnapshotSource;
import io.changestream.archiver.snapshot.SnapshotWriter;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.RawBsonDocumentCodec;

/**
 * The two snapshot figures of {@code bench/run}, on the documents a collection of the benchmark's events holds (the
 * {@code fullDocument} of each insert, as the driver hands a snapshot read's batch over):
 * <ul>
 *   <li>{@code snapshot_mb_s}: {@link SnapshotWriter} turning documents into part files, in MB of BSON per CPU-second
 *       ({@link CpuSlices}, process CPU time, alternating slices), against the driver's writer
 *       ({@link PipelineThroughput.Driver}: {@code toJson(EXTENDED)} and UTF-8 bytes per document, encoding only) on
 *       the same documents, as for the pipeline figure. A step is one whole snapshot of the documents, as the
 *       service runs it: begin (tracker record), read from an in-memory {@link SnapshotSource} (no network: the
 *       driver's decoding is the same for every contender), encode lines, append each part to a
 *       {@link LocalArchiveStore} on disk (with fsync), SHA-256, progress record per part (an in-memory tracker:
 *       in service a round trip, latency rather than CPU), the manifest last. Default part size and JSON mode, no
 *       compression and no throttle.</li>
 *   <li>{@code restore_ratio} and {@code restore_cpu_ratio}: loading that snapshot into a target
 *       ({@link SnapshotRestore#load}: read each part, check its SHA-256 and line count, decode the lines, unordered
 *       bulk inserts through {@link MongoReplayTarget}, one batch in flight while the next is decoded) ÷ a bare
 *       unordered {@code insertMany} of the same documents, already in memory, in batches of the same size, each
 *       on a fresh {@code EmbeddedMongo} server as {@link ReplayRatio} does; the ratio of median elapsed times
 *       (bare ÷ restore: how much longer a restore takes than the inserts alone, what an operator waits for) and of
 *       median process CPU times (what the reading and decoding cost beyond the inserts, the in-process server's
 *       work and garbage collection included), so 1 means loading costs nothing beyond the inserts.</li>
 * </ul>
 * Both work on the documents the inserts of the replay history leave (the restore on a history made long enough for
 * {@link #RESTORE_BYTES}). {@link #main} runs a reduced version (fewer slices and rounds) for a quick look: {@code java ... SnapshotBench}.
 */
final class SnapshotBench {
    private static final String COLLECTION = "orders";
    private static final RawBsonDocumentCodec RAW = new RawBsonDocumentCodec();
    private static final Lease LEASE = new Lease(COLLECTION, "bench", 1, Instant.parse("2999-01-01T00:00:00Z"),
            Instant.EPOCH);
    private static final int PART_BYTES = Integer.parseInt(Setting.SNAPSHOT_PART_BYTES.defaultValue().orElseThrow());
    private static final InsertManyOptions UNORDERED = new InsertManyOptions().ordered(false);
    /**
     * The restore loads at least this much BSON a round (about 50,000 documents of 500 B, 2,700 of 10 KB), so a
     * round's process CPU time, which the JVM reads in clock ticks of 10 ms, is 0.5 to 2 seconds: with the 9,000
     * documents of 500 B loaded before, a round took about 110 ms and one tick moved the ratio by 9%.
     */
    static final long RESTORE_BYTES = 24L << 20;

    /** MB of BSON per CPU-second of the snapshot writer and of the driver's writer on the same documents. */
    record Throughput(CpuSlices.Rate snapshot, CpuSlices.Rate driver) {
    }

    /** Median CPU time ratio bare insertMany ÷ snapshot load, the same by elapsed time, and the documents loaded. */
    record Restore(double ratio, double wallRatio, int documents) {
    }

    private SnapshotBench() {
    }

    /**
     * The documents of the restore: the first of those a history of the benchmark's events leaves (doubled from
     * {@code events} until it is long enough) that together hold {@link #RESTORE_BYTES} of BSON.
     */
    static List<RawBsonDocument> restoreDocuments(int events, int lineItems) {
        for (int n = events; ; n *= 2) {
            List<RawBsonDocument> documents = documents(new ChangeEventSamples(42).stream(n, lineItems));
            long sum = 0;
            for (int i = 0; i < documents.size(); i++) {
                sum += documents.get(i).getByteBuffer().remaining();
                if (sum >= RESTORE_BYTES) {
                    return documents.subList(0, i + 1);
                }
            }
        }
    }

    static long bytes(List<RawBsonDocument> documents) {
        return documents.stream().mapToLong(d -> d.getByteBuffer().remaining()).sum();
    }

    /** The documents of a collection that received these events: each insert's {@code fullDocument}. */
    static List<RawBsonDocument> documents(List<RawBsonDocument> events) {
        List<RawBsonDocument> out = new ArrayList<>();
        for (RawBsonDocument e : events) {
            if (e.getString("operationType").getValue().equals("insert")) {
                out.add(((RawBsonDocument) e.getDocument("fullDocument")).decode(RAW)); // a copy of its own
            }
        }
        return out;
    }

    static Throughput throughput(List<RawBsonDocument> documents, Path scratch, int warmUps, int slices,
                                 long sliceNanos) throws Exception {
        Snapshots snapshots = new Snapshots(documents, scratch.resolve("snapshot"), Snapshots.SNAPSHOT_BYTES);
        PipelineThroughput.Driver driver = new PipelineThroughput.Driver(documents);
        CpuSlices.Rate[] mb = CpuSlices.medians(List.of(
                new CpuSlices.Contender("snapshot", snapshots, snapshots::clear),
                new CpuSlices.Contender("driver", driver)), warmUps, slices, sliceNanos);
        snapshots.clear();
        return new Throughput(mb[0], mb[1]);
    }

    static Restore restore(List<RawBsonDocument> documents, Path scratch, int warmUps, int rounds) throws Exception {
        Path folder = scratch.resolve("restore-snapshot");
        PipelineThroughput.deleteTree(folder);
        LocalArchiveStore store = new LocalArchiveStore(folder);
        try {
            Snapshots writer = new Snapshots(documents, folder);
            writer.snapshotOnce(store);
            SnapshotCatalog catalog = new SnapshotCatalog(store, "");
            SnapshotManifest manifest = catalog.complete(COLLECTION).get(0);
            List<List<RawBsonDocument>> batches = new ArrayList<>();
            for (int i = 0; i < documents.size(); i += ReplayOptions.DEFAULT_BATCH_SIZE) {
                batches.add(documents.subList(i, Math.min(documents.size(), i + ReplayOptions.DEFAULT_BATCH_SIZE)));
            }
            List<Consumer<MongoDatabase>> contenders = List.of(
                    database -> {
                        SnapshotRestore.Loaded loaded = SnapshotRestore.load(manifest, catalog, store,
                                new MongoReplayTarget(database), COLLECTION, ReplayOptions.DEFAULT_BATCH_SIZE, Set.of());
                        if (loaded.inserted() != documents.size() || !loaded.problems().isEmpty()) {
                            throw new IllegalStateException("snapshot load inserted " + loaded.inserted() + " of "
                                    + documents.size() + ": " + loaded.problems());
                        }
                    },
                    database -> {
                        MongoCollection<RawBsonDocument> target = database.getCollection(COLLECTION,
                                RawBsonDocument.class);
                        batches.forEach(b -> target.insertMany(b, UNORDERED));
                    });
            checkSameResult(contenders, documents.size());
            double[][] cpu = new double[2][rounds];
            double[][] wall = new double[2][rounds];
            for (int round = -warmUps; round < rounds; round++) {
                for (int k = 0; k < 2; k++) {
                    int c = Math.floorMod(k + round, 2); // each round starts with the other contender
                    long[] used = ReplayRatio.onFreshServer(contenders.get(c), database -> { });
                    if (ReplayRatio.VERBOSE) {
                        System.out.printf("  round %d, %s, ms of CPU (client thread, server threads, JIT compiling) "
                                + "and wall: %s%n", round, c == 0 ? "snapshot load" : "bare insertMany",
                                ReplayRatio.describe(used));
                    }
                    if (round >= 0) {
                        cpu[c][round] = used[0];
                        wall[c][round] = used[1];
                    }
                }
            }
            return new Restore(CpuSlices.median(cpu[1]) / CpuSlices.median(cpu[0]),
                    CpuSlices.median(wall[1]) / CpuSlices.median(wall[0]), documents.size());
        } finally {
            PipelineThroughput.deleteTree(folder);
        }
    }

    /** Both contenders leave the same documents. */
    private static void checkSameResult(List<Consumer<MongoDatabase>> contenders, int expected) {
        List<List<RawBsonDocument>> left = new ArrayList<>();
        for (Consumer<MongoDatabase> contender : contenders) {
            ReplayRatio.onFreshServer(contender, database -> left.add(database.getCollection(COLLECTION,
                    RawBsonDocument.class).find().sort(new BsonDocument("_id", new BsonInt32(1)))
                    .into(new ArrayList<>())));
        }
        if (left.get(0).size() != expected || !left.get(0).equals(left.get(1))) {
            throw new IllegalStateException("the snapshot load and the bare insertMany left different collections ("
                    + left.get(0).size() + " and " + left.get(1).size() + " documents, " + expected + " expected)");
        }
    }

    /**
     * Whole snapshots into a folder on disk, each with the next start time. For the throughput, a snapshot reads the
     * documents over and over until {@link #SNAPSHOT_BYTES} of BSON: a collection of a few MB would charge each
     * megabyte with the per-snapshot work (tracker records, manifest, file creation and fsync) a real collection
     * spreads over gigabytes, while the documents stay few enough to sit in the CPU caches as a read batch does.
     */
    static final class Snapshots implements CpuSlices.Step {
        static final long SNAPSHOT_BYTES = 16L << 20;
        private final List<RawBsonDocument> documents;
        private final Path folder;
        private final int passes;
        private final long bytes;
        private int time = 1;

        Snapshots(List<RawBsonDocument> documents, Path folder) {
            this(documents, folder, 1);
        }

        Snapshots(List<RawBsonDocument> documents, Path folder, long atLeastBytes) {
            this.documents = documents;
            this.folder = folder;
            long once = bytes(documents);
            this.passes = (int) Math.max(1, (atLeastBytes + once - 1) / once);
            this.bytes = once * passes;
        }

        @Override
        public long run() throws InterruptedException {
            snapshotOnce(new LocalArchiveStore(folder));
            return bytes;
        }

        void snapshotOnce(LocalArchiveStore store) throws InterruptedException {
            SnapshotWriter writer = new SnapshotWriter(new InMemory(), store, new InMemorySnapshotProgressStore(),
                    new SnapshotLayout(new ArchiveLayout("", Compression.NONE)), JsonMode.CANONICAL, PART_BYTES,
                    new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
            writer.run(writer.begin(COLLECTION, new BsonTimestamp(time++, 1), LEASE), LEASE, () -> { });
        }

        void clear() {
            PipelineThroughput.deleteTree(folder);
        }

        /** The documents, as a source whose clock moves one second per question. */
        private final class InMemory implements SnapshotSource {
            @Override
            public BsonTimestamp operationTime() {
                return new BsonTimestamp(time++, 1);
            }

            @Override
            public Documents documents(String collection, Optional<BsonValue> after, BsonTimestamp atLeast) {
                return new Documents() {
                    private int next;

                    @Override
                    public boolean hasNext() {
                        return next < documents.size() * passes;
                    }

                    @Override
                    public RawBsonDocument next() {
                        return documents.get(next++ % documents.size());
                    }

                    @Override
                    public void close() {
                    }
                };
            }

            @Override
            public long estimatedCount(String collection) {
                return documents.size();
            }
        }
    }

    /** A reduced run for a quick look (not the figures of docs/benchmarks.md): fewer slices and rounds. */
    public static void main(String[] args) throws Exception {
        BenchRun.quietLogs();
        Path scratch = Path.of(System.getenv().getOrDefault("BENCH_SCRATCH", "target/bench-scratch"));
        int slices = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        for (String[] size : new String[][] {{"500B", "0", "6000"}, {"10KB", "100", "1500"}}) {
            int lineItems = Integer.parseInt(size[1]);
            int events = Integer.parseInt(size[2]);
            List<RawBsonDocument> docs = documents(new ChangeEventSamples(42).stream(events, lineItems));
            Throughput t = throughput(docs, scratch, 4, slices, 400_000_000L);
            Restore r = restore(restoreDocuments(events, lineItems), scratch, 3, rounds);
            System.out.printf(Locale.ROOT, "%s: %d documents; snapshot %.1f MB/CPU-s (thread %.1f), driver writer "
                    + "%.1f (%.1f), snapshot/driver %.1fx; restore of %d documents: CPU ratio %.3f, elapsed %.3f%n",
                    size[0], docs.size(), t.snapshot().process(), t.snapshot().thread(), t.driver().process(),
                    t.driver().thread(), t.snapshot().process() / t.driver().process(), r.documents(), r.ratio(),
                    r.wallRatio());
        }
    }
}
