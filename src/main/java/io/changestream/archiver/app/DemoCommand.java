package io.changestream.archiver.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.ops.logging.LogSetup;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.pipeline.FlushResult;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the whole loop on a machine with no MongoDB and no Azure account. Starts an embedded
 * MongoDB-wire server (mongo-java-server with its oplog) on a free loopback port, archives two collections to a
 * local folder while {@link DemoWorkload} writes every common BSON type through inserts, updates, replaces and
 * deletes, flushes, and prints the files with their event counts.
 */
@Command(name = "demo", description = "Run the whole loop against an embedded MongoDB-wire server and a local folder.")
final class DemoCommand implements Callable<Integer> {
    private static final Duration CAPTURE_TIMEOUT = Duration.ofSeconds(60);

    @Option(names = "--archive-dir", description = "Archive folder (default: a new temporary folder).")
    Path archiveDir;

    @Option(names = "--documents", defaultValue = "40", description = "Documents inserted per collection (default: 40).")
    int documents;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintStream out = System.out;
        Path dir = archiveDir != null ? Files.createDirectories(archiveDir)
                : Files.createTempDirectory("changestream-archiver-demo-");
        try (EmbeddedMongo server = new EmbeddedMongo()) {
            String uri = server.uri();
            ArchiverConfig config = ConfigLoader.load(Map.of(
                    "MONGODB_URI", uri,
                    "MONGODB_DATABASE", DemoWorkload.DATABASE,
                    "MONGODB_COLLECTIONS", String.join(",", DemoWorkload.COLLECTIONS),
                    "ARCHIVE_LOCAL_DIR", dir.toString(),
                    "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099",
                    "HTTP_PORT", "0",
                    "RETRY_DELAY_MS", "200",
                    "LOG_FORMAT", "text"));
            LogSetup.apply(config);
            out.println("embedded MongoDB-wire server: " + uri);
            out.println("archive folder: " + dir.toAbsolutePath());
            try (Service service = Service.start(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                    Clock.systemUTC());
                 MongoClient client = MongoClients.create(uri)) {
                out.println("admin endpoint: http://127.0.0.1:" + service.adminPort() + "/status");
                awaitReady(service);
                MongoDatabase db = client.getDatabase(DemoWorkload.DATABASE);
                int events = new DemoWorkload(documents).run(db);
                out.println("workload: " + events + " change events written");
                awaitCaptured(service, events);
                List<FlushResult> flushed = service.archiver.flushAll(FlushTrigger.MANUAL).block(CAPTURE_TIMEOUT);
                int archived = flushed == null ? 0 : flushed.stream().mapToInt(FlushResult::events).sum();
                out.println("flushed: " + archived + " events");
                for (Path file : DemoWorkload.archiveFiles(dir)) {
                    out.printf("  %s  %d events%n", dir.relativize(file), DemoWorkload.countLines(file));
                }
                if (archived != events) {
                    out.println("MISMATCH: " + events + " events written, " + archived + " archived");
                    return Main.CHECK_FAILED;
                }
                out.println("demo OK: every change event is archived exactly once");
                return Main.OK;
            }
        }
    }

    private static void awaitReady(Service service) throws InterruptedException {
        long deadline = System.nanoTime() + CAPTURE_TIMEOUT.toNanos();
        while (!service.archiver.readiness().ready()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("not ready: " + service.archiver.readiness().reasons());
            }
            Thread.sleep(50);
        }
    }

    private static void awaitCaptured(Service service, int events) throws InterruptedException {
        long deadline = System.nanoTime() + CAPTURE_TIMEOUT.toNanos();
        while (service.archiver.status().stream().mapToInt(CollectionStatus::bufferedEvents).sum() < events) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("only " + service.archiver.status().stream()
                        .mapToInt(CollectionStatus::bufferedEvents).sum() + " of " + events + " events captured");
            }
            Thread.sleep(50);
        }
    }
}
