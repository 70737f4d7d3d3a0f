package io.changestream.archiver.replay;

import static io.changestream.archiver.replay.HandMadeArchive.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.WriteModel;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.replay.ReplayTarget.BulkOutcome;
import io.changestream.archiver.replay.ReplayTarget.WriteFailure;
import io.changestream.archiver.snapshot.ReadThrottle;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotSource;
import io.changestream.archiver.snapshot.SnapshotWriter;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which snapshot a restore uses, which window of events follows it, and how a path conflict inside the snapshot's
 * window is treated, with a hand-made archive and a target that refuses every update as {@code PathNotViable}.
 */
class SnapshotWindowTest {
    private static final int BASE = HandMadeArchive.BASE;

    @TempDir
    Path root;

    /** A snapshot of {@code people} holding {_id: 1, a: "str"}, started at BASE+1 and ended at BASE+5. */
    private SnapshotProgress snapshot(HandMadeArchive archive) throws InterruptedException {
        SnapshotSource source = new SnapshotSource() {
            @Override
            public BsonTimestamp operationTime() {
                return new BsonTimestamp(BASE + 5, 1);
            }

            @Override
            public long estimatedCount(String collection) {
                return 1;
            }

            @Override
            public Documents documents(String collection, Optional<BsonValue> after, BsonTimestamp atLeast) {
                return Documents.of((after.isPresent() ? List.<RawBsonDocument>of()
                        : List.of(new RawBsonDocument(BsonDocument.parse("{_id: 1, a: 'str'}"),
                        new BsonDocumentCodec()))).iterator(), () -> { });
            }
        };
        Lease lease = new Lease("people", "me", 1, Instant.parse("2099-01-01T00:00:00Z"), Instant.EPOCH);
        SnapshotWriter writer = new SnapshotWriter(source, archive.store, new InMemorySnapshotProgressStore(),
                new SnapshotLayout(new ArchiveLayout("", Compression.NONE)), JsonMode.CANONICAL, 1 << 16,
                new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
        return writer.run(writer.begin("people", new BsonTimestamp(BASE + 1, 1), lease), lease, () -> { });
    }

    @Test
    void aPathConflictInsideTheSnapshotWindowIsSkippedAsTheSnapshotsNewerState() throws Exception {
        HandMadeArchive archive = new HandMadeArchive(root);
        archive.append("people", Compression.NONE, List.of(
                event(0, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1, a: {b: 0}}}"),
                event(2, 1, "{operationType: 'update', documentKey: {_id: 1}, updateDescription: "
                        + "{updatedFields: {'a.b': 1}, removedFields: []}}"),
                event(3, 1, "{operationType: 'update', documentKey: {_id: 1}, updateDescription: "
                        + "{updatedFields: {a: 'str'}, removedFields: []}}")));
        SnapshotProgress snap = snapshot(archive);
        RecordingTarget target = new RecordingTarget(SnapshotWindowTest::refuseEveryUpdate);

        ReplaySummary summary = new Replayer(new ArchiveCatalog(archive.store, ""), target, Clock.systemUTC(), null)
                .replay(new ReplayOptions(List.of("people"), ReplayWindow.ALL, Map.of(), DdlPolicy.STOP, 100,
                        Optional.of(SnapshotPolicy.AUTO)));

        assertThat(target.inserted).hasSize(1);
        assertThat(summary.notices()).anyMatch(n -> n.message().contains("restored snapshot " + snap.id()));
        // the insert at BASE+0 is before T0: not applied again; both updates are inside [T0, end]
        assertThat(summary.collections().get("people").events()).isEqualTo(2);
        assertThat(summary.collections().get("people").skipReasons())
                .containsKey("path conflicts with the snapshot's newer state of the document (inside the snapshot "
                        + "window, where the later change is applied too)");
    }

    @Test
    void anUntilBeforeTheSnapshotsEndRestoresWithoutItAndSaysSo() throws Exception {
        HandMadeArchive archive = new HandMadeArchive(root);
        archive.append("people", Compression.NONE, List.of(
                event(0, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1, a: {b: 0}}}")));
        snapshot(archive);
        RecordingTarget target = new RecordingTarget(SnapshotWindowTest::refuseEveryUpdate);

        ReplaySummary summary = new Replayer(new ArchiveCatalog(archive.store, ""), target, Clock.systemUTC(), null)
                .replay(new ReplayOptions(List.of("people"), new ReplayWindow(Optional.empty(),
                        Optional.of(new BsonTimestamp(BASE + 4, 1))), Map.of(), DdlPolicy.STOP, 100,
                        Optional.of(SnapshotPolicy.AUTO)));

        assertThat(target.inserted).isEmpty();
        assertThat(summary.notices()).anyMatch(n -> n.message().contains("no snapshot used")
                && n.message().contains("are not restored"));
    }

    /** Every update fails as PathNotViable; replaces and deletes succeed. */
    private static BulkOutcome refuseEveryUpdate(String collection, List<WriteModel<RawBsonDocument>> writes) {
        List<WriteFailure> failures = new ArrayList<>();
        for (int i = 0; i < writes.size(); i++) {
            if (writes.get(i) instanceof UpdateOneModel) {
                failures.add(new WriteFailure(i, Replayer.PATH_NOT_VIABLE, "Cannot create field 'b'"));
            }
        }
        return new BulkOutcome(0, 0, 0, failures, false);
    }
}
