package io.changestream.archiver.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.WriteModel;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.pipeline.ExactlyOnceWriter;
import io.changestream.archiver.pipeline.RetryPolicy;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.DdlPolicy;
import io.changestream.archiver.replay.MongoReplayTarget;
import io.changestream.archiver.replay.ReplayOptions;
import io.changestream.archiver.replay.ReplaySummary;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.Replayer;
import io.changestream.archiver.replay.WritePlan;
import io.changestream.archiver.replay.WritePlanner;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.Leases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.RawBsonDocument;

/**
 * Replay's apply rate relative to a bare bulk write of the same documents to the same server.
 *
 * <p>The events are first archived with the archiver's own writer (canonical JSON lines in hour files of a
 * {@link LocalArchiveStore}). Then, on {@link EmbeddedMongo} servers, three contenders each build the
 * collection, round after round (each round starts with the next contender):
 * <ul>
 *   <li><b>replay</b>: the replay engine itself ({@link Replayer} into a {@link MongoReplayTarget}, window
 *       {@link ReplayWindow#ALL}, default batch size): it reads the archive files, decodes and plans each event on
 *       its read-ahead thread, and sends ordered bulk writes;</li>
 *   <li><b>same writes</b>: the bare bulk write. The writes replay sends for these events, made ahead in memory
 *       from the events as the driver hands them over ({@link WritePlanner}: each insert and replace a replace of
 *       its document with upsert, each update its exact diff, each delete by key), in ordered bulk writes of the
 *       same size. No reading, decoding, planning or accounting: the driver's and the server's share alone. This
 *       is the denominator of {@code replay_ratio};</li>
 *   <li><b>replaces</b>: each event's post-image ({@code fullDocument}) as a replace with upsert, each delete by
 *       key. Reported for comparison only: replacing with the looked-up post-image is not what replay may do (the
 *       post-image can already hold later changes), and on this server a {@code $set} costs more than a replace,
 *       so this ratio mostly measures the server's preference.</li>
 * </ul>
 * Every run gets a new server (an empty database and oplog) and starts after a full collection, so that no run
 * inherits another's heap or server state. All three leave the same documents behind (checked). Cost is the
 * process's CPU time (client, read-ahead thread, embedded server and GC together, all in this JVM), so other work on
 * a shared machine does not count. Each contender's cost is its median over rounds, and a ratio is the other
 * contender's median ÷ replay's (the same events, so replay's rate ÷ the other's): runs are independent (a fresh
 * server each), so medians per contender are steadier than per-round ratios. The wall-clock ratio is reported next
 * to it. {@code BENCH_VERBOSE=1} prints every round with the client thread's and the server threads' share.
 */
final class ReplayRatio {
    private static final String COLLECTION = "orders";
    private static final java.lang.management.ThreadMXBean THREADS =
            java.lang.management.ManagementFactory.getThreadMXBean();
    private static final java.lang.management.CompilationMXBean JIT =
            java.lang.management.ManagementFactory.getCompilationMXBean();
    static final boolean VERBOSE = System.getenv("BENCH_VERBOSE") != null;
    private static final BulkWriteOptions ORDERED = new BulkWriteOptions().ordered(true);
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

    /**
     * Medians over rounds: replay ÷ the same writes made ahead, by CPU time and by wall-clock time; replay ÷ the
     * post-image replaces, by CPU time; and the events per CPU-second of the replay and of the same writes.
     */
    record Result(double ratio, double wallRatio, double replacesRatio, double replayEventsPerCpuSecond,
                  double sameWritesEventsPerCpuSecond) {
    }

    private ReplayRatio() {
    }

