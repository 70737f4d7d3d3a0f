package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotPart;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.replay.DatabaseComparison;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import io.changestream.archiver.store.adls.DfsTestServer;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.ArchiverProcess;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Black box: the initial snapshot of a collection filled before the archiver starts (many 64 KiB parts, read at
 * 1 MB/s), while the process is killed with SIGKILL at seeded random moments and restarted, with updates, inserts
 * and deletes going on. Then it is let finish and stopped with SIGTERM (exit 0). The tracker holds exactly one
 * snapshot, complete; the store holds exactly its recorded parts and one manifest listing them (lengths and
 * SHA-256 equal), every document once in {@code _id} order; {@code verify} passes; {@code replay} into a second
 * database equals the source. Only kills that land while the snapshot runs count, and the process is killed until
 * that many have: the suite's three runs make 20 (7 local plain, 7 local gzip, 6 on ADLS with lost commit answers);
 * {@code -Dcrash.kills=N} makes N per store, {@code -Dcrash.seed} replays a run.
 */
class SnapshotProcessCrashTest {
    private static final Duration START = Duration.ofSeconds(60);
    private static final String COLL = "orders";
    /** Inserted last: once its event is archived, so is every change before it. */
    private static final int LAST = Integer.MAX_VALUE;

    @TempDir
    Path archive;

