package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.ArchiveContents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterEach;
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
    private static final String DB = "shop";
    private static final String COLL = "orders";
    private static final String TRACKER = "changestream_tracker";
    private static final Duration PATIENCE = Duration.ofSeconds(90);

    @TempDir
    Path archive;

    private final EmbeddedMongo server = new EmbeddedMongo();
    private final MongoClient client = MongoClients.create(server.uri());
    private long writes;

    @AfterEach
    void close() {
        client.close();
        server.close();
    }

    @Test
    void pruneKeepsWhatRestoresAtOrAfterKeepSinceNeedAndVerifyAndARestoreAtAKeptTimeStillPass() throws Exception {
        for (int i = 0; i < 200; i++) {
            source().insertOne(document(i));
        }
        long filledAt = Instant.now().getEpochSecond();
        awaitUntil(() -> Instant.now().getEpochSecond() > filledAt); // the fill is before capture: snapshot only
        BsonTimestamp keepSince;
        String first;
        String second;
        try (Service service = start()) {
            awaitUntil(() -> snapshots().size() == 1 && snapshots().get(0).complete());
            first = snapshots().get(0).id();
            pastEndOf(snapshots().get(0));
            change(0, 30);
            awaitArchived(service);
            second = service.archiver.snapshot(COLL);
            awaitUntil(() -> snapshots().size() == 2 && snapshots().stream().allMatch(SnapshotProgress::complete));
            pastEndOf(snapshots().get(1));
            change(30, 60);
            awaitArchived(service);
            keepSince = lastArchivedClusterTime();
            copy(source(), client.getDatabase("expectedAtKeepSince").getCollection(COLL, BsonDocument.class));
            change(60, 90);
            awaitArchived(service);
        }
        assertThat(first).isNotEqualTo(second);
        Map<String, Long> storeBefore = listing();
        List<Document> trackerBefore = trackerDocuments();
        String since = keepSince.getTime() + ":" + keepSince.getInc();

        Run plan = run("prune", "--keep-since", since);
        assertThat(plan.exit).as(plan.out).isZero();
        assertThat(plan.out).contains("remove snapshot " + first).contains("keep snapshot " + second)
                .contains("plan only: nothing was removed");
        assertThat(listing()).as("the plan changes no file").isEqualTo(storeBefore);
        assertThat(trackerDocuments()).as("the plan changes no tracker entry").isEqualTo(trackerBefore);

        Run early = run("prune", "--keep-since", "2000-01-01T00:00:00Z", "--apply");
        assertThat(early.exit).as(early.out).isZero();
        assertThat(early.out).contains("total: 0 files, 0 bytes, 0 flush-log entries");
        assertThat(listing()).as("nothing a restore needs is removed").isEqualTo(storeBefore);
        assertThat(trackerDocuments()).isEqualTo(trackerBefore);

        Run applied = run("prune", "--keep-since", since, "--apply");
        assertThat(applied.exit).as(applied.out).isZero();
        assertThat(listing().keySet()).noneMatch(p -> p.contains("/snapshots/" + first + "/"))
                .anyMatch(p -> p.contains("/snapshots/" + second + "/manifest.json"));

        Run verify = run("verify");
        assertThat(verify.exit).as(verify.out).isZero();

        assertRestores("restoredAtEnd", ReplayWindow.ALL, DB);
        assertRestores("restoredAtKeepSince", new ReplayWindow(Optional.empty(), Optional.of(keepSince)),
                "expectedAtKeepSince");
    }

    @Test
    void aKeepSinceThatIsNotATimeOrNoneAtAllIsAUsageErrorAndNothingIsRemoved() throws Exception {
        Files.writeString(archive.resolve("keep.txt"), "x");

        Run notATime = run("prune", "--keep-since", "yesterday", "--apply");
        Run missing = run("prune", "--apply");

        assertThat(notATime.exit).as(notATime.out).isEqualTo(Main.USAGE);
        assertThat(notATime.out).contains("--keep-since 'yesterday' is not allowed");
        assertThat(missing.exit).as(missing.out).isEqualTo(Main.USAGE);
        assertThat(listing()).containsOnlyKeys("keep.txt");
    }

    private void assertRestores(String target, ReplayWindow window, String expected) {
        ReplaySummary summary = new Replayer(new ArchiveCatalog(new LocalArchiveStore(archive), ""),
                new MongoReplayTarget(client.getDatabase(target)), Clock.systemUTC(), null)
                .replay(new ReplayOptions(List.of(COLL), window, Map.of(), DdlPolicy.STOP, 100,
                        Optional.of(SnapshotPolicy.AUTO)));
        DatabaseComparison.Result result = DatabaseComparison.compare(client.getDatabase(expected),
                client.getDatabase(target), Map.of(COLL, COLL));
        assertThat(result.equalIgnoringFieldOrder()).as("%s; %s", result.differences(), summary.notices()).isTrue();
        assertThat(result.documents()).isGreaterThan(150);
    }

    // --- helpers, after SnapshotRestoreWireTest -------------------------------------------------------------------

    private record Run(int exit, String out) {
    }

    private Run run(String... args) {
        StringWriter out = new StringWriter();
        int exit = Main.execute(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "TRACKER_URI", server.uri(),
                "TRACKER_DATABASE", DB, "MONGODB_COLLECTIONS", COLL), new PrintWriter(out), new PrintWriter(out), args);
        return new Run(exit, out.toString());
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
        return client.getDatabase(DB).getCollection(TRACKER).find().sort(new Document("_id", 1))
                .into(new ArrayList<>());
    }

    private MongoCollection<BsonDocument> source() {
        return client.getDatabase(DB).getCollection(COLL, BsonDocument.class);
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

    private void pastEndOf(SnapshotProgress done) throws InterruptedException {
        awaitUntil(() -> Instant.now().getEpochSecond() > done.end().orElseThrow().getTime() + 1);
    }

    private List<SnapshotProgress> snapshots() {
        return new MongoSnapshotProgressStore(client, DB, TRACKER).snapshots(COLL);
    }

    private Service start() {
        Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", server.uri(), "MONGODB_DATABASE", DB,
                "MONGODB_COLLECTIONS", COLL, "ARCHIVE_LOCAL_DIR", archive.toString(),
                "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "HTTP_PORT", "0", "RETRY_DELAY_MS", "100",
                "SNAPSHOT_PART_BYTES", "65536", "INSTANCE_ID", "me", "SHUTDOWN_TIMEOUT_SECONDS", "10"));
        return Service.start(ConfigLoader.load(env), new SimpleMeterRegistry(), Clock.systemUTC(),
                new LocalArchiveStore(archive));
    }

    private void awaitArchived(Service service) throws InterruptedException {
        awaitUntil(() -> service.archiver.status().stream().mapToLong(s -> s.bufferedEvents()
                + s.checkpoint().map(CollectionStatus.CheckpointView::totalEvents).orElse(0L)).sum() >= writes);
        service.archiver.flushAll(FlushTrigger.MANUAL).block(PATIENCE);
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
}
