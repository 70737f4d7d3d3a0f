package io.changestream.archiver.replay;

import static io.changestream.archiver.replay.SnapshotServiceFixture.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.replay.SnapshotServiceFixture.Run;
import io.changestream.archiver.store.LocalArchiveStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code prune} end to end on the in-process MongoDB-wire server, set up as {@link SnapshotRestoreWireTest} does: a
 * collection filled before the archiver starts, its initial snapshot, changes, a second snapshot, more changes. Then
 * the command line: the plan changes nothing, a {@code --keep-since} before every snapshot removes nothing, and
 * {@code --apply} removes the older snapshot, after which {@code verify} passes and restores at kept times equal the
 * source.
 */
class PruneWireTest {
    private static final String DB = SnapshotServiceFixture.DB;
    private static final String COLL = SnapshotServiceFixture.COLL;
    private static final String TRACKER = SnapshotServiceFixture.TRACKER;

    @TempDir
    Path archive;

    private SnapshotServiceFixture fixture;
    private long writes;

    @BeforeEach
    void startServer() {
        fixture = new SnapshotServiceFixture(archive);
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void pruneKeepsWhatRestoresAtOrAfterKeepSinceNeedAndVerifyAndARestoreAtAKeptTimeStillPass() throws Exception {
        for (int i = 0; i < 200; i++) {
            source().insertOne(document(i));
        }
        fixture.awaitTheNextSecond(); // the fill is before capture: snapshot only
        BsonTimestamp keepSince;
        String first;
        String second;
        try (Service service = fixture.start(Map.of(), new LocalArchiveStore(archive))) {
            awaitUntil(() -> snapshots().size() == 1 && snapshots().get(0).complete());
            first = snapshots().get(0).id();
            fixture.awaitPastEndOf(snapshots().get(0));
            change(0, 30);
            fixture.awaitArchived(service, writes);
            second = service.archiver.snapshot(COLL);
            awaitUntil(() -> snapshots().size() == 2 && snapshots().stream().allMatch(SnapshotProgress::complete));
            fixture.awaitPastEndOf(snapshots().get(1));
            change(30, 60);
            fixture.awaitArchived(service, writes);
            keepSince = fixture.lastArchivedClusterTime();
            fixture.copySourceTo("expectedAtKeepSince");
            change(60, 90);
            fixture.awaitArchived(service, writes);
        }
        assertThat(first).isNotEqualTo(second);
        Map<String, Long> storeBefore = listing();
        List<Document> trackerBefore = trackerDocuments();
        String since = keepSince.getTime() + ":" + keepSince.getInc();

        Run plan = run("prune", "--keep-since", since);
        assertThat(plan.exit()).as(plan.out()).isZero();
        assertThat(plan.out()).contains("remove snapshot " + first).contains("keep snapshot " + second)
                .contains("plan only: nothing was removed");
        assertThat(listing()).as("the plan changes no file").isEqualTo(storeBefore);
        assertThat(trackerDocuments()).as("the plan changes no tracker entry").isEqualTo(trackerBefore);

        Run early = run("prune", "--keep-since", "2000-01-01T00:00:00Z", "--apply");
        assertThat(early.exit()).as(early.out()).isZero();
        assertThat(early.out()).contains("total: 0 files, 0 bytes, 0 flush-log entries");
        assertThat(listing()).as("nothing a restore needs is removed").isEqualTo(storeBefore);
        assertThat(trackerDocuments()).isEqualTo(trackerBefore);

        Run applied = run("prune", "--keep-since", since, "--apply");
        assertThat(applied.exit()).as(applied.out()).isZero();
        assertThat(listing().keySet()).noneMatch(p -> p.contains("/snapshots/" + first + "/"))
                .anyMatch(p -> p.contains("/snapshots/" + second + "/manifest.json"));

        Run verify = run("verify");
        assertThat(verify.exit()).as(verify.out()).isZero();

        assertRestores("restoredAtEnd", ReplayWindow.ALL, DB);
        assertRestores("restoredAtKeepSince", new ReplayWindow(Optional.empty(), Optional.of(keepSince)),
                "expectedAtKeepSince");
    }

    @Test
    void aKeepSinceThatIsNotATimeOrNoneAtAllIsAUsageErrorAndNothingIsRemoved() throws Exception {
        Files.writeString(archive.resolve("keep.txt"), "x");

        Run notATime = run("prune", "--keep-since", "yesterday", "--apply");
        Run missing = run("prune", "--apply");

        assertThat(notATime.exit()).as(notATime.out()).isEqualTo(Main.USAGE);
        assertThat(notATime.out()).contains("--keep-since 'yesterday' is not allowed");
        assertThat(missing.exit()).as(missing.out()).isEqualTo(Main.USAGE);
        assertThat(listing()).containsOnlyKeys("keep.txt");
    }

    private void assertRestores(String target, ReplayWindow window, String expected) {
        ReplaySummary summary = fixture.restore(target, window, SnapshotPolicy.AUTO);
        DatabaseComparison.Result result = DatabaseComparison.compare(fixture.client.getDatabase(expected),
                fixture.client.getDatabase(target), Map.of(COLL, COLL));
        assertThat(result.equalIgnoringFieldOrder()).as("%s; %s", result.differences(), summary.notices()).isTrue();
        assertThat(result.documents()).isGreaterThan(150);
    }

    // --- helpers -----------------------------------------------------------------------------------------------------

    private Run run(String... args) {
        return fixture.run(args);
    }

    private Map<String, Long> listing() throws IOException {
        Map<String, Long> files = new TreeMap<>();
        try (Stream<Path> walk = Files.walk(archive)) {
            for (Path p : walk.filter(Files::isRegularFile).toList()) {
                files.put(archive.relativize(p).toString().replace('\\', '/'), Files.size(p));
            }
        }
        return files;
    }

    private List<Document> trackerDocuments() {
        return fixture.client.getDatabase(DB).getCollection(TRACKER).find().sort(new Document("_id", 1))
                .into(new ArrayList<>());
    }

    private MongoCollection<BsonDocument> source() {
        return fixture.source();
    }

    private static BsonDocument document(int i) {
        return new BsonDocument("_id", new BsonInt32(i)).append("name", new BsonString("order " + i))
                .append("a", new BsonDocument("b", new BsonInt32(i)));
    }

    /** Changes {@code [from, to)}: an update, an insert or a delete each. */
    private void change(int from, int to) {
        for (int i = from; i < to; i++) {
            switch (i % 3) {
                case 0 -> source().updateOne(Filters.eq("_id", i), Updates.combine(Updates.set("a.b", -i),
                        Updates.inc("n", 1)));
                case 1 -> source().insertOne(document(10_000 + i));
                default -> source().deleteOne(Filters.eq("_id", i));
            }
            writes++;
        }
    }

    private List<SnapshotProgress> snapshots() {
        return fixture.snapshots();
    }
}
