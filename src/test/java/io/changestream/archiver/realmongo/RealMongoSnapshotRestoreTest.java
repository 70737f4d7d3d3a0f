package io.changestream.archiver.realmongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.replay.DatabaseComparison;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.RestoreWorkload;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Restore points against real MongoDB (7.0 and 8.0), the half the in-process wire server cannot show: it has no read
 * concern and no sessions, so only here do the snapshot's reads run with majority read concern in a causally
 * consistent session advanced to T0 (the server's own operation time, not the local clock's second). A collection
 * filled before the archiver starts is snapshotted at its first start (SNAPSHOT_MODE=initial) while inserts, updates
 * (a field changing type, arrays truncated), replaces and deletes go on; {@code replay} of snapshot plus events
 * equals the source, compared as BSON with field order, at the end and at a {@code --until} after the snapshot's
 * end; {@code verify} finds the snapshot and the archive consistent. Skipped with a printed reason without Docker.
 */
class RealMongoSnapshotRestoreTest extends RealMongoTestBase {
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final String COLL = "orders";

    @TempDir
    Path archive;

    private RestoreWorkload workload;

    @ParameterizedTest
    @MethodSource("images")
    void aCollectionFilledBeforeStartAndWrittenDuringItsSnapshotIsRestoredExactly(String image) {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        String uri = connectionString(image);
        String database = uniqueDatabaseName();
        Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", uri, "MONGODB_DATABASE", database,
                "MONGODB_COLLECTIONS", COLL, "ARCHIVE_LOCAL_DIR", archive.toString(),
                "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "HTTP_PORT", "0", "SNAPSHOT_PART_BYTES", "65536",
                "SNAPSHOT_MAX_MB_PER_SECOND", "1", "RETRY_DELAY_MS", "100"));
        try (MongoClient client = MongoClients.create(uri)) {
            MongoCollection<BsonDocument> source = client.getDatabase(database).getCollection(COLL, BsonDocument.class);
            workload = new RestoreWorkload(source, random);
            workload.fill(3000);
            MongoSnapshotProgressStore tracker = new MongoSnapshotProgressStore(client, database, "changestream_tracker");

            SnapshotProgress done;
            BsonTimestamp until;
            try (Service service = Service.start(ConfigLoader.load(env), new SimpleMeterRegistry(), Clock.systemUTC())) {
                long deadline = System.nanoTime() + WAIT.toNanos();
                while (tracker.snapshots(COLL).stream().noneMatch(SnapshotProgress::complete)) {
                    assertThat(System.nanoTime()).as("seed %d: snapshot not complete within %s: %s", seed, WAIT,
                            tracker.snapshots(COLL)).isLessThan(deadline);
                    workload.change();
                }
                done = tracker.snapshots(COLL).get(0);
                assertThat(done.parts()).as("seed %d", seed).hasSizeGreaterThan(1);
                workload.change(40);
                archiveAll(service);
                List<RawBsonDocument> events = ArchiveContents.events(archive, COLL);
                until = events.get(events.size() - 1).getTimestamp("clusterTime");
                assertThat(until).as("seed %d", seed).isGreaterThanOrEqualTo(done.end().orElseThrow());
                MongoCollection<BsonDocument> expected = client.getDatabase(database + "_expected")
                        .getCollection(COLL, BsonDocument.class);
                expected.insertMany(source.find().into(new ArrayList<>()));
                workload.change(60);
                archiveAll(service);
            }

            String atEnd = replay(env, uri, database + "_end");
            DatabaseComparison.Result end = DatabaseComparison.compare(client.getDatabase(database),
                    client.getDatabase(database + "_end"), Map.of(COLL, COLL));
            assertThat(end.equal()).as("seed %d; %s; %s", seed, end.differences(), atEnd).isTrue();
            assertThat(end.documents()).isGreaterThan(2000);
            assertThat(atEnd).contains("restored snapshot " + done.id());

            String atUntil = replay(env, uri, database + "_until", "--until", until.getTime() + ":" + until.getInc());
            DatabaseComparison.Result mid = DatabaseComparison.compare(client.getDatabase(database + "_expected"),
                    client.getDatabase(database + "_until"), Map.of(COLL, COLL));
            assertThat(mid.equal()).as("seed %d; %s; %s", seed, mid.differences(), atUntil).isTrue();

            StringWriter report = new StringWriter();
            int exit = Main.execute(env, new PrintWriter(report), new PrintWriter(report), "verify");
            assertThat(exit).as(report.toString()).isZero();
            assertThat(report.toString()).contains(COLL + ": 1 complete (newest " + done.id() + "), consistent");
        }
    }

    private static String replay(Map<String, String> env, String uri, String target, String... more) {
        List<String> args = new ArrayList<>(List.of("replay", "--target-uri", uri, "--target-database", target));
        args.addAll(List.of(more));
        StringWriter out = new StringWriter();
        int exit = Main.execute(env, new PrintWriter(out), new PrintWriter(out), args.toArray(String[]::new));
        assertThat(exit).as(out.toString()).isZero();
        return out.toString();
    }

    /** Waits until every counted write is captured, then flushes. */
    private void archiveAll(Service service) {
        await().atMost(WAIT).until(() -> service.archiver.status().stream().mapToLong(s -> s.bufferedEvents()
                + s.checkpoint().map(CollectionStatus.CheckpointView::totalEvents).orElse(0L)).sum() >= workload.writes());
        service.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
    }
}
