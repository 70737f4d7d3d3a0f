package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotFormat;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.changestream.archiver.testing.HandMadeSnapshots;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code snapshots} says of an incomplete snapshot folder the tracker has no record of what {@code verify} and
 * {@code prune} say: nothing will resume it and no restore uses it. The listing comes from the store and works
 * without the tracker; when the tracker is not configured or does not answer, it says that incomplete folders were
 * not held against the tracker, instead of passing over the question in silence.
 */
class SnapshotsCommandTest {
    private static final SnapshotFormat PLAIN = new SnapshotFormat(Compression.NONE, JsonMode.CANONICAL);
    private static final Lease LEASE = new Lease("orders", "me", 1, Instant.parse("2099-01-01T00:00:00Z"),
            Instant.EPOCH);
    private static final BsonTimestamp RESUMABLE = new BsonTimestamp(1_700_000_000, 1);
    private static final BsonTimestamp ORPHAN = new BsonTimestamp(1_700_000_600, 1);

    @RegisterExtension
    final EmbeddedMongoExtension tracker = new EmbeddedMongoExtension();

    @TempDir
    Path archive;

    private SnapshotCatalog catalog;
    private String resumable;
    private String orphan;
    private String complete;

    private record Run(int exit, String out, String err) {
    }

    @BeforeEach
    void oneCompleteSnapshotAndTwoIncompleteFolders() {
        LocalArchiveStore store = new LocalArchiveStore(archive);
        catalog = new SnapshotCatalog(store, "");
        HandMadeSnapshots snapshots = new HandMadeSnapshots(store, catalog);
        complete = snapshots.complete("orders", new BsonTimestamp(1_699_990_000, 1),
                new BsonTimestamp(1_699_990_060, 1)).id();
        resumable = snapshots.incomplete("orders", RESUMABLE);
        orphan = snapshots.incomplete("orders", ORPHAN);
    }

    private Run snapshots(Map<String, String> tracker) {
        Map<String, String> env = new HashMap<>(tracker);
        env.put("ARCHIVE_LOCAL_DIR", archive.toString());
        env.put("MONGODB_COLLECTIONS", "orders");
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(env, new PrintWriter(out), new PrintWriter(err), "snapshots");
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void anIncompleteFolderTheTrackerHasNoRecordOfIsNamedInANoteAndOneItRecordsIsNot() {
        new MongoSnapshotProgressStore(tracker.client(), "shop", "changestream_tracker")
                .save(SnapshotProgress.started("orders", resumable, RESUMABLE, PLAIN, Instant.EPOCH), LEASE);

        Run run = snapshots(Map.of("TRACKER_URI", tracker.uri(), "TRACKER_DATABASE", "shop"));

        assertThat(run.exit()).as(run.err()).isEqualTo(Main.OK);
        assertThat(run.out()).contains(complete).contains(resumable).contains(orphan)
                .contains("note: orders: snapshot " + orphan + ": incomplete and the tracker has no record of it, so "
                        + "nothing will resume it and no restore uses it")
                .contains("remove the folder " + catalog.layout().folder("orders", orphan) + " by hand")
                .doesNotContain("snapshot " + resumable + ": incomplete and the tracker has no record")
                .doesNotContain("the tracker was not read");
    }

    @Test
    void withoutATrackerTheListingSaysIncompleteFoldersWereNotHeldAgainstIt() {
        Run run = snapshots(Map.of());

        assertThat(run.exit()).as(run.err()).isEqualTo(Main.OK);
        assertThat(run.out()).contains(complete).contains(resumable).contains(orphan)
                .contains("note: the tracker was not read, so").contains("its settings are missing")
                .doesNotContain("has no record of it");
    }

    @Test
    void aTrackerThatDoesNotAnswerLeavesTheListingAndSaysSo() throws Exception {
        int port;
        try (ServerSocket free = new ServerSocket(0)) {
            port = free.getLocalPort();
        }

        Run run = snapshots(Map.of("TRACKER_URI", "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=200",
                "TRACKER_DATABASE", "shop"));

        assertThat(run.exit()).as(run.err()).isEqualTo(Main.OK);
        assertThat(run.out()).contains(complete).contains(resumable).contains(orphan)
                .contains("note: the tracker was not read, so").contains("did not answer")
                .doesNotContain("has no record of it");
    }
}
