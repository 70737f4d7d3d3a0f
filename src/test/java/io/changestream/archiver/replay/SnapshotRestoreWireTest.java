package io.changestream.archiver.replay;

import static io.changestream.archiver.replay.SnapshotServiceFixture.awaitUntil;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.store.StoreUnavailableException;
import io.changestream.archiver.testing.ForwardingArchiveStore;
import io.changestream.archiver.testing.RestoreWorkload;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore points end to end on the in-process MongoDB-wire server: a collection filled before the archiver starts is
 * snapshotted at its first start (SNAPSHOT_MODE=initial) while inserts, updates (type changes, array truncation),
 * replaces and deletes go on, and the snapshot plus the archived events restore it exactly (compared as BSON), at
 * the end and at a time after the snapshot's end. An interrupted snapshot resumes in the next process.
 */
class SnapshotRestoreWireTest {
    private static final String DB = SnapshotServiceFixture.DB;
    private static final String COLL = SnapshotServiceFixture.COLL;

    @TempDir
    Path archive;

    private SnapshotServiceFixture fixture;
    private MongoClient client;

    @BeforeEach
    void startServer() {
        fixture = new SnapshotServiceFixture(archive);
        client = fixture.client;
    }

    @AfterEach
    void close() {
        fixture.close();
    }

    @Test
    void aCollectionFilledBeforeTheArchiverStartsIsRestoredExactlyAtTheEndAndAtATimeAfterTheSnapshot()
            throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        RestoreWorkload workload = fill(400, random);
        Service service = start(Map.of("SNAPSHOT_MAX_MB_PER_SECOND", "1"));

        // changes while the snapshot runs
        SnapshotProgress done = writeWhile(workload,
                () -> snapshots().stream().noneMatch(SnapshotProgress::complete));
        assertThat(done.parts()).as("seed %d", seed).hasSizeGreaterThan(1);
        fixture.awaitPastEndOf(done);
        workload.change(40);
        fixture.awaitArchived(service, workload.writes());
        BsonTimestamp until = fixture.lastArchivedClusterTime();
        fixture.copySourceTo("expectedAtUntil");
        workload.change(60);
        fixture.awaitArchived(service, workload.writes());

        ReplaySummary atEnd = fixture.restore("restoredAtEnd", ReplayWindow.ALL, SnapshotPolicy.AUTO);
        DatabaseComparison.Result end = DatabaseComparison.compare(client.getDatabase(DB),
                client.getDatabase("restoredAtEnd"), Map.of(COLL, COLL));
        // Field order aside (the test server's replace does not always keep the replacement's field order, where
        // MongoDB does), every document, value and type equal, as GzipArchiveTest compares too.
        assertThat(end.equalIgnoringFieldOrder()).as("seed %d; %s; %s", seed, end.differences(), atEnd.notices())
                .isTrue();
        assertThat(end.documents()).isGreaterThan(300);
        assertThat(atEnd.notices()).anyMatch(n -> n.message().contains("restored snapshot " + done.id()));

        ReplaySummary atUntil = fixture.restore("restoredAtUntil", new ReplayWindow(Optional.empty(), Optional.of(until)),
                SnapshotPolicy.AUTO);
        DatabaseComparison.Result mid = DatabaseComparison.compare(client.getDatabase("expectedAtUntil"),
                client.getDatabase("restoredAtUntil"), Map.of(COLL, COLL));
        assertThat(mid.equalIgnoringFieldOrder()).as("seed %d; %s; %s", seed, mid.differences(), atUntil.notices())
                .isTrue();
        assertThat(atUntil.succeeded()).as("%s", atUntil.failures()).isTrue();

