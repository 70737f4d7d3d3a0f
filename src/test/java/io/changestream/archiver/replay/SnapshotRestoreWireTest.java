package io.changestream.archiver.replay;

import io.changestream.archiver.testing.ForwardingArchiveStore;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.store.StoreUnavailableException;
import io.changestream.archiver.testing.ArchiveContents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restore points end to end on the in-process MongoDB-wire server: a collection filled before the archiver starts is
 * snapshotted at its first start (SNAPSHOT_MODE=initial) while inserts, updates (type changes, array truncation),
 * replaces and deletes go on, and the snapshot plus the archived events restore it exactly (compared as BSON), at
 * the end and at a time after the snapshot's end. An interrupted snapshot resumes in the next process.
 */
class SnapshotRestoreWireTest {
    private static final String DB = "shop";
    private static final String COLL = "orders";
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path archive;

    private final EmbeddedMongo server = new EmbeddedMongo();
    private final MongoClient client = MongoClients.create(server.uri());
    private final List<Service> services = new ArrayList<>();
    private final AtomicLong writes = new AtomicLong();

    @AfterEach
    void close() {
        services.forEach(Service::close);
        client.close();
        server.close();
    }

    @Test
    void aCollectionFilledBeforeTheArchiverStartsIsRestoredExactlyAtTheEndAndAtATimeAfterTheSnapshot()
            throws Exception {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        List<Integer> alive = fill(400);
        Service service = start(archive, Map.of("SNAPSHOT_MAX_MB_PER_SECOND", "1"));

        // changes while the snapshot runs
        SnapshotProgress done = writeWhile(random, alive, () -> snapshots().stream().noneMatch(SnapshotProgress::complete));
        assertThat(done.parts()).as("seed %d", seed).hasSizeGreaterThan(1);
        awaitUntil(() -> Instant.now().getEpochSecond() > done.end().orElseThrow().getTime() + 1);
        for (int i = 0; i < 40; i++) {
            change(random, alive);
        }
        awaitArchived(service);
        BsonTimestamp until = lastArchivedClusterTime();
        copy(source(), client.getDatabase("expectedAtUntil").getCollection(COLL, BsonDocument.class));
        for (int i = 0; i < 60; i++) {
            change(random, alive);
        }
        awaitArchived(service);

        ReplaySummary atEnd = replay("restoredAtEnd", ReplayWindow.ALL, SnapshotPolicy.AUTO);
        DatabaseComparison.Result end = DatabaseComparison.compare(client.getDatabase(DB),
                client.getDatabase("restoredAtEnd"), Map.of(COLL, COLL));
        // Field order aside (the test server's replace does not always keep the replacement's field order, where
        // MongoDB does), every document, value and type equal, as GzipArchiveTest compares too.
        assertThat(end.equalIgnoringFieldOrder()).as("seed %d; %s; %s", seed, end.differences(), atEnd.notices())
                .isTrue();
        assertThat(end.documents()).isGreaterThan(300);
        assertThat(atEnd.notices()).anyMatch(n -> n.message().contains("restored snapshot " + done.id()));

        ReplaySummary atUntil = replay("restoredAtUntil", new ReplayWindow(Optional.empty(), Optional.of(until)),
                SnapshotPolicy.AUTO);
        DatabaseComparison.Result mid = DatabaseComparison.compare(client.getDatabase("expectedAtUntil"),
                client.getDatabase("restoredAtUntil"), Map.of(COLL, COLL));
        assertThat(mid.equalIgnoringFieldOrder()).as("seed %d; %s; %s", seed, mid.differences(), atUntil.notices())
                .isTrue();
        assertThat(atUntil.succeeded()).as("%s", atUntil.failures()).isTrue();

        ReplaySummary deltaOnly = replay("deltaOnly", ReplayWindow.ALL, SnapshotPolicy.NONE);
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
        List<Integer> alive = fill(600);
        Map<String, Integer> appends = new ConcurrentHashMap<>();
        // The first owner's store refuses the snapshot's second part, so however fast this machine is, the stop
        // below interrupts a snapshot that has recorded its first part and cannot have finished.
        Service first = start(archive, Map.of("SNAPSHOT_MAX_MB_PER_SECOND", "1", "INSTANCE_ID", "first"), appends,
                path -> path.contains("/snapshots/") && path.contains("/part-00001"));
        writeWhile(random, alive, () -> snapshots().isEmpty() || snapshots().get(0).parts().size() < 1);
        awaitArchived(first);
        first.close(); // the snapshot is interrupted: its threads stop, its progress stays in the tracker
        services.remove(first);
        SnapshotProgress interrupted = snapshots().get(0);
        assertThat(interrupted.complete()).as("seed %d", seed).isFalse();

        Service second = start(archive, Map.of("INSTANCE_ID", "second"), appends); // the lease's next owner
        SnapshotProgress done = writeWhile(random, alive, () -> !snapshots().get(0).complete());
        awaitArchived(second);

        assertThat(done.id()).isEqualTo(interrupted.id());
        assertThat(client.getDatabase(DB).getCollection("changestream_tracker")
                .find(Filters.eq("type", "snapshot")).first().getString("owner")).isEqualTo("second");
        assertThat(done.parts().subList(0, interrupted.parts().size())).isEqualTo(interrupted.parts());
        assertThat(appends.entrySet()).as("every snapshot file written once").allMatch(e -> e.getValue() == 1);
        ReplaySummary summary = replay("restored", ReplayWindow.ALL, SnapshotPolicy.AUTO);
        DatabaseComparison.Result result = DatabaseComparison.compare(client.getDatabase(DB),
                client.getDatabase("restored"), Map.of(COLL, COLL));
        assertThat(result.equalIgnoringFieldOrder()).as("seed %d; %s; %s", seed, result.differences(),
                summary.notices()).isTrue();

        java.io.StringWriter report = new java.io.StringWriter();
        int exit = io.changestream.archiver.app.Main.execute(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(),
                "TRACKER_URI", server.uri(), "TRACKER_DATABASE", DB, "MONGODB_COLLECTIONS", COLL),
                new java.io.PrintWriter(report), new java.io.PrintWriter(report), "verify");
        assertThat(exit).as(report.toString()).isZero();
        assertThat(report.toString()).contains("orders: 1 complete (newest " + done.id() + "), consistent");
    }

    @Test
    void idsRestoreTheListedDocumentsOfTheLiveCollectionToTheirStateAtUntilAndLeaveTheOthersAlone()
            throws Exception {
        fill(50);
        Service service = start(archive, Map.of());
        awaitUntil(() -> !snapshots().isEmpty() && snapshots().get(0).complete());
        SnapshotProgress done = snapshots().get(0);
        awaitUntil(() -> Instant.now().getEpochSecond() > done.end().orElseThrow().getTime() + 1);
        source().updateOne(Filters.eq("_id", 1), Updates.set("a", "good"));
        source().deleteOne(Filters.eq("_id", 3));
        writes.addAndGet(2);
        awaitArchived(service);
        BsonTimestamp until = lastArchivedClusterTime();
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
                "--target-uri", server.uri(), "--target-database", DB, "--until",
                until.getTime() + ":" + until.getInc(), "--ids", "1, 2, 3");

        assertThat(exit).as(out.toString()).isZero();
        assertThat(source().find(Filters.eq("_id", 1)).first()).isEqualTo(one);
        assertThat(source().find(Filters.eq("_id", 2)).first()).isEqualTo(two);
        assertThat(source().find(Filters.eq("_id", 3)).first()).as("deleted at --until").isNull();
        assertThat(source().find(Filters.eq("_id", 10)).first()).as("not listed: untouched").isEqualTo(ten);
        assertThat(source().countDocuments()).isEqualTo(others - 1);
    }

    // --- the source and its workload ----------------------------------------------------------------------------

    private MongoCollection<BsonDocument> source() {
        return client.getDatabase(DB).getCollection(COLL, BsonDocument.class);
    }

    private List<Integer> fill(int count) {
        List<BsonDocument> docs = new ArrayList<>();
        List<Integer> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            docs.add(document(i));
            ids.add(i);
        }
        source().insertMany(docs);
        // The test server reports no operation time, so capture begins at the local clock's whole second: let it
        // pass, or the fill would be captured as events too and nothing would exist "before" the archiver.
        long filledAt = Instant.now().getEpochSecond();
        try {
            awaitUntil(() -> Instant.now().getEpochSecond() > filledAt);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        return ids;
    }

    /** Every BSON type a document can hold, nested. */
    private static BsonDocument document(int i) {
        return new BsonDocument("_id", new BsonInt32(i))
                .append("oid", new BsonObjectId(new ObjectId(1_700_000_000 + i, i)))
                .append("name", new BsonString("order #" + i + " — ünïcødé ✓ 名前 " + "x".repeat(i % 200)))
                .append("int64", new BsonInt64(i * 1_000_000_007L))
                .append("double", new BsonDouble(i / 7.0))
                .append("negativeZero", new BsonDouble(-0.0))
                .append("decimal", new BsonDecimal128(Decimal128.parse("1234.5678" + i)))
                .append("when", new BsonDateTime(1_600_000_000_000L + i))
                .append("ts", new BsonTimestamp(1_600_000_000 + i, 1))
                .append("bin", new BsonBinary(new byte[] {1, 2, (byte) i}))
                .append("re", new BsonRegularExpression("^a" + i, "i"))
                .append("flag", BsonBoolean.valueOf(i % 2 == 0))
                .append("none", BsonNull.VALUE)
                .append("a", new BsonDocument("b", new BsonInt32(i)).append("c", new BsonString("c" + i)))
                .append("tags", new BsonArray(List.of(new BsonString("t1"), new BsonString("t2"), new BsonInt32(i),
                        new BsonDocument("deep", new BsonArray(List.of(new BsonInt64(i)))))));
    }

    /**
     * One random change: insert, update (incl. a type change and array truncation), replace or delete. Every update
     * also counts {@code n} up, so none is a no-op without an event; one the source refuses (a path through a
     * value whose type changed) is not counted.
     */
    private void change(Random random, List<Integer> alive) {
        try {
            changeOnce(random, alive);
        } catch (com.mongodb.MongoWriteException e) {
            // refused by the source: nothing changed, no event
        }
    }

    private void changeOnce(Random random, List<Integer> alive) {
        int kind = random.nextInt(6);
        if (alive.isEmpty() || kind == 0) {
            int id = 100_000 + (int) writes.get();
            source().insertOne(document(id));
            alive.add(id);
        } else {
            int id = alive.get(random.nextInt(alive.size()));
            switch (kind) {
                case 1 -> source().updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("a", "now a string " + id),
                        Updates.inc("n", 1)));
                case 2 -> source().updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("tags", List.of("t1")),
                        Updates.inc("n", 1)));
                case 3 -> source().updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("a.b", id * 2),
                        Updates.inc("int64", 1L), Updates.inc("n", 1)));
                case 4 -> source().replaceOne(Filters.eq("_id", id), new BsonDocument("_id", new BsonInt32(id))
                        .append("replaced", new BsonInt64(writes.get())));
                default -> {
                    source().deleteOne(Filters.eq("_id", id));
                    alive.remove(Integer.valueOf(id));
                }
            }
        }
        writes.incrementAndGet();
    }

    /** Changes the source until {@code going} turns false; returns the snapshot then. */
    private SnapshotProgress writeWhile(Random random, List<Integer> alive, BooleanSupplier going) {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (going.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the snapshot did not get there: " + snapshots());
            }
            change(random, alive);
        }
        return snapshots().get(0);
    }

    private List<SnapshotProgress> snapshots() {
        return new MongoSnapshotProgressStore(client, DB, "changestream_tracker").snapshots(COLL);
    }

    // --- the service --------------------------------------------------------------------------------------------

    private Service start(Path folder, Map<String, String> extra) {
        return start(folder, extra, new ConcurrentHashMap<>());
    }

    private Service start(Path folder, Map<String, String> extra, Map<String, Integer> snapshotAppends) {
        return start(folder, extra, snapshotAppends, path -> false);
    }

    private Service start(Path folder, Map<String, String> extra, Map<String, Integer> snapshotAppends,
                          Predicate<String> refused) {
        Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", server.uri(), "MONGODB_DATABASE", DB,
                "MONGODB_COLLECTIONS", COLL, "ARCHIVE_LOCAL_DIR", folder.toString(),
                "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "HTTP_PORT", "0", "RETRY_DELAY_MS", "100",
                "SNAPSHOT_PART_BYTES", "65536", "INSTANCE_ID", "me", "SHUTDOWN_TIMEOUT_SECONDS", "10"));
        env.putAll(extra);
        ArchiverConfig config = ConfigLoader.load(env);
        Service service = Service.start(config, new SimpleMeterRegistry(), Clock.systemUTC(),
                new CountingStore(new LocalArchiveStore(folder), snapshotAppends, refused));
        services.add(service);
        return service;
    }

    /** Waits until every write so far is captured, then flushes. */
    private void awaitArchived(Service service) throws InterruptedException {
        awaitUntil(() -> captured(service) >= writes.get());
        service.archiver.flushAll(FlushTrigger.MANUAL).block(PATIENCE);
    }

    private static long captured(Service service) {
        return service.archiver.status().stream().mapToLong(s -> s.bufferedEvents()
                + s.checkpoint().map(CollectionStatus.CheckpointView::totalEvents).orElse(0L)).sum();
    }

    private static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("condition not met within " + PATIENCE);
            }
            Thread.sleep(20);
        }
    }

    private BsonTimestamp lastArchivedClusterTime() {
        List<RawBsonDocument> events = ArchiveContents.events(archive, COLL);
        return events.get(events.size() - 1).getTimestamp("clusterTime");
    }

    private static void copy(MongoCollection<BsonDocument> from, MongoCollection<BsonDocument> to) {
        List<BsonDocument> all = from.find().into(new ArrayList<>());
        if (!all.isEmpty()) {
            to.insertMany(all);
        }
    }

    private ReplaySummary replay(String targetDatabase, ReplayWindow window, SnapshotPolicy policy) {
        MongoDatabase target = client.getDatabase(targetDatabase);
        return new Replayer(new ArchiveCatalog(new LocalArchiveStore(archive), ""), new MongoReplayTarget(target),
                Clock.systemUTC(), null).replay(new ReplayOptions(List.of(COLL), window, Map.of(), DdlPolicy.STOP,
                100, Optional.of(policy)));
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
