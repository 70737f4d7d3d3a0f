package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import io.changestream.archiver.store.adls.DfsTestServer;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.ArchiverProcess;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black box: the archiver as its own process, killed with SIGKILL at random moments while the source keeps
 * writing, restarted each time, and finally stopped with SIGTERM (exit 0). Every insert must be in the archive
 * exactly once and in order, and {@code verify} must find the archive consistent with the tracker: on the local
 * store, and on ADLS (the in-process DFS server) while 30 % of its
 * requests fail and 10 % of its commits are answered with an error after they happened.
 */
class ProcessCrashTest {
    private static final Duration START = Duration.ofSeconds(30);
    private static final int DOCUMENTS = 400;

    @TempDir
    Path archive;

    @Test
    void onTheLocalStoreKillsAtRandomMomentsLoseAndDuplicateNothingAndSigtermExitsZero() throws Exception {
        Map<String, String> env = new HashMap<>(Map.of("ARCHIVE_LOCAL_DIR", archive.toString()));
        run(env, Integer.getInteger("crash.kills", 6), seed(), () -> { }, () -> { });
    }

    @Test
    void onAFlakyAdlsStoreTwelveKillsLoseAndDuplicateNothingAndSigtermExitsZero() throws Exception {
        try (DfsTestServer adls = DfsTestServer.start()) {
            Map<String, String> env = new HashMap<>(Map.of("ARCHIVE_STORE", "adls",
                    "AZURE_STORAGE_ACCOUNT_NAME", adls.accountName(), "AZURE_STORAGE_ACCOUNT_KEY", adls.accountKey(),
                    "AZURE_STORAGE_ENDPOINT", adls.endpoint(), "ARCHIVE_COMPRESSION", "gzip"));
            // The store's faults draw from the printed seed too, so -Dcrash.seed replays them.
            long seed = seed();
            run(env, Integer.getInteger("crash.kills", 12), seed,
                    () -> adls.faults().failRandomly(0.3, seed).loseAnswersRandomly(0.1, seed + 1),
                    () -> adls.faults().clear());
        }
    }

    /** The run's one seed, printed: the kill moments and the store's faults all derive from it. */
    private static long seed() {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("ProcessCrashTest seed: " + seed + " (rerun with -Dcrash.seed=" + seed + ")");
        return seed;
    }

    private void run(Map<String, String> storeEnv, int kills, long seed, Runnable faultsOn, Runnable faultsOff)
            throws Exception {
        try {
            killAndRestart(storeEnv, kills, new Random(seed), faultsOn, faultsOff);
        } catch (AssertionError e) {
            throw new AssertionError("ProcessCrashTest seed " + seed + " (rerun with -Dcrash.seed=" + seed + "): "
                    + e.getMessage(), e);
        }
    }

    private void killAndRestart(Map<String, String> storeEnv, int kills, Random random, Runnable faultsOn,
            Runnable faultsOff) throws Exception {
        try (EmbeddedMongo mongo = new EmbeddedMongo(); MongoClient client = MongoClients.create(mongo.uri())) {
            Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", mongo.uri(), "MONGODB_DATABASE", "shop",
                    "MONGODB_COLLECTIONS", "orders", "FLUSH_MAX_EVENTS", "7", "FLUSH_SCHEDULE", "0/2 * * * * ?",
                    "HTTP_PORT", "0", "RETRY_DELAY_MS", "50", "LOG_FORMAT", "text", "SHUTDOWN_TIMEOUT_SECONDS", "20"));
            env.putAll(storeEnv);
            MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
            Thread writer = new Thread(() -> {
                for (int i = 0; i < DOCUMENTS; i++) {
                    orders.insertOne(new Document("_id", i).append("v", "x".repeat(100)));
                    sleep(4);
                }
            }, "workload");

            ArchiverProcess process = new ArchiverProcess(env, "run");
            assertThat(process.awaitOutput("starting capture of orders", START)).as(process.output().toString()).isTrue();
            Thread.sleep(500); // let the change stream's aggregate reach the server before the workload starts
            faultsOn.run();
            writer.start();
            for (int k = 0; k < kills; k++) {
                Thread.sleep(200 + random.nextInt(900));
                process.kill();
                process = new ArchiverProcess(env, "run");
                assertThat(process.awaitOutput("starting capture of orders", START))
                        .as(String.join("\n", process.output())).isTrue();
            }
            writer.join();
            faultsOff.run();
            try (ArchiveStore store = ArchiveStores.open(ConfigLoader.load(env).store())) {
                // The scheduled flush (every 2 s) archives the rest once capture has caught up.
                long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
                while (System.nanoTime() < deadline && !archivedUpTo(store, DOCUMENTS - 1)) {
                    Thread.sleep(250);
                }
                int exit = process.terminate(Duration.ofSeconds(40));
                assertThat(exit).as("exit code after SIGTERM; output:%n%s", String.join("\n", process.output()))
                        .isZero();

                List<RawBsonDocument> events = ArchiveContents.events(store, "orders");
                ArchiveContents.assertNoDuplicates(events);
                // The first start recorded its starting operation time before any write, so even events captured
                // by a process killed before its first flush are archived: all of them, once, in order.
                assertThat(ids(events)).containsExactlyElementsOf(IntStream.range(0, DOCUMENTS).boxed().toList());
                StringWriter report = new StringWriter();
                assertThat(Main.execute(env, new PrintWriter(report), new PrintWriter(report), "verify"))
                        .as("verify after the kills:%n%s", report).isZero();
            }
        }
    }

    private static boolean archivedUpTo(ArchiveStore store, int id) {
        try {
            List<Integer> ids = ids(ArchiveContents.events(store, "orders"));
            return !ids.isEmpty() && ids.get(ids.size() - 1) == id;
        } catch (RuntimeException | AssertionError e) {
            return false; // an append under way, or a file being written: look again
        }
    }

    private static List<Integer> ids(List<RawBsonDocument> events) {
        return events.stream().map(e -> e.getDocument("fullDocument").getInt32("_id").getValue()).toList();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