        ReplaySummary deltaOnly = fixture.restore("deltaOnly", ReplayWindow.ALL, SnapshotPolicy.NONE);
        assertThat(DatabaseComparison.compare(client.getDatabase(DB), client.getDatabase("deltaOnly"),
                Map.of(COLL, COLL)).count(DatabaseComparison.Kind.MISSING)).as("without the snapshot the documents "
                + "from before are missing").isPositive();
        assertThat(deltaOnly.notices()).anyMatch(n -> n.message().contains("--snapshot none")
                && n.message().contains("are not restored"));
    }

    @Test
    void aSnapshotInterruptedByAStopIsFinishedByTheCollectionsNextOwnerWithNoPartTwiceAndRestoresExactly()
            throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        RestoreWorkload workload = fill(600, random);
        Map<String, Integer> appends = new ConcurrentHashMap<>();
        // The first owner's store refuses the snapshot's second part, so however fast this machine is, the stop
        // below interrupts a snapshot that has recorded its first part and cannot have finished.
        Service first = start(Map.of("SNAPSHOT_MAX_MB_PER_SECOND", "1", "INSTANCE_ID", "first"), appends,
                path -> path.contains("/snapshots/") && path.contains("/part-00001"));
        writeWhile(workload, () -> snapshots().isEmpty() || snapshots().get(0).parts().size() < 1);
        fixture.awaitArchived(first, workload.writes());
        fixture.stop(first); // the snapshot is interrupted: its threads stop, its progress stays in the tracker
        SnapshotProgress interrupted = snapshots().get(0);
        assertThat(interrupted.complete()).as("seed %d", seed).isFalse();

        Service second = start(Map.of("INSTANCE_ID", "second"), appends); // the lease's next owner
        SnapshotProgress done = writeWhile(workload, () -> !snapshots().get(0).complete());
        fixture.awaitArchived(second, workload.writes());

        assertThat(done.id()).isEqualTo(interrupted.id());
        assertThat(client.getDatabase(DB).getCollection("changestream_tracker")
                .find(Filters.eq("type", "snapshot")).first().getString("owner")).isEqualTo("second");
        assertThat(done.parts().subList(0, interrupted.parts().size())).isEqualTo(interrupted.parts());
        assertThat(appends.entrySet()).as("every snapshot file written once").allMatch(e -> e.getValue() == 1);
        ReplaySummary summary = fixture.restore("restored", ReplayWindow.ALL, SnapshotPolicy.AUTO);
        DatabaseComparison.Result result = DatabaseComparison.compare(client.getDatabase(DB),
                client.getDatabase("restored"), Map.of(COLL, COLL));
        assertThat(result.equalIgnoringFieldOrder()).as("seed %d; %s; %s", seed, result.differences(),
                summary.notices()).isTrue();

        SnapshotServiceFixture.Run verify = fixture.run("verify");
        assertThat(verify.exit()).as(verify.out()).isZero();
        assertThat(verify.out()).contains("orders: 1 complete (newest " + done.id() + "), consistent");
    }

    @Test
    void idsRestoreTheListedDocumentsOfTheLiveCollectionToTheirStateAtUntilAndLeaveTheOthersAlone()
            throws Exception {
        fill(50, new Random(0));
        Service service = start(Map.of());
        awaitUntil(() -> !snapshots().isEmpty() && snapshots().get(0).complete());
        fixture.awaitPastEndOf(snapshots().get(0));
        source().updateOne(Filters.eq("_id", 1), Updates.set("a", "good"));
        source().deleteOne(Filters.eq("_id", 3));
        fixture.awaitArchived(service, 2);
        BsonTimestamp until = fixture.lastArchivedClusterTime();
        BsonDocument one = source().find(Filters.eq("_id", 1)).first();
        BsonDocument two = source().find(Filters.eq("_id", 2)).first();
        // the bad writes, and a good one to a document not listed
        source().updateOne(Filters.eq("_id", 1), Updates.combine(Updates.set("a", "bad"), Updates.set("oops", 1)));
        source().replaceOne(Filters.eq("_id", 2), new BsonDocument("_id", new BsonInt32(2)));
        source().insertOne(new BsonDocument("_id", new BsonInt32(3)).append("bad", BsonBoolean.TRUE));
        source().updateOne(Filters.eq("_id", 10), Updates.set("kept", "yes"));
        BsonDocument ten = source().find(Filters.eq("_id", 10)).first();
        long others = source().countDocuments();

        java.io.StringWriter out = new java.io.StringWriter();
        int exit = io.changestream.archiver.app.Main.execute(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(),
                "MONGODB_COLLECTIONS", COLL), new java.io.PrintWriter(out), new java.io.PrintWriter(out), "replay",
                "--target-uri", fixture.server.uri(), "--target-database", DB, "--until",
                until.getTime() + ":" + until.getInc(), "--ids", "1, 2, 3");

        assertThat(exit).as(out.toString()).isZero();
        assertThat(source().find(Filters.eq("_id", 1)).first()).isEqualTo(one);
        assertThat(source().find(Filters.eq("_id", 2)).first()).isEqualTo(two);
        assertThat(source().find(Filters.eq("_id", 3)).first()).as("deleted at --until").isNull();
        assertThat(source().find(Filters.eq("_id", 10)).first()).as("not listed: untouched").isEqualTo(ten);
        assertThat(source().countDocuments()).isEqualTo(others - 1);
    }

    // --- the source, its workload and the service ---------------------------------------------------------------

    private MongoCollection<BsonDocument> source() {
        return fixture.source();
    }

    /** Fills the source with {@code count} documents of every type before the archiver starts. */
    private RestoreWorkload fill(int count, Random random) throws InterruptedException {
        RestoreWorkload workload = new RestoreWorkload(source(), random);
        workload.fill(count);
        fixture.awaitTheNextSecond();
        return workload;
    }

    /** Changes the source until {@code going} turns false; returns the snapshot then. */
    private SnapshotProgress writeWhile(RestoreWorkload workload, BooleanSupplier going) {
        long deadline = System.nanoTime() + SnapshotServiceFixture.PATIENCE.toNanos();
        while (going.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the snapshot did not get there: " + snapshots());
            }
            workload.change();
        }
        return snapshots().get(0);
    }

    private List<SnapshotProgress> snapshots() {
        return fixture.snapshots();
    }

    private Service start(Map<String, String> extra) {
        return start(extra, new ConcurrentHashMap<>());
    }

    private Service start(Map<String, String> extra, Map<String, Integer> snapshotAppends) {
        return start(extra, snapshotAppends, path -> false);
    }

    private Service start(Map<String, String> extra, Map<String, Integer> snapshotAppends,
                          Predicate<String> refused) {
        return fixture.start(extra, new CountingStore(new LocalArchiveStore(archive), snapshotAppends, refused));
    }

    /** Counts appends to snapshot files, across processes. */
    private static final class CountingStore extends ForwardingArchiveStore {
        private final Map<String, Integer> appends;
        private final Predicate<String> refused;

        CountingStore(ArchiveStore delegate, Map<String, Integer> appends, Predicate<String> refused) {
            super(delegate);
            this.appends = appends;
            this.refused = refused;
        }

        @Override
        public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
            if (refused.test(file.path())) {
                throw new StoreUnavailableException("refused by the test: " + file.path(), null);
            }
            long end = delegate.append(file, position, data, offset, length);
            if (file.path().contains("/snapshots/")) {
                appends.merge(file.path(), 1, Integer::sum);
            }
            return end;
        }

    }
}
