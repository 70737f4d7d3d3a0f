package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.ArchiverProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black box: the archiver as its own process, killed with SIGKILL at random moments while the source keeps
 * writing, restarted each time, and finally stopped with SIGTERM. Every insert must be in the archive exactly once
 * and in order.
 */
class ProcessCrashTest {
    private static final Duration START = Duration.ofSeconds(30);

    @TempDir
    Path archive;

    @Test
    void killedAtRandomMomentsAndRestartedTheArchiveHoldsEveryEventExactlyOnceAndSigtermExitsZero()
            throws Exception {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        Random random = new Random(seed);
        System.out.println("ProcessCrashTest seed: " + seed + " (rerun with -Dcrash.seed=" + seed + ")");
        int kills = Integer.getInteger("crash.kills", 4);
        int documents = 400;
        try (EmbeddedMongo mongo = new EmbeddedMongo(); MongoClient client = MongoClients.create(mongo.uri())) {
            Map<String, String> env = Map.of("MONGODB_URI", mongo.uri(), "MONGODB_DATABASE", "shop",
                    "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                    "FLUSH_MAX_EVENTS", "7", "FLUSH_SCHEDULE", "0/2 * * * * ?", "HTTP_PORT", "0",
                    "RETRY_DELAY_MS", "50", "LOG_FORMAT", "text", "SHUTDOWN_TIMEOUT_SECONDS", "20");
            MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
            AtomicInteger written = new AtomicInteger();
            Thread writer = new Thread(() -> {
                for (int i = 0; i < documents; i++) {
                    orders.insertOne(new Document("_id", i).append("v", "x".repeat(100)));
                    written.incrementAndGet();
                    sleep(4);
                }
            }, "workload");

            ArchiverProcess process = new ArchiverProcess(env, "run");
            assertThat(process.awaitOutput("starting capture of orders", START)).as(process.output().toString()).isTrue();
            Thread.sleep(500); // let the change stream's aggregate reach the server before the workload starts
            writer.start();
            for (int k = 0; k < kills; k++) {
                Thread.sleep(200 + random.nextInt(900));
                process.kill();
                process = new ArchiverProcess(env, "run");
                assertThat(process.awaitOutput("starting capture of orders", START)).isTrue();
            }
            writer.join();
            // The scheduled flush (every 2 s) archives the rest once capture has caught up.
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < deadline && !archived(documents - 1)) {
                Thread.sleep(200);
            }
            int exit = process.terminate(Duration.ofSeconds(40));
            assertThat(exit).as("exit code after SIGTERM; output:%n%s", String.join("\n", process.output()))
                    .isZero();

            List<RawBsonDocument> events = ArchiveContents.events(archive, "orders");
            ArchiveContents.assertNoDuplicates(events);
            List<Integer> ids = events.stream().map(e -> e.getDocument("fullDocument").getInt32("_id").getValue())
                    .toList();
            // The first start recorded its starting operation time before any write, so even events captured
            // by a process killed before its first flush are archived: all of them, once, in order.
            assertThat(ids).containsExactlyElementsOf(IntStream.range(0, documents).boxed().toList());
        }
    }

    private boolean archived(int id) {
        List<RawBsonDocument> events = ArchiveContents.events(archive, "orders");
        return !events.isEmpty()
                && events.get(events.size() - 1).getDocument("fullDocument").getInt32("_id").getValue() == id;
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
