package io.changestream.archiver.replay;

import io.changestream.archiver.testing.ForwardingArchiveStore;
import static io.changestream.archiver.replay.HandMadeArchive.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.MongoDatabase;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.store.StoreUnavailableException;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** The replay loop over hand-made archives: DDL policies, merged hours, damaged lines, failures and the summary. */
class ReplayerTest {
    @RegisterExtension
    static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private static int databases;

    @TempDir
    Path root;

    @Test
    void byDefaultTheReplayOfACollectionStopsBeforeADropAndSaysHowToGoOn() {
        archiveWithDrop();
        MongoDatabase target = freshDatabase();

        ReplaySummary summary = replay(target, DdlPolicy.STOP, Map.of());

        assertThat(ids(target, "people")).containsExactly(1, 2);
        assertThat(summary.succeeded()).isFalse();
        assertThat(summary.collections().get("people").stoppedAt()).hasValueSatisfying(at -> assertThat(at)
                .contains("drop"));
        assertThat(ReplaySummaryText.render(summary)).contains("--until", "--on-ddl", "STOPPED");
    }

    @Test
    void withOnDdlApplyADropEmptiesTheTargetCollectionAndLaterEventsRebuildIt() {
        archiveWithDrop();
        MongoDatabase target = freshDatabase();

        ReplaySummary summary = replay(target, DdlPolicy.APPLY, Map.of());

        assertThat(ids(target, "people")).containsExactly(3);
        assertThat(summary.succeeded()).isTrue();
        assertThat(summary.collections().get("people").applied(Operation.DROP)).isEqualTo(1);
    }

    @Test
    void withOnDdlSkipTheDropIsReportedAndTheTargetKeepsItsDocuments() {
        archiveWithDrop();
        MongoDatabase target = freshDatabase();

        ReplaySummary summary = replay(target, DdlPolicy.SKIP, Map.of());

        assertThat(ids(target, "people")).containsExactly(1, 2, 3);
        assertThat(summary.notices()).anySatisfy(n -> assertThat(n.message()).contains("skipped drop"));
    }