    @Test
    void onTheLocalStoreAPlainSnapshotKilledAtRandomMomentsFinishesWithEveryPartOnceAndRestoresEqual()
            throws Exception {
        run(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "ARCHIVE_COMPRESSION", "none"), kills(7), () -> { });
    }

    @Test
    void onTheLocalStoreAGzipSnapshotKilledAtRandomMomentsFinishesWithEveryPartOnceAndRestoresEqual()
            throws Exception {
        run(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "ARCHIVE_COMPRESSION", "gzip"), kills(7), () -> { });
    }

    @Test
    void onAdlsWithLostCommitAnswersAGzipSnapshotKilledAtRandomMomentsFinishesWithEveryPartOnceAndRestoresEqual()
            throws Exception {
        try (DfsTestServer adls = DfsTestServer.start()) {
            long seed = seed();
            // a tenth of the commits are applied and answered 503: settled by reading back, never written twice
            run(Map.of("ARCHIVE_STORE", "adls", "AZURE_STORAGE_ACCOUNT_NAME", adls.accountName(),
                    "AZURE_STORAGE_ACCOUNT_KEY", adls.accountKey(), "AZURE_STORAGE_ENDPOINT", adls.endpoint(),
                    "ARCHIVE_COMPRESSION", "gzip"), kills(6), seed, () -> adls.faults().loseAnswersRandomly(0.1, seed));
            assertThat(adls.faults().injectedFailures()).isPositive();
        }
    }

    private static int kills(int suite) {
        return Integer.getInteger("crash.kills", suite);
    }

    private static long seed() {
        long seed = Long.getLong("crash.seed", System.nanoTime());
        System.out.println("SnapshotProcessCrashTest seed: " + seed + " (rerun with -Dcrash.seed=" + seed + ")");
        return seed;
    }

    private void run(Map<String, String> storeEnv, int kills, Runnable faultsOn) throws Exception {
        run(storeEnv, kills, seed(), faultsOn);
    }

    private void run(Map<String, String> storeEnv, int kills, long seed, Runnable faultsOn) throws Exception {
        try {
            killAndRestart(storeEnv, kills, new Random(seed), faultsOn);
        } catch (AssertionError e) {
            throw new AssertionError("SnapshotProcessCrashTest seed " + seed + " (rerun with -Dcrash.seed=" + seed
                    + "): " + e.getMessage(), e);
        }
    }

    private void killAndRestart(Map<String, String> storeEnv, int kills, Random random, Runnable faultsOn)
            throws Exception {
        try (EmbeddedMongo mongo = new EmbeddedMongo(); MongoClient client = MongoClients.create(mongo.uri())) {
            Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", mongo.uri(), "MONGODB_DATABASE", "shop",
                    "MONGODB_COLLECTIONS", COLL, "FLUSH_SCHEDULE", "0/2 * * * * ?", "HTTP_PORT", "0",
                    "RETRY_DELAY_MS", "50", "LOG_FORMAT", "text", "SHUTDOWN_TIMEOUT_SECONDS", "20",
                    "SNAPSHOT_MODE", "initial", "SNAPSHOT_PART_BYTES", "65536"));
            env.put("SNAPSHOT_MAX_MB_PER_SECOND", "1");
            env.putAll(storeEnv);
            MongoCollection<Document> orders = client.getDatabase("shop").getCollection(COLL);
            // About 1 KB each, read at 1 MB/s: 2.5 s of reading per kill, while a process lives 0.3 to 1.8 s before
            // it is killed, so the snapshot outlasts the kills.
            int documents = 2500 * Math.max(3, kills);
            List<Document> batch = new ArrayList<>();
            for (int i = 0; i < documents; i++) {
                batch.add(new Document("_id", i).append("n", i).append("pad", "p".repeat(900 + i % 100)));
                if (batch.size() == 500) {
                    orders.insertMany(batch);
                    batch.clear();
                }
            }
            AtomicBoolean stop = new AtomicBoolean();
            Random workloadRandom = new Random(random.nextLong());
            Thread workload = new Thread(() -> {
                int next = documents;
                while (!stop.get()) {
                    int id = workloadRandom.nextInt(documents);
                    switch (workloadRandom.nextInt(4)) {
                        case 0 -> orders.insertOne(new Document("_id", next++).append("n", 0));
                        case 1 -> orders.deleteOne(Filters.eq("_id", id));
                        case 2 -> orders.updateOne(Filters.eq("_id", id), Updates.set("pad", "short"));
                        default -> orders.updateOne(Filters.eq("_id", id), Updates.inc("n", 1));
                    }
                    sleep(20);
                }
            }, "workload");

            MongoSnapshotProgressStore tracker = new MongoSnapshotProgressStore(client, "shop",
                    "changestream_tracker");
            List<Integer> partsAtKills = new ArrayList<>();
            ArchiverProcess process = new ArchiverProcess(env, "run");
            assertThat(process.awaitOutput("starting capture of " + COLL, START))
                    .as(String.join("\n", process.output())).isTrue();
            faultsOn.run();
            workload.start();
            for (int k = 0; partsAtKills.size() < kills; k++) {
                Thread.sleep(300 + random.nextInt(1500));
                process.kill();
                List<SnapshotProgress> running = tracker.snapshots(COLL).stream().filter(p -> !p.complete()).toList();
                assertThat(running).as("the snapshot still running at kill %d, after %d that landed during it (a "
                        + "collection too small for %d kills)", k + 1, partsAtKills.size(), kills).isNotEmpty();
                running.forEach(p -> partsAtKills.add(p.parts().size()));
                process = new ArchiverProcess(env, "run");
                assertThat(process.awaitOutput("starting capture of " + COLL, START))
                        .as(String.join("\n", process.output())).isTrue();
            }
            stop.set(true);
            workload.join();
            orders.insertOne(new Document("_id", LAST));
            ArchiverConfig config = ConfigLoader.load(env);
            try (ArchiveStore store = ArchiveStores.open(config.store())) {
                long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                while (System.nanoTime() < deadline && !(archivedLast(store) && tracker.snapshots(COLL).stream()
                        .allMatch(SnapshotProgress::complete))) {
                    Thread.sleep(250);
                }
                int exit = process.terminate(Duration.ofSeconds(40));
                String output = String.join("\n", process.output());
                assertThat(exit).as("exit code after SIGTERM; output:%n%s", output).isZero();

                List<SnapshotProgress> snapshots = tracker.snapshots(COLL);
                assertThat(snapshots).as("one snapshot in the tracker; output:%n%s", output).hasSize(1);
                SnapshotProgress done = snapshots.get(0);
                assertThat(done.complete()).as("the snapshot completed; output:%n%s", output).isTrue();
                assertThat(done.parts()).hasSizeGreaterThan(10);
                System.out.println("SnapshotProcessCrashTest: " + kills + " kills, " + partsAtKills.size()
                        + " during the snapshot, at recorded parts " + partsAtKills + " of " + done.parts().size());
                assertThat(partsAtKills).as("kills that landed during the snapshot").hasSize(kills);
                checkStore(store, config, done);

                StringWriter report = new StringWriter();
                assertThat(Main.execute(env, new PrintWriter(report), new PrintWriter(report), "verify"))
                        .as("verify after the kills:%n%s", report).isZero();
                StringWriter replay = new StringWriter();
                assertThat(Main.execute(env, new PrintWriter(replay), new PrintWriter(replay), "replay",
                        "--target-uri", mongo.uri(), "--target-database", "restored")).as("%s", replay).isZero();
                assertThat(replay.toString()).contains("snapshot " + done.id());
                DatabaseComparison.Result result = DatabaseComparison.compare(client.getDatabase("shop"),
                        client.getDatabase("restored"), Map.of(COLL, COLL));
                assertThat(result.equalIgnoringFieldOrder()).as("%s%n%s", result.differences(), replay).isTrue();
                assertThat(result.documents()).isGreaterThan(documents / 2);
            }
        }
    }

    /** Exactly the recorded parts and one manifest listing them; every document once, in _id order. */
    private static void checkStore(ArchiveStore store, ArchiverConfig config, SnapshotProgress done) {
        SnapshotLayout layout = new SnapshotLayout(new ArchiveLayout(config.store().prefix(),
                config.store().compression()));
        List<ArchiveFile> files = store.list(layout.folder(COLL));
        List<ArchiveFile> manifests = files.stream().filter(f -> f.path().endsWith("/manifest.json")).toList();
        assertThat(manifests).as("%s", files).containsExactly(layout.manifest(COLL, done.id()));
        assertThat(files).as("nothing but the recorded parts and the manifest").hasSize(done.parts().size() + 1);
        SnapshotManifest manifest = SnapshotManifest.parse(read(store, manifests.get(0)));
        assertThat(manifest.parts()).hasSize(done.parts().size());
        ExtendedJsonDecoder decoder = new ExtendedJsonDecoder();
        BsonValue previous = null;
        long count = 0;
        for (SnapshotPart recorded : done.parts()) {
            ArchiveFile file = layout.part(COLL, done.id(), recorded.number());
            byte[] data = read(store, file);
            SnapshotManifest.Part listed = manifest.parts().get(recorded.number());
            assertThat(listed.file()).isEqualTo(SnapshotLayout.partName(recorded.number(),
                    config.store().compression()));
            assertThat(new long[] {data.length, listed.bytes(), listed.documents()}).as("%s", file)
                    .containsExactly(recorded.bytes(), recorded.bytes(), recorded.documents());
            assertThat(SegmentEncoder.sha256Hex(data, 0, data.length)).as("%s", file).isEqualTo(recorded.sha256())
                    .isEqualTo(listed.sha256());
            ArchiveLines.Units units = ArchiveLines.split(data, config.store().compression());
            assertThat(units.completeLength()).as("%s complete", file).isEqualTo(data.length);
            for (ArchiveLines.Unit unit : units.units()) {
                for (byte[] line : unit.lines()) {
                    BsonValue id = decoder.decodeLine(line, 0, line.length).get("_id");
                    assertThat(previous == null || previous.asInt32().getValue() < id.asInt32().getValue())
                            .as("%s: _id %s after %s (a document twice means a part twice)", file, id, previous)
                            .isTrue();
                    previous = id;
                    count++;
                }
            }
            assertThat(previous).as("%s ends at its recorded last _id", file).isEqualTo(recorded.lastId());
        }
        assertThat(count).isEqualTo(done.documents()).isEqualTo(manifest.documents());
    }

    private static boolean archivedLast(ArchiveStore store) {
        try {
            List<RawBsonDocument> events = ArchiveContents.events(store, COLL);
            return !events.isEmpty() && events.get(events.size() - 1).getDocument("documentKey").get("_id")
                    .equals(new org.bson.BsonInt32(LAST));
        } catch (RuntimeException | AssertionError e) {
            return false; // a file being written: look again
        }
    }

    private static byte[] read(ArchiveStore store, ArchiveFile file) {
        try (InputStream in = store.read(file, 0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