    static Result measure(List<RawBsonDocument> fromDriver, Path scratch, int warmUps, int rounds) {
        ArchiveLayout layout = new ArchiveLayout("", Compression.NONE);
        Path folder = scratch.resolve("replay-archive");
        PipelineThroughput.deleteTree(folder);
        LocalArchiveStore store = new LocalArchiveStore(folder);
        archive(fromDriver, store, layout);
        List<List<WriteModel<RawBsonDocument>>> sameWrites = sameWrites(fromDriver);
        List<List<WriteModel<RawBsonDocument>>> replaces = replaces(fromDriver);
        double[][] cpu = new double[3][rounds];
        double[][] wall = new double[3][rounds];
        try {
            List<java.util.function.Consumer<MongoDatabase>> contenders = List.of(database -> replay(store, database),
                    database -> writeAll(target(database), sameWrites), database -> writeAll(target(database), replaces));
            checkSameResult(contenders);
            for (int round = -warmUps; round < rounds; round++) {
                long[][] used = new long[3][];
                for (int k = 0; k < 3; k++) {
                    int c = Math.floorMod(k + round, 3); // each round starts with the next contender
                    used[c] = onFreshServer(contenders.get(c), database -> { });
                }
                if (VERBOSE) {
                    System.out.printf("  round %d, ms of CPU (client thread, server threads, JIT compiling) and wall: "
                            + "replay %s; "
                            + "same writes %s; replaces %s%n", round, describe(used[0]), describe(used[1]),
                            describe(used[2]));
                }
                if (round >= 0) {
                    for (int c = 0; c < 3; c++) {
                        cpu[c][round] = used[c][0];
                        wall[c][round] = used[c][1];
                    }
                }
            }
        } finally {
            PipelineThroughput.deleteTree(folder);
        }
        double[] replayCpu = cpu[0];
        return new Result(medianRatio(cpu[1], replayCpu), medianRatio(wall[1], wall[0]),
                medianRatio(cpu[2], replayCpu), fromDriver.size() / (CpuSlices.median(replayCpu) / 1e9),
                fromDriver.size() / (CpuSlices.median(cpu[1]) / 1e9));
    }

    /** The median over rounds of {@code a[i] / b[i]}. */
    private static double medianRatio(double[] a, double[] b) {
        double[] ratios = new double[a.length];
        for (int i = 0; i < a.length; i++) {
            ratios[i] = a[i] / b[i];
        }
        return CpuSlices.median(ratios);
    }

    static String describe(long[] used) {
        return String.format(java.util.Locale.ROOT, "%.0f (%.0f, %.0f, jit %.0f) %.0f", used[0] / 1e6,
                used[2] / 1e6, used[3] / 1e6, used[4] / 1e6, used[1] / 1e6);
    }

    private static void replay(LocalArchiveStore store, MongoDatabase database) {
        ReplaySummary summary = new Replayer(new ArchiveCatalog(store, ""), new MongoReplayTarget(database),
                Clock.systemUTC(), null).replay(new ReplayOptions(List.of(COLLECTION), ReplayWindow.ALL, Map.of(),
                DdlPolicy.STOP, ReplayOptions.DEFAULT_BATCH_SIZE));
        if (!summary.succeeded()) {
            throw new IllegalStateException("replay failed: " + summary.failures());
        }
    }

    private static MongoCollection<RawBsonDocument> target(MongoDatabase database) {
        return database.getCollection(COLLECTION, RawBsonDocument.class);
    }

    /**
     * Runs {@code work} on a new server with an empty database (and oplog), after a full collection, so that no
     * contender inherits another's heap or server state; then hands the database to {@code after}. Returns the
     * process CPU and wall-clock nanoseconds of {@code work}, then the CPU nanoseconds of this thread and of the
     * server's threads.
     */
    static long[] onFreshServer(java.util.function.Consumer<MongoDatabase> work,
                                        java.util.function.Consumer<MongoDatabase> after) {
        try (EmbeddedMongo server = new EmbeddedMongo(); MongoClient client = MongoClients.create(server.uri())) {
            MongoDatabase database = client.getDatabase("bench");
            database.runCommand(new BsonDocument("ping", new BsonInt32(1)));
            System.gc();
            waitForTheJitToSettle();
            long compiling = JIT.getTotalCompilationTime();
            long serverCpu = serverThreadsCpuNanos();
            long thread = CpuSlices.threadCpuNanos();
            long cpu = CpuSlices.processCpuNanos();
            long wall = System.nanoTime();
            work.accept(database);
            long[] used = {CpuSlices.processCpuNanos() - cpu, System.nanoTime() - wall,
                CpuSlices.threadCpuNanos() - thread, serverThreadsCpuNanos() - serverCpu,
                (JIT.getTotalCompilationTime() - compiling) * 1_000_000};
            after.accept(database);
            return used;
        }
    }

    /**
     * Waits (up to five seconds) until the JIT compilers have been idle for a quarter of a second. A new server and
     * client per run keep the compilers busy for many rounds (C2 took a tenth of the process's CPU time even in the
     * eleventh to twentieth rounds), and whatever they still had queued from the previous run would be charged to
     * the next contender. What a run's own code sends them while it runs stays its own.
     */
    private static void waitForTheJitToSettle() {
        long deadline = System.nanoTime() + 5_000_000_000L;
        long seen = JIT.getTotalCompilationTime();
        long quietSince = System.nanoTime();
        while (System.nanoTime() - quietSince < 250_000_000L && System.nanoTime() < deadline) {
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            long now = JIT.getTotalCompilationTime();
            if (now != seen) {
                seen = now;
                quietSince = System.nanoTime();
            }
        }
    }

