package io.changestream.archiver.bench;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
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
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;

/**
 * Replay's apply rate relative to a bare bulk write of the same documents to the same server.
 *
 * <p>The events are first archived with the archiver's own writer (canonical JSON lines in hour files of a
 * {@link LocalArchiveStore}). Then, on one {@link EmbeddedMongo} server, two contenders each rebuild the collection
 * from empty, in alternating rounds (the order flips every round):
 * <ul>
 *   <li><b>replay</b>: from the archive files: read, split into lines, decode, plan, ordered bulk writes of 1000
 *       ({@link InterimReplayPath}, until the replay engine is on main);</li>
 *   <li><b>bare</b>: the same events' documents already in memory as the driver hands them over, written as
 *       ordered bulk writes of 1000: each insert, update and replace as a replace of its post-image
 *       ({@code fullDocument}) by {@code _id} with upsert, each delete as a delete by {@code documentKey}. No
 *       reading, no decoding, no planning: the server's share alone.</li>
 * </ul>
 * Both leave the same documents behind (checked). Cost is the process's CPU time (client, embedded server and GC
 * together, all in this JVM), so other work on a shared machine does not count; the ratio of each round is
 * bare CPU time ÷ replay CPU time (the same number of events, so apply rate ÷ bare rate), and the result is the
 * median over rounds. The wall-clock ratio is reported next to it.
 */
final class ReplayRatio {
    private static final String COLLECTION = "orders";
    private static final BulkWriteOptions ORDERED = new BulkWriteOptions().ordered(true);
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** Median CPU-time ratio, median wall-clock ratio, and the replay's events per CPU-second. */
    record Result(double ratio, double wallRatio, double replayEventsPerCpuSecond, double bareEventsPerCpuSecond) {
    }

    private ReplayRatio() {
    }

    static Result measure(List<RawBsonDocument> fromDriver, Path scratch, int warmUps, int rounds) {
        ArchiveLayout layout = new ArchiveLayout("", Compression.NONE);
        Path folder = scratch.resolve("replay-archive");
        PipelineThroughput.deleteTree(folder);
        LocalArchiveStore store = new LocalArchiveStore(folder);
        archive(fromDriver, store, layout);
        List<List<WriteModel<BsonDocument>>> bare = bareWrites(fromDriver);
        double[] ratios = new double[rounds];
        double[] wallRatios = new double[rounds];
        double[] replayCpu = new double[rounds];
        double[] bareCpu = new double[rounds];
        try (EmbeddedMongo server = new EmbeddedMongo(); MongoClient client = MongoClients.create(server.uri())) {
            MongoCollection<BsonDocument> target = client.getDatabase("bench").getCollection(COLLECTION,
                    BsonDocument.class);
            checkSameResult(target, store, layout, bare);
            for (int round = -warmUps; round < rounds; round++) {
                long[] replay = new long[2];
                long[] plain = new long[2];
                if ((round & 1) == 0) {
                    timed(target, () -> InterimReplayPath.replay(store, layout, COLLECTION, target), replay);
                    timed(target, () -> writeAll(target, bare), plain);
                } else {
                    timed(target, () -> writeAll(target, bare), plain);
                    timed(target, () -> InterimReplayPath.replay(store, layout, COLLECTION, target), replay);
                }
                if (round >= 0) {
                    ratios[round] = plain[0] / (double) replay[0];
                    wallRatios[round] = plain[1] / (double) replay[1];
                    replayCpu[round] = replay[0];
                    bareCpu[round] = plain[0];
                }
            }
        } finally {
            PipelineThroughput.deleteTree(folder);
        }
        return new Result(CpuSlices.median(ratios), CpuSlices.median(wallRatios),
                fromDriver.size() / (CpuSlices.median(replayCpu) / 1e9),
                fromDriver.size() / (CpuSlices.median(bareCpu) / 1e9));
    }

    /** Empties the target, then runs {@code work}; puts its process CPU and wall-clock nanoseconds into {@code into}. */
    private static void timed(MongoCollection<BsonDocument> target, Runnable work, long[] into) {
        target.drop();
        long cpu = OS.getProcessCpuTime();
        long wall = System.nanoTime();
        work.run();
        into[0] = OS.getProcessCpuTime() - cpu;
        into[1] = System.nanoTime() - wall;
    }

    private static void checkSameResult(MongoCollection<BsonDocument> target, LocalArchiveStore store,
                                        ArchiveLayout layout, List<List<WriteModel<BsonDocument>>> bare) {
        target.drop();
        InterimReplayPath.replay(store, layout, COLLECTION, target);
        List<BsonDocument> replayed = target.find().sort(new BsonDocument("_id", new org.bson.BsonInt32(1)))
                .into(new ArrayList<>());
        target.drop();
        writeAll(target, bare);
        List<BsonDocument> written = target.find().sort(new BsonDocument("_id", new org.bson.BsonInt32(1)))
                .into(new ArrayList<>());
        if (!replayed.equals(written)) {
            throw new IllegalStateException("replay and the bare bulk write left different collections ("
                    + replayed.size() + " and " + written.size() + " documents)");
        }
    }

    private static void writeAll(MongoCollection<BsonDocument> target, List<List<WriteModel<BsonDocument>>> batches) {
        for (List<WriteModel<BsonDocument>> batch : batches) {
            target.bulkWrite(batch, ORDERED);
        }
    }

    private static List<List<WriteModel<BsonDocument>>> bareWrites(List<RawBsonDocument> events) {
        List<List<WriteModel<BsonDocument>>> batches = new ArrayList<>();
        List<WriteModel<BsonDocument>> batch = new ArrayList<>();
        for (RawBsonDocument event : events) {
            BsonDocument key = event.getDocument("documentKey");
            if (event.getString("operationType").getValue().equals("delete")) {
                batch.add(new DeleteOneModel<>(key));
            } else {
                batch.add(new ReplaceOneModel<>(Filters.eq("_id", key.get("_id")), event.getDocument("fullDocument"),
                        UPSERT));
            }
            if (batch.size() == InterimReplayPath.BATCH_SIZE) {
                batches.add(batch);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            batches.add(batch);
        }
        return batches;
    }

    /** Writes the events to hour files with the archiver's writer, as capture and flush would. */
    private static void archive(List<RawBsonDocument> events, LocalArchiveStore store, ArchiveLayout layout) {
        CollectionBuffer buffer = new CollectionBuffer(new MemoryBudget(Long.MAX_VALUE), 1000, Long.MAX_VALUE);
        ExactlyOnceWriter writer = new ExactlyOnceWriter(COLLECTION, store, new InMemoryCheckpointStore(), layout,
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
