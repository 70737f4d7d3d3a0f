package io.changestream.archiver.app;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.MongoCheckpointStore;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.ops.logging.LogSetup;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.pipeline.FlushResult;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.DatabaseComparison;
import io.changestream.archiver.replay.DatabaseComparison.Kind;
import io.changestream.archiver.replay.DdlPolicy;
import io.changestream.archiver.replay.MongoReplayTarget;
import io.changestream.archiver.replay.ReplayOptions;
import io.changestream.archiver.replay.SnapshotPolicy;
import io.changestream.archiver.replay.ReplaySummary;
import io.changestream.archiver.replay.ReplaySummaryText;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.Replayer;
import io.changestream.archiver.replay.Verification;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.replay.verify.VerifyReport;
import io.changestream.archiver.store.LocalArchiveStore;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.stream.Stream;
import io.changestream.archiver.config.ConfigException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code demo}: the whole loop on a machine with no MongoDB and no Azure account. Starts an embedded
 * MongoDB-wire server (mongo-java-server with its oplog) on a free loopback port, archives two collections to a
 * local folder while {@link DemoWorkload} writes every common BSON type through inserts, updates, replaces and
 * deletes, flushes, and prints the files with their event counts. Then it verifies the archive against the tracker,
 * replays it into a second database on the same server, and compares every document of every collection with the
 * source (BSON equality, types included). Exit 1 when anything differs.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Run the whole loop against an embedded MongoDB-wire server and a local folder.")
final class DemoCommand implements Callable<Integer> {
    private static final Duration CAPTURE_TIMEOUT = Duration.ofSeconds(60);
    static final String REPLAY_DATABASE = "shop_replay";

    /** The archive settings the demo takes from the environment, so it shows the archive they make. */
    private static final List<String> ARCHIVE_SETTINGS = List.of("ARCHIVE_COMPRESSION", "ARCHIVE_JSON_MODE");

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    DemoCommand(Map<String, String> env) {
        this.env = env;
    }

    @Option(names = "--archive-dir", description = "Archive folder, kept (default: a new temporary folder, removed "
            + "at the end unless --keep).")
    Path archiveDir;

    @Option(names = "--keep", description = "Keep the temporary archive folder and say where it is.")
    boolean keep;