    private static long serverThreadsCpuNanos() {
        long sum = 0;
        for (java.lang.management.ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith("mongo-server")) {
                sum += Math.max(0, THREADS.getThreadCpuTime(info.getThreadId()));
            }
        }
        return sum;
    }

    /** Every contender leaves the same documents behind. */
    private static void checkSameResult(List<java.util.function.Consumer<MongoDatabase>> contenders) {
        List<List<RawBsonDocument>> left = new ArrayList<>();
        for (java.util.function.Consumer<MongoDatabase> contender : contenders) {
            onFreshServer(contender, database -> left.add(target(database).find()
                    .sort(new BsonDocument("_id", new BsonInt32(1))).into(new ArrayList<>())));
        }
        for (List<RawBsonDocument> documents : left) {
            if (documents.isEmpty() || !documents.equals(left.get(0))) {
                throw new IllegalStateException("replay and the bare bulk writes left different collections ("
                        + left.get(0).size() + " and " + documents.size() + " documents)");
            }
        }
    }

    private static void writeAll(MongoCollection<RawBsonDocument> target,
                                 List<List<WriteModel<RawBsonDocument>>> batches) {
        for (List<WriteModel<RawBsonDocument>> batch : batches) {
            target.bulkWrite(batch, ORDERED);
        }
    }

    /** The writes the replay engine plans for the events ({@link WritePlanner}), made ahead, in batches. */
    private static List<List<WriteModel<RawBsonDocument>>> sameWrites(List<RawBsonDocument> events) {
        List<WriteModel<RawBsonDocument>> writes = new ArrayList<>();
        for (RawBsonDocument event : events) {
            if (WritePlanner.plan(ChangeEvent.of(event)) instanceof WritePlan.Writes planned) {
                writes.addAll(planned.models());
            }
        }
        return batches(writes);
    }

    /** Each event's post-image as a replace with upsert by {@code _id}, or its delete, made ahead, in batches. */
    private static List<List<WriteModel<RawBsonDocument>>> replaces(List<RawBsonDocument> events) {
        List<WriteModel<RawBsonDocument>> writes = new ArrayList<>();
        for (RawBsonDocument event : events) {
            BsonDocument key = event.getDocument("documentKey");
            if (event.getString("operationType").getValue().equals("delete")) {
                writes.add(new DeleteOneModel<>(key));
            } else {
                writes.add(new ReplaceOneModel<>(Filters.eq("_id", key.get("_id")),
                        (RawBsonDocument) event.getDocument("fullDocument"), UPSERT));
            }
        }
        return batches(writes);
    }

    private static List<List<WriteModel<RawBsonDocument>>> batches(List<WriteModel<RawBsonDocument>> writes) {
        List<List<WriteModel<RawBsonDocument>>> batches = new ArrayList<>();
        for (int i = 0; i < writes.size(); i += ReplayOptions.DEFAULT_BATCH_SIZE) {
            batches.add(writes.subList(i, Math.min(writes.size(), i + ReplayOptions.DEFAULT_BATCH_SIZE)));
        }
        return batches;
    }

    /** Writes the events to hour files with the archiver's writer, as capture and flush would. */
    private static void archive(List<RawBsonDocument> events, LocalArchiveStore store, ArchiveLayout layout) {
        CollectionBuffer buffer = new CollectionBuffer(new MemoryBudget(Long.MAX_VALUE), 1000, Long.MAX_VALUE);
        ExactlyOnceWriter writer = new ExactlyOnceWriter(COLLECTION, store, new LatestCheckpointOnly(),
                Leases.hold(COLLECTION, 1), layout,
                new SegmentEncoder(JsonMode.CANONICAL, Compression.NONE), Clock.systemUTC(),
                new RetryPolicy(1, Duration.ZERO, Duration.ZERO),
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()).collection(COLLECTION));
        writer.recover();
        for (RawBsonDocument event : events) {
            if (buffer.add(ChangeEvent.of(event))) {
                writer.flush(buffer, FlushTrigger.SIZE);
            }
        }
        writer.flush(buffer, FlushTrigger.SIZE);
    }
}
