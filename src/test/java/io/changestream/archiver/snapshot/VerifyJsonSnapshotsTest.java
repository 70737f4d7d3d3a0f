package io.changestream.archiver.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.app.Main;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotFormat;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.changestream.archiver.testing.HandMadeSnapshots;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code verify --json} carries the snapshot section the text report prints: per collection its complete and
 * incomplete snapshots, problems and notes. Before, the JSON left snapshots out although their problems set the exit
 * code, so a script saw {@code "consistent": true} beside exit 1. The top-level {@code consistent} and
 * {@code problems} now count the snapshots' too.
 */
class VerifyJsonSnapshotsTest {
    private static final SnapshotFormat PLAIN = new SnapshotFormat(Compression.NONE, JsonMode.CANONICAL);
    private static final Lease LEASE = new Lease("orders", "me", 1, Instant.parse("2099-01-01T00:00:00Z"),
            Instant.EPOCH);
    private static final SnapshotLayout LAYOUT = new SnapshotLayout(new ArchiveLayout("", Compression.NONE));

    @RegisterExtension
    final EmbeddedMongoExtension tracker = new EmbeddedMongoExtension();

    @TempDir
    Path archive;

    private SnapshotProgress snapshot(int start) throws InterruptedException {
        SnapshotWriter w = new SnapshotWriter(new ScriptedSnapshotSource().fill(50), new LocalArchiveStore(archive),
                new InMemorySnapshotProgressStore(), LAYOUT, JsonMode.CANONICAL, 600,
                new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
        return w.run(w.begin("orders", new BsonTimestamp(start, 1), LEASE), LEASE, () -> { });
    }

    /** A folder with a part and no manifest, starting at {@code start}; its id. */
    private String incomplete(int start) {
        LocalArchiveStore store = new LocalArchiveStore(archive);
        return new HandMadeSnapshots(store, new SnapshotCatalog(store, "")).incomplete("orders",
                new BsonTimestamp(start, 1));
    }

    private record Run(int exit, Document json, String text) {
    }

    private Run verifyJson() {
        // An empty tracker collection: verify refuses a tracker collection that does not exist (exit 2).
        if (!tracker.database("shop").listCollectionNames().into(new java.util.ArrayList<>())
                .contains("changestream_tracker")) {
            tracker.database("shop").createCollection("changestream_tracker");
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "TRACKER_URI", tracker.uri(),
                        "TRACKER_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders"),
                new PrintWriter(out), new PrintWriter(err), "verify", "--json");
        assertThat(err.toString()).as("stderr").isEmpty();
        return new Run(exit, Document.parse(out.toString()), out.toString());
    }

    @Test
    void jsonListsEachCollectionsCompleteAndIncompleteSnapshots() throws Exception {
        SnapshotProgress done = snapshot(100);
        String unfinished = incomplete(200);
        new MongoSnapshotProgressStore(tracker.client(), "shop", "changestream_tracker").save(SnapshotProgress
                .started("orders", unfinished, new BsonTimestamp(200, 1), PLAIN, Instant.EPOCH), LEASE);

        Run run = verifyJson();

        assertThat(run.exit()).as(run.text()).isEqualTo(Main.OK);
        assertThat(run.json().getBoolean("consistent")).as(run.text()).isTrue();
        List<Document> snapshots = run.json().getList("snapshots", Document.class);
        assertThat(snapshots).as(run.text()).hasSize(1);
        Document orders = snapshots.get(0);
        assertThat(orders.getString("collection")).isEqualTo("orders");
        assertThat(orders.getBoolean("consistent")).isTrue();
        assertThat(orders.getList("complete", String.class)).containsExactly(done.id());
        assertThat(orders.getString("newest")).isEqualTo(done.id());
        assertThat(orders.getList("incomplete", String.class)).containsExactly(unfinished);
        assertThat(orders.getList("problems", String.class)).isEmpty();
        assertThat(orders.getList("notes", String.class)).isEmpty();
    }

    @Test
    void aDamagedSnapshotPartIsAJsonProblemAndTheTopLevelVerdictAgreesWithTheExitCode() throws Exception {
        SnapshotProgress done = snapshot(100);
        Path part1 = archive.resolve(LAYOUT.part("orders", done.id(), 1).path());
        byte[] bytes = Files.readAllBytes(part1);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(part1, bytes);

        Run run = verifyJson();

        assertThat(run.exit()).as(run.text()).isEqualTo(Main.CHECK_FAILED);
        assertThat(run.json().getBoolean("consistent")).as(run.text()).isFalse();
        assertThat(run.json().get("problems", Number.class).longValue()).as(run.text()).isEqualTo(1);
        Document orders = run.json().getList("snapshots", Document.class).get(0);
        assertThat(orders.getBoolean("consistent")).isFalse();
        assertThat(orders.getList("problems", String.class)).singleElement().asString()
                .startsWith(LAYOUT.part("orders", done.id(), 1).path()).contains("SHA-256");
        assertThat(run.json().getList("collections", Document.class).get(0).getBoolean("consistent"))
                .as("the event archive itself is fine").isTrue();
    }

    @Test
    void anIncompleteFolderTheTrackerHasNoRecordOfIsANoteNamingItAndVerifyStillPasses() throws Exception {
        SnapshotProgress done = snapshot(100);
        String orphan = incomplete(200);

        Run run = verifyJson();

        assertThat(run.exit()).as(run.text()).isEqualTo(Main.OK);
        assertThat(run.json().getBoolean("consistent")).as(run.text()).isTrue();
        Document orders = run.json().getList("snapshots", Document.class).get(0);
        assertThat(orders.getList("complete", String.class)).containsExactly(done.id());
        assertThat(orders.getList("incomplete", String.class)).containsExactly(orphan);
        assertThat(orders.getList("problems", String.class)).isEmpty();
        assertThat(orders.getList("notes", String.class)).singleElement().asString()
                .startsWith("snapshot " + orphan + ": incomplete and the tracker has no record of it")
                .contains("remove the folder " + LAYOUT.folder("orders", orphan) + " by hand");
    }
}