    @Test
    void anAppliedRenameMovesTheTargetCollectionToTheNewNameMappedThroughRename() {
        HandMadeArchive archive = new HandMadeArchive(root);
        archive.append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}"),
                event(2, 1, "{operationType: 'rename', to: {db: 'shop', coll: 'people_v2'}}"),
                event(2, 2, "{operationType: 'invalidate'}"),
                event(3, 1, "{operationType: 'insert', documentKey: {_id: 5}, fullDocument: {_id: 5}}")));
        MongoDatabase target = freshDatabase();

        replay(target, DdlPolicy.APPLY, Map.of("people", "humans", "people_v2", "humans_v2"));

        assertThat(ids(target, "humans_v2")).containsExactly(1);
        assertThat(ids(target, "humans")).containsExactly(5);
    }

    @Test
    void anHourStoredBothPlainAndGzipIsReplayedInClusterTimeOrder() {
        HandMadeArchive archive = new HandMadeArchive(root);
        archive.append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1, v: 1}}"),
                event(2, 1, "{operationType: 'update', documentKey: {_id: 1}, updateDescription: "
                        + "{updatedFields: {v: 2}, removedFields: []}}")));
        archive.append("people", Compression.GZIP, List.of(
                event(3, 1, "{operationType: 'update', documentKey: {_id: 1}, updateDescription: "
                        + "{updatedFields: {v: 3}, removedFields: []}}")));
        archive.append("people", Compression.GZIP, List.of(
                event(4, 1, "{operationType: 'update', documentKey: {_id: 1}, updateDescription: "
                        + "{updatedFields: {w: 4}, removedFields: []}}")));
        MongoDatabase target = freshDatabase();

        ReplaySummary summary = replay(target, DdlPolicy.STOP, Map.of());

        assertThat(target.getCollection("people", BsonDocument.class).find().first())
                .isEqualTo(BsonDocument.parse("{_id: 1, v: 3, w: 4}"));
        assertThat(summary.collections().get("people").files()).isEqualTo(2);
    }

    @Test
    void anUnreadableLineIsAFailureAndTheLinesAroundItAreStillApplied() {
        HandMadeArchive archive = new HandMadeArchive(root);
        BsonTimestamp hour = new BsonTimestamp(HandMadeArchive.BASE, 0);
        archive.append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}")));
        archive.appendText("people", hour, "{\"operationType\": \"insert\", \"fullDoc\n");
        archive.append("people", Compression.NONE, List.of(
                event(3, 1, "{operationType: 'insert', documentKey: {_id: 3}, fullDocument: {_id: 3}}")));
        archive.appendText("people", hour, "{\"torn");
        MongoDatabase target = freshDatabase();

        ReplaySummary summary = replay(target, DdlPolicy.STOP, Map.of());

        assertThat(ids(target, "people")).containsExactly(1, 3);
        assertThat(summary.failureCount()).isEqualTo(1);
        assertThat(summary.failures().get(0).location()).endsWith(".json:2");
        assertThat(summary.notices()).anySatisfy(n -> assertThat(n.message()).contains("torn tail of 6 bytes"));
    }

    @Test
    void aWriteTheServerRejectsIsShownWithItsLocationAndTheBatchGoesOn() {
        HandMadeArchive archive = new HandMadeArchive(root);
        archive.append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}"),
                event(2, 1, "{operationType: 'replace', documentKey: {_id: 1}, fullDocument: {_id: 9}}"),
                event(3, 1, "{operationType: 'insert', documentKey: {_id: 2}, fullDocument: {_id: 2}}")));
        MongoDatabase target = freshDatabase();

        ReplaySummary summary = replay(target, DdlPolicy.STOP, Map.of());

        assertThat(ids(target, "people")).containsExactly(1, 2);
        assertThat(summary.failures()).singleElement().satisfies(f -> {
            assertThat(f.location()).endsWith(".json:2");
            assertThat(f.operation()).isEqualTo("replace");
            assertThat(f.documentId()).isEqualTo("1");
            assertThat(f.reason()).contains("66");
        });
        assertThat(summary.collections().get("people").applied(Operation.INSERT)).isEqualTo(2);
    }

    @Test
    void theWindowAppliesEventsFromFromToUntilInclusive() {
        HandMadeArchive archive = new HandMadeArchive(root);
        List<ChangeEvent> events = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            events.add(event(i, 1, "{operationType: 'insert', documentKey: {_id: " + i + "}, fullDocument: {_id: "
                    + i + "}}"));
        }
        archive.append("people", Compression.NONE, events);
        MongoDatabase target = freshDatabase();
        ReplayWindow window = new ReplayWindow(java.util.Optional.of(ReplayWindow.parseFrom(
                HandMadeArchive.at(2).toString())), java.util.Optional.of(ReplayWindow.parseUntil(
                (HandMadeArchive.BASE + 4) + ":1")));

        new Replayer(new ArchiveCatalog(archive.store, ""), new MongoReplayTarget(target), Clock.systemUTC(), null)
                .replay(new ReplayOptions(List.of("people"), window, Map.of(), DdlPolicy.STOP, 2));

        assertThat(ids(target, "people")).containsExactly(2, 3, 4);
    }

    @Test
    @Timeout(60)
    void aStopEndsTheReadAheadEvenWhenItIsWaitingForRoomInItsQueue() {
        List<ChangeEvent> events = new ArrayList<>();
        events.add(event(1, 1, "{operationType: 'drop'}"));
        for (int i = 1; i <= 200; i++) {
            events.add(event(2, i, "{operationType: 'insert', documentKey: {_id: " + i + "}, fullDocument: {_id: "
                    + i + "}}"));
        }
        new HandMadeArchive(root).append("people", Compression.NONE, events);
        MongoDatabase target = freshDatabase();

        ReplaySummary summary = replay(target, DdlPolicy.STOP, Map.of());

        assertThat(summary.stopped()).isTrue();
        assertThat(ids(target, "people")).isEmpty();
    }

    @Test
    void aStoreThatFailsWhileReadingFailsTheReplay() {
        new HandMadeArchive(root).append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}")));
        ArchiveCatalog failing = new ArchiveCatalog(new FailingReads(new LocalArchiveStore(root)), "");

        assertThatThrownBy(() -> new Replayer(failing, new MongoReplayTarget(freshDatabase()), Clock.systemUTC(), null)
                .replay(new ReplayOptions(List.of("people"), ReplayWindow.ALL, Map.of(), DdlPolicy.STOP, 2)))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("people/");
    }

    private void archiveWithDrop() {
        new HandMadeArchive(root).append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}"),
                event(1, 2, "{operationType: 'insert', documentKey: {_id: 2}, fullDocument: {_id: 2}}"),
                event(2, 1, "{operationType: 'drop'}"),
                event(2, 2, "{operationType: 'invalidate'}"),
                event(3, 1, "{operationType: 'insert', documentKey: {_id: 3}, fullDocument: {_id: 3}}")));
    }

    private ReplaySummary replay(MongoDatabase target, DdlPolicy policy, Map<String, String> renames) {
        return new Replayer(new ArchiveCatalog(new LocalArchiveStore(root), ""),
                new MongoReplayTarget(target), Clock.systemUTC(), null)
                .replay(new ReplayOptions(List.of("people"), ReplayWindow.ALL, renames, policy, 2));
    }

    private static MongoDatabase freshDatabase() {
        return mongo.database("target" + (++databases));
    }

    private static List<Integer> ids(MongoDatabase db, String collection) {
        List<Integer> ids = new ArrayList<>();
        db.getCollection(collection, BsonDocument.class).find().sort(new BsonDocument("_id", new org.bson.BsonInt32(1)))
                .forEach(d -> ids.add(d.getInt32("_id").getValue()));
        return ids;
    }

    /** A store whose reads fail, as a store whose network went away would. */
    private static final class FailingReads extends ForwardingArchiveStore {
        FailingReads(ArchiveStore real) {
            super(real);
        }

        @Override
        public InputStream read(ArchiveFile file, long position) {
            throw new StoreUnavailableException("cannot read " + file + ": connection reset", null);
        }
    }
}
