package io.changestream.archiver.replay;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.MongoCheckpointStore;
import io.changestream.archiver.checkpoint.MongoLeaseStore;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.pipeline.Archiver;
import io.changestream.archiver.pipeline.LeaseTiming;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.store.LocalArchiveStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The real archiving pipeline on an in-process MongoDB-wire server, archiving to a local folder, as {@code run} wires
 * it: change streams, buffers, the exactly-once writer and the tracker collection. Tests write to {@link #source()},
 * wait for capture, flush, and then replay or verify what was archived.
 */
final class ArchivingFixture implements AutoCloseable {
    static final String DATABASE = "shop";
    static final String TRACKER = "changestream_tracker";
    private static final Duration TIMEOUT = Duration.ofSeconds(60);

    final EmbeddedMongo server = new EmbeddedMongo();
    final MongoClient client = MongoClients.create(server.uri());
    final Path archive;
    final ArchiverConfig config;
    final MongoCheckpointStore tracker;
    private final com.mongodb.reactivestreams.client.MongoClient reactive;
    private final LocalArchiveStore store;
    private final Archiver archiver;
    /** Events {@link #archiveRounds} wrote so far, over all calls. */
    private long workloadEvents;

    ArchivingFixture(Path archive, List<String> collections, Map<String, String> extraEnv) {
        this.archive = archive;
        Map<String, String> env = new HashMap<>(Map.of(
                "MONGODB_URI", server.uri(),
                "MONGODB_DATABASE", DATABASE,
                "MONGODB_COLLECTIONS", String.join(",", collections),
                "ARCHIVE_LOCAL_DIR", archive.toString(),
                "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099",
                "HTTP_PORT", "0",
                "RETRY_DELAY_MS", "100"));
        env.putAll(extraEnv);
        config = ConfigLoader.load(env);
        CursorMonitor monitor = new CursorMonitor(DATABASE);
        reactive = com.mongodb.reactivestreams.client.MongoClients.create(com.mongodb.MongoClientSettings.builder()
                .applyConnectionString(new com.mongodb.ConnectionString(server.uri()))
                .addCommandListener(monitor).build());
        tracker = new MongoCheckpointStore(client, DATABASE, TRACKER, false);
        store = new LocalArchiveStore(archive);
        archiver = new Archiver(config, reactive.getDatabase(DATABASE), monitor, store, tracker,
                new MongoLeaseStore(client, DATABASE, TRACKER), LeaseTiming.DEFAULT,
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()), Clock.systemUTC());
        archiver.start();
        awaitReady();
    }

    MongoDatabase source() {
        return client.getDatabase(DATABASE);
    }

    MongoDatabase database(String name) {
        return client.getDatabase(name);
    }

    /**
     * The archiving warm-up of the replay tests: {@code rounds} rounds of {@code workload} on {@link #source()}, each
     * with {@code inserts} new documents per collection, waited for until captured and then flushed, so each round is
     * one flush (one flush-log entry, one gzip member) of its own.
     *
     * @return the events these rounds wrote
     */
    int archiveRounds(TypedWorkload workload, int rounds, int inserts) throws InterruptedException {
        int events = 0;
        for (int round = 0; round < rounds; round++) {
            int written = workload.run(source(), inserts);
            events += written;
            workloadEvents += written;
            awaitCaptured(workloadEvents);
            flush();
        }
        return events;
    }

    /** Waits until the pipelines hold or have archived {@code events} events in all. */
    void awaitCaptured(long events) throws InterruptedException {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (captured() < events) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + captured() + " of " + events + " events captured");
            }
            Thread.sleep(20);
        }
    }

    void flush() {
        archiver.flushAll(FlushTrigger.MANUAL).block(TIMEOUT);
    }

    ArchiveCatalog catalog() {
        return new ArchiveCatalog(store, "");
    }

    ArchiveCatalog catalogOf(Path folder) {
        return new ArchiveCatalog(new LocalArchiveStore(folder), "");
    }

    /** Copies the archive folder as it is now into {@code folder} (empty), for a test that damages the copy. */
    Path copyArchiveTo(Path folder) {
        try (Stream<Path> walk = Files.walk(archive)) {
            for (Path p : walk.toList()) {
                Path target = folder.resolve(archive.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
            return folder;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The environment the archive-reading commands get: the store and the tracker of this fixture. */
    Map<String, String> commandEnv(Path archiveFolder) {
        return Map.of("ARCHIVE_LOCAL_DIR", archiveFolder.toString(), "TRACKER_URI", server.uri(),
                "TRACKER_DATABASE", DATABASE, "MONGODB_COLLECTIONS", String.join(",", archiver.collections()));
    }

    private long captured() {
        return archiver.status().stream().mapToLong(s -> s.bufferedEvents()
                + s.checkpoint().map(CollectionStatus.CheckpointView::totalEvents).orElse(0L)).sum();
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!archiver.readiness().ready()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready: " + archiver.readiness().reasons());
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    @Override
    public void close() {
        archiver.stop(Duration.ofSeconds(10));
        reactive.close();
        client.close();
        server.close();
    }
}
