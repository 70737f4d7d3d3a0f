package io.changestream.archiver.replay;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.ArchiveContents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * The whole service with snapshots on the in-process MongoDB-wire server, for the end-to-end tests of restore points
 * and of {@code prune}: the source collection {@code shop.orders}, an archive folder, services started on them (all
 * closed with the fixture), the waits those tests share (every write captured and flushed, a snapshot's end in the
 * past), and restores and commands over what was archived.
 */
final class SnapshotServiceFixture implements AutoCloseable {
    static final String DB = "shop";
    static final String COLL = "orders";
    static final String TRACKER = "changestream_tracker";
    static final Duration PATIENCE = Duration.ofSeconds(90);

    final EmbeddedMongo server = new EmbeddedMongo();
    final MongoClient client = MongoClients.create(server.uri());
    private final Path archive;
    private final List<Service> services = new ArrayList<>();

    SnapshotServiceFixture(Path archive) {
        this.archive = archive;
    }

    MongoCollection<BsonDocument> source() {
        return client.getDatabase(DB).getCollection(COLL, BsonDocument.class);
    }

    List<SnapshotProgress> snapshots() {
        return new MongoSnapshotProgressStore(client, DB, TRACKER).snapshots(COLL);
    }

    /**
     * Starts a service archiving the source into {@code store} (the archive folder, maybe behind a test's wrapper):
     * an initial snapshot in parts of 64 KiB, a flush schedule that never fires, {@code extra} on top.
     */
    Service start(Map<String, String> extra, ArchiveStore store) {
        Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", server.uri(), "MONGODB_DATABASE", DB,
                "MONGODB_COLLECTIONS", COLL, "ARCHIVE_LOCAL_DIR", archive.toString(),
                "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "HTTP_PORT", "0", "RETRY_DELAY_MS", "100",
                "SNAPSHOT_PART_BYTES", "65536", "INSTANCE_ID", "me", "SHUTDOWN_TIMEOUT_SECONDS", "10"));
        env.putAll(extra);
        Service service = Service.start(ConfigLoader.load(env), new SimpleMeterRegistry(), Clock.systemUTC(), store);
        services.add(service);
        return service;
    }

    /** Closes a service now (its snapshot is interrupted; its progress stays in the tracker). */
    void stop(Service service) {
        service.close();
        services.remove(service);
    }

    /** Waits until the service has captured {@code writes} events in all, then flushes. */
    void awaitArchived(Service service, long writes) throws InterruptedException {
        awaitUntil(() -> captured(service) >= writes);
        service.archiver.flushAll(FlushTrigger.MANUAL).block(PATIENCE);
    }

    private static long captured(Service service) {
        return service.archiver.status().stream().mapToLong(s -> s.bufferedEvents()
                + s.checkpoint().map(CollectionStatus.CheckpointView::totalEvents).orElse(0L)).sum();
    }

    /**
     * The test server reports no operation time, so capture begins at the local clock's whole second: waiting for
     * the next one keeps what was written before out of the events (it exists only "before" the archiver).
     */
    void awaitTheNextSecond() throws InterruptedException {
        long now = Instant.now().getEpochSecond();
        awaitUntil(() -> Instant.now().getEpochSecond() > now);
    }

    /** Waits until the local clock is past the snapshot's end, so later changes are events after it. */
    void awaitPastEndOf(SnapshotProgress snapshot) throws InterruptedException {
        awaitUntil(() -> Instant.now().getEpochSecond() > snapshot.end().orElseThrow().getTime() + 1);
    }

    static void awaitUntil(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("condition not met within " + PATIENCE);
            }
            Thread.sleep(20);
        }
    }

    BsonTimestamp lastArchivedClusterTime() {
        List<RawBsonDocument> events = ArchiveContents.events(archive, COLL);
        return events.get(events.size() - 1).getTimestamp("clusterTime");
    }

    /** Copies the source as it is now into the same collection of {@code database}, the expected state of a restore. */
    void copySourceTo(String database) {
        List<BsonDocument> all = source().find().into(new ArrayList<>());
        if (!all.isEmpty()) {
            client.getDatabase(database).getCollection(COLL, BsonDocument.class).insertMany(all);
        }
    }

    /** Replays the archive into {@code targetDatabase}, 100 writes a batch. */
    ReplaySummary restore(String targetDatabase, ReplayWindow window, SnapshotPolicy policy) {
        return new Replayer(new ArchiveCatalog(new LocalArchiveStore(archive), ""),
                new MongoReplayTarget(client.getDatabase(targetDatabase)), Clock.systemUTC(), null)
                .replay(new ReplayOptions(List.of(COLL), window, Map.of(), DdlPolicy.STOP, 100, Optional.of(policy)));
    }

    record Run(int exit, String out) {
    }

    /** Runs a command on the archive folder and the tracker, as an operator would; its output, both streams. */
    Run run(String... args) {
        StringWriter out = new StringWriter();
        int exit = Main.execute(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "TRACKER_URI", server.uri(),
                "TRACKER_DATABASE", DB, "MONGODB_COLLECTIONS", COLL), new PrintWriter(out), new PrintWriter(out), args);
        return new Run(exit, out.toString());
    }

    @Override
    public void close() {
        services.forEach(Service::close);
        client.close();
        server.close();
    }
}