    @Option(names = "--documents", defaultValue = "40", description = "Documents inserted per collection (default: 40).")
    int documents;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        boolean temporary = archiveDir == null;
        Path dir = temporary ? Files.createTempDirectory("changestream-archiver-demo-")
                : Files.createDirectories(archiveDir);
        try {
            return demo(out, dir);
        } finally {
            if (temporary && !keep) {
                deleteTree(dir);
                out.println("archive folder " + dir.toAbsolutePath() + " removed (--keep keeps it)");
            } else {
                out.println("archive kept in " + dir.toAbsolutePath());
            }
            out.flush();
        }
    }

    private int demo(PrintWriter out, Path dir) throws IOException, InterruptedException {
        try (EmbeddedMongo server = new EmbeddedMongo()) {
            String uri = server.uri();
            Map<String, String> settings = new LinkedHashMap<>(Map.of(
                    "MONGODB_URI", uri,
                    "MONGODB_DATABASE", DemoWorkload.DATABASE,
                    "MONGODB_COLLECTIONS", String.join(",", DemoWorkload.COLLECTIONS),
                    "ARCHIVE_LOCAL_DIR", dir.toString(),
                    "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099",
                    "HTTP_PORT", "0",
                    "RETRY_DELAY_MS", "200",
                    "LOG_FORMAT", "text"));
            ARCHIVE_SETTINGS.stream().filter(v -> env.get(v) != null && !env.get(v).isBlank())
                    .forEach(v -> settings.put(v, env.get(v)));
            ArchiverConfig config;
            try {
                config = ConfigLoader.load(settings);
            } catch (ConfigException e) {
                spec.commandLine().getErr().println(e.getMessage());
                spec.commandLine().getErr().flush();
                return Main.USAGE;
            }
            LogSetup.applyToStandardError(config); // standard output is the demo's report
            out.println("embedded MongoDB-wire server: " + uri);
            out.println("archive folder: " + dir.toAbsolutePath() + " (" + config.store().compression().name()
                    .toLowerCase(java.util.Locale.ROOT) + " compression, " + config.store().jsonMode().name()
                    .toLowerCase(java.util.Locale.ROOT) + " Extended JSON)");
            out.flush();
            try (MongoClient client = MongoClients.create(uri)) {
                DemoWorkload.existing(client.getDatabase(DemoWorkload.DATABASE), documents);
            }
            out.println("existing data: " + documents + " documents per collection before archiving starts");
            // The embedded server has no operation time: capture starts at the local clock's whole second, so let
            // it pass, or the existing documents would be archived as events too.
            long filled = Instant.now().getEpochSecond();
            while (Instant.now().getEpochSecond() <= filled) {
                Thread.sleep(20);
            }
            try (Service service = Service.start(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                    Clock.systemUTC());
                 MongoClient client = MongoClients.create(uri)) {
                out.println("admin endpoint: http://127.0.0.1:" + service.adminPort() + "/status");
                awaitReady(service);
                MongoDatabase db = client.getDatabase(DemoWorkload.DATABASE);
                awaitInitialSnapshots(service, out);
                DemoWorkload workload = new DemoWorkload(documents);
                int events = workload.run(db) + workload.changeExisting(db, documents);
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
                out.println("every change event is archived exactly once");
                return replayAndCompare(client, config, dir, out);
            }
        }
    }

    /** Verifies the archive, replays it into {@value #REPLAY_DATABASE} and compares that with the source. */
    private static int replayAndCompare(MongoClient client, ArchiverConfig config, Path dir, PrintWriter out) {
        ArchiveCatalog catalog = new ArchiveCatalog(new LocalArchiveStore(dir), config.store().prefix());
        MongoCheckpointStore tracker = new MongoCheckpointStore(client, config.tracker().database(),
                config.tracker().collection(), false);
        VerifyReport verified = new Verifier(catalog, tracker).verify(DemoWorkload.COLLECTIONS);
        out.print(verified.toText());
        MongoDatabase replica = client.getDatabase(REPLAY_DATABASE);
        ReplayOptions options = new ReplayOptions(DemoWorkload.COLLECTIONS, ReplayWindow.ALL, Map.of(), DdlPolicy.STOP,
                ReplayOptions.DEFAULT_BATCH_SIZE, java.util.Optional.of(SnapshotPolicy.AUTO));
        ReplaySummary summary = new Replayer(catalog, new MongoReplayTarget(replica), Clock.systemUTC(), null,
                Verification.against(tracker, false)).replay(options);
        out.print(ReplaySummaryText.render(summary));
        Map<String, String> pairs = new LinkedHashMap<>();
        DemoWorkload.COLLECTIONS.forEach(c -> pairs.put(c, c));
        DatabaseComparison.Result compared = DatabaseComparison.compare(client.getDatabase(DemoWorkload.DATABASE),
                replica, pairs);
        compared.differences().forEach(d -> out.println("  " + d.kind() + " " + d));
        if (!verified.consistent() || !summary.succeeded() || !compared.equalIgnoringFieldOrder()) {
            out.println("demo FAILED: of " + compared.documents() + " documents, " + compared.count(Kind.MISSING)
                    + " are missing in " + REPLAY_DATABASE + ", " + compared.count(Kind.EXTRA) + " are extra and "
                    + compared.count(Kind.VALUE) + " differ");
            return Main.CHECK_FAILED;
        }
        out.println("demo OK: all " + compared.documents() + " documents of " + REPLAY_DATABASE + " equal "
                + DemoWorkload.DATABASE + ", BSON types included" + (compared.equal() ? ""
                : " (" + compared.count(Kind.FIELD_ORDER) + " with their fields in another order: the embedded "
                        + "server keeps a replaced document's field order, real MongoDB does not)"));
        return Main.OK;
    }

    /** SNAPSHOT_MODE=initial: each collection's first start snapshots the data that existed before. */
    private static void awaitInitialSnapshots(Service service, PrintWriter out) throws InterruptedException {
        long deadline = System.nanoTime() + CAPTURE_TIMEOUT.toNanos();
        var coordinator = service.archiver.snapshots().orElseThrow();
        while (!coordinator.lastComplete().keySet().containsAll(DemoWorkload.COLLECTIONS)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("initial snapshots not complete: " + coordinator.lastComplete());
            }
            Thread.sleep(20);
        }
        coordinator.lastComplete().forEach((c, s) -> out.println("initial snapshot of " + c + ": " + s.id() + ", "
                + s.documents() + " documents"));
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

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
