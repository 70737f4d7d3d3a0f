package io.changestream.archiver.app;

import com.mongodb.ConnectionString;
import com.mongodb.MongoException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.config.Setting;
import io.changestream.archiver.replay.DdlPolicy;
import io.changestream.archiver.replay.DryRunTarget;
import io.changestream.archiver.replay.MongoReplayTarget;
import io.changestream.archiver.replay.ReplayOptions;
import io.changestream.archiver.replay.ReplaySummary;
import io.changestream.archiver.replay.ReplaySummaryText;
import io.changestream.archiver.replay.ReplayTarget;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.SnapshotPolicy;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.replay.Replayer;
import io.changestream.archiver.replay.Verification;
import io.changestream.archiver.store.StoreException;
import java.io.Console;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.bson.BsonTimestamp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code replay}: applies archived change events to a target database, for a point-in-time restore. Reads the store
 * settings from the same environment as {@code run}; needs no source cluster.
 *
 * <p>When the tracker is configured ({@code TRACKER_URI}, else {@code MONGODB_URI}) the archive is held against its
 * flush log as it is replayed ({@link Verification}), and any difference fails the replay unless
 * {@code --allow-unverified}; a configured tracker that cannot be read is a runtime failure (exit 3) unless
 * {@code --allow-unverified}. Without a tracker the replay runs and says that the archive was not verified.
 * Exit codes: 0 every event applied; 1 events that could not be applied or were refused (clusterTime backwards), a
 * difference from the flush log, or a stop at a DDL event; 2 bad usage or configuration; 3 the store, the tracker or
 * the target failed.
 */
@Command(name = "replay", sortOptions = false, mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Apply archived change events to a target database, up to any point in time.")
final class ReplayCommand implements Callable<Integer> {

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    ReplayCommand(Map<String, String> env) {
        this.env = env;
    }

    @Option(names = "--collections", split = ",", paramLabel = "NAME",
            description = "Collections to replay (default: MONGODB_COLLECTIONS, else every collection in the archive).")
    List<String> collections = new ArrayList<>();

    @Option(names = "--from", paramLabel = "TIME", description = "First clusterTime to apply, inclusive: an ISO-8601 "
            + "instant (2026-01-01T10:00:00Z) or <seconds>:<increment>. Default: the start of the archive.")
    String from;

    @Option(names = "--until", paramLabel = "TIME", description = "Last clusterTime to apply, inclusive to the exact "
            + "timestamp: an ISO-8601 instant (every operation of that second) or <seconds>:<increment>. "
            + "Default: the end of the archive.")
    String until;

    /** Where the target's connection string may come from instead of the command line (shell history, ps). */
    static final String TARGET_URI_VARIABLE = "REPLAY_TARGET_URI";

    @Option(names = "--target-uri", paramLabel = "URI", description = "Connection string of the target cluster "
            + "(required unless --dry-run; default: the environment variable " + TARGET_URI_VARIABLE + ", which "
            + "keeps a password out of shell history and ps).")
    String targetUri;

    @Option(names = "--target-database", paramLabel = "DB", description = "Target database (required unless "
            + "--dry-run).")
    String targetDatabase;

    @Option(names = "--rename", paramLabel = "SRC:DST", description = "Replay archived collection SRC into target "
            + "collection DST. Repeatable.")
    List<String> renames = new ArrayList<>();

    @Option(names = "--allow-unverified", description = "Replay even when the archive differs from the tracker's "
            + "flush log (a missing, cut or changed file) or the tracker cannot be read; the summary lists the "
            + "differences and says the archive was NOT verified.")
    boolean allowUnverified;

    @Option(names = "--dry-run",
            description = "Read, decode and plan every event and print the summary; write nothing.")
    boolean dryRun;

    @Option(names = "--on-ddl", paramLabel = "POLICY", defaultValue = "stop", description = "At drop, rename, "
            + "dropDatabase and invalidate events: stop (default: end that collection's replay there and exit 1), "
            + "apply (drop or rename the target collection), or skip.")
    String onDdl;

    @Option(names = "--batch-size", paramLabel = "N", defaultValue = "" + ReplayOptions.DEFAULT_BATCH_SIZE,
            description = "Writes per ordered bulk write, and documents per unordered insert when a snapshot is "
                    + "loaded (default: ${DEFAULT-VALUE}, 1 to 100000).")
    int batchSize;

    @Option(names = "--snapshot", paramLabel = "auto|none|ID", defaultValue = "auto", description = "Restore a "
            + "snapshot first, then the events from its start: auto (default: per collection the newest complete "
            + "snapshot ending at or before --until; none when --from is given), none (events only), or a snapshot id "
            + "(see the snapshots command).")
    String snapshot;

    @Option(names = "--ids", paramLabel = "IDS|@FILE", description = "Restore only these documents: _id values "
            + "as Extended JSON, comma-separated or a JSON array (e.g. '[1, {\"$oid\": \"…\"}]'), or @FILE with one "
            + "value per line. Each listed document is deleted in the target and rebuilt from the snapshot and the "
            + "events; the others are not touched. Needs a snapshot.")
    String ids;

    @Override
    public Integer call() {
        ReplayWindow window = window();
        SnapshotPolicy snapshotPolicy;
        try {
            snapshotPolicy = SnapshotPolicy.parse(snapshot);
        } catch (IllegalArgumentException e) {
            throw usage("--snapshot", snapshot, e.getMessage());
        }
        DdlPolicy policy = DdlPolicy.parse(onDdl).orElseThrow(() -> usage("--on-ddl", onDdl, "stop, apply or skip"));
        if (batchSize < 1 || batchSize > 100_000) {
            throw usage("--batch-size", String.valueOf(batchSize), "a whole number from 1 to 100000");
        }
        checkTarget();
        Map<String, String> renameMap = renames();
        try (ArchiveAccess archive = ArchiveAccess.open(ConfigLoader.loadOffline(env, trackerConfigured()))) {
            Verification verification = verification(archive);
            List<String> chosen = archive.collections(collections);
            TreeSet<String> known = new TreeSet<>(archive.catalog.collections());
            verification.tracker().ifPresent(t -> known.addAll(t.collections()));
            List<String> archived = List.copyOf(known);
            // Only names the user typed are checked: a configured collection may simply have no events yet.
            for (String c : collections) {
                if (!archived.contains(c)) {
                    throw usage("--collections", c, "a collection with an archive in " + archive.store.describe()
                            + (archived.isEmpty() ? " (it holds none)" : ": " + String.join(", ", archived)));
                }
            }
            for (Map.Entry<String, String> r : renameMap.entrySet()) {
                if (!chosen.contains(r.getKey())) {
                    throw usage("--rename", r.getKey() + ":" + r.getValue(), "SRC one of the replayed collections: "
                            + String.join(", ", chosen));
                }
                if (chosen.contains(r.getValue()) && !renameMap.containsKey(r.getValue())) {
                    throw usage("--rename", r.getKey() + ":" + r.getValue(), "a DST that is not also the target of "
                            + "replayed collection " + r.getValue() + " (rename that one too)");
                }
            }
            checkSnapshot(archive, chosen, window, snapshotPolicy);
            java.util.Set<org.bson.BsonValue> idSet = ids == null ? java.util.Set.of() : parseIds(ids);
            if (!idSet.isEmpty() && !snapshotPolicy.use()) {
                throw usage("--ids", ids, "a restore from a snapshot (not --snapshot none): events alone cannot "
                        + "rebuild a document that existed before the archive's first event");
            }
            ReplayOptions options = new ReplayOptions(chosen, window, renameMap, policy, batchSize,
                    Optional.of(snapshotPolicy), idSet);
            return run(archive, options, verification);
        } catch (TrackerUnreadable e) {
            printError("replay failed: " + e.getMessage());
            return Main.RUNTIME_FAILURE;
        } catch (ConfigException e) {
            printError(e.getMessage());
            return Main.USAGE;
        } catch (MongoException | StoreException | UncheckedIOException e) {
            printError("replay failed: " + Secret.maskUri(String.valueOf(e.getMessage())));
            return Main.RUNTIME_FAILURE;
        }
    }

    /** The tracker settings are set: replay then reads the tracker, and verifies the archive against it. */
    private boolean trackerConfigured() {
        return Stream.of(Setting.TRACKER_URI, Setting.MONGODB_URI).anyMatch(s -> isSet(s.name())
                || s.alias().map(this::isSet).orElse(false));
    }

    private boolean isSet(String variable) {
        String value = env.get(variable);
        return value != null && !value.isBlank();
    }

    private Verification verification(ArchiveAccess archive) {
        if (archive.config.tracker().isEmpty()) {
            return Verification.none("no tracker configured; set TRACKER_URI or MONGODB_URI, and TRACKER_DATABASE or "
                    + "MONGODB_DATABASE, to verify");
        }
        CheckpointStore tracker = archive.tracker();
        try {
            archive.checkTracker(); // an unknown TRACKER_COLLECTION is a configuration error (exit 2), not "unreadable"
        } catch (IllegalStateException | MongoException e) {
            String why = "the tracker cannot be read (" + Secret.maskUri(String.valueOf(e.getMessage())) + ")";
            if (!allowUnverified) {
                throw new TrackerUnreadable(why + ", so the archive cannot be verified against its flush log; fix "
                        + "the TRACKER_* settings, or pass --allow-unverified to replay without that check");
            }
            return Verification.none(why + ", --allow-unverified");
        }
        return Verification.against(tracker, allowUnverified);
    }

    /** A configured tracker that does not answer, without --allow-unverified: exit 3. */
    private static final class TrackerUnreadable extends RuntimeException {
        TrackerUnreadable(String message) {
            super(message, null, false, false);
        }
    }

    private int run(ArchiveAccess archive, ReplayOptions options, Verification verification) {
        Console console = System.console();
        PrintWriter terminal = console == null ? null : console.writer();
        PrintWriter out = spec.commandLine().getOut();
        ReplaySummary summary;
        if (dryRun) {
            summary = replay(new Replayer(archive.catalog, new DryRunTarget(), Clock.systemUTC(), terminal,
                    verification), options, out);
        } else {
            try (MongoClient client = MongoClients.create(targetUri)) {
                ReplayTarget target = new MongoReplayTarget(client.getDatabase(targetDatabase));
                summary = replay(new Replayer(archive.catalog, target, Clock.systemUTC(), terminal, verification),
                        options, out);
            }
        }
        out.print(ReplaySummaryText.render(summary));
        out.flush();
        return summary.succeeded() ? Main.OK : Main.CHECK_FAILED;
    }

    /**
     * Prints the plan first, then replays; an interrupt (Ctrl-C, SIGTERM) on the way prints where each collection
     * stopped before the JVM exits (130 for Ctrl-C).
     */
    private static ReplaySummary replay(Replayer replayer, ReplayOptions options, PrintWriter out) {
        replayer.onPlan(plan -> {
            out.println(plan);
            out.flush();
        });
        Thread onInterrupt = new Thread(() -> replayer.current().ifPresent(s -> {
            out.println();
            out.print(ReplaySummaryText.interrupted(s));
            out.flush();
        }), "replay-interrupted");
        Runtime.getRuntime().addShutdownHook(onInterrupt);
        try {
            return replayer.replay(options);
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onInterrupt);
            } catch (IllegalStateException shuttingDown) {
                // the JVM is exiting: the hook runs and says where each collection stopped
            }
        }
    }

    /** {@code --snapshot <id>} must name a complete snapshot of every replayed collection that serves --until. */
    private void checkSnapshot(ArchiveAccess archive, List<String> chosen, ReplayWindow window, SnapshotPolicy p) {
        if (p.id().isEmpty()) {
            return;
        }
        String id = p.id().get();
        if (window.from().isPresent()) {
            throw usage("--from", from, "no --from with --snapshot " + id + ": the events applied start at the "
                    + "snapshot's start");
        }
        for (String c : chosen) {
            Optional<SnapshotManifest> m = archive.catalog.snapshots().complete(c).stream()
                    .filter(s -> s.id().equals(id)).findFirst();
            if (m.isEmpty()) {
                throw usage("--snapshot", id, "a complete snapshot of " + c + " (it has: " + String.join(", ",
                        archive.catalog.snapshots().complete(c).stream().map(SnapshotManifest::id).toList())
                        + "; see the snapshots command)");
            }
            if (window.until().isPresent() && m.get().end().compareTo(window.until().get()) > 0) {
                throw usage("--snapshot", id, "a snapshot that ends at or before --until " + until + ": snapshot "
                        + id + " of " + c + " ends at " + ReplayWindow.describe(m.get().end()) + ", so it already "
                        + "holds changes made after that time; choose an older snapshot or a later --until");
            }
        }
    }

    /** {@code --ids}: inline Extended JSON values (a list, or comma-separated), or {@code @file}, one per line. */
    private java.util.Set<org.bson.BsonValue> parseIds(String text) {
        String given = text.trim();
        if (given.startsWith("@")) {
            try {
                List<String> lines = java.nio.file.Files.readAllLines(java.nio.file.Path.of(given.substring(1)));
                given = "[" + String.join(",", lines.stream().map(String::trim).filter(l -> !l.isEmpty()).toList())
                        + "]";
            } catch (java.io.IOException e) {
                throw usage("--ids", text, "a readable file (" + e.getMessage() + ")");
            }
        } else if (!given.startsWith("[")) {
            given = "[" + given + "]";
        }
        try {
            org.bson.BsonArray values = org.bson.BsonDocument.parse("{\"ids\": " + given + "}").getArray("ids");
            if (values.isEmpty()) {
                throw usage("--ids", text, "at least one _id value");
            }
            return new java.util.LinkedHashSet<>(values);
        } catch (org.bson.json.JsonParseException | org.bson.BsonInvalidOperationException e) {
            throw usage("--ids", text, "_id values as Extended JSON, e.g. 17,\"a\",{\"$oid\": "
                    + "\"65a1…\"} or @file (" + e.getMessage() + ")");
        }
    }

    private ReplayWindow window() {
        Optional<BsonTimestamp> lower = Optional.ofNullable(from).map(t -> bound("--from", t, true));
        Optional<BsonTimestamp> upper = Optional.ofNullable(until).map(t -> bound("--until", t, false));
        try {
            return new ReplayWindow(lower, upper);
        } catch (IllegalArgumentException e) {
            throw usage("--from", from, "a time not after --until " + until);
        }
    }

    private BsonTimestamp bound(String option, String text, boolean lower) {
        try {
            return lower ? ReplayWindow.parseFrom(text) : ReplayWindow.parseUntil(text);
        } catch (IllegalArgumentException e) {
            throw usage(option, text, e.getMessage());
        }
    }

    private void checkTarget() {
        if (dryRun) {
            return;
        }
        String option = "--target-uri";
        if (targetUri == null && env.get(TARGET_URI_VARIABLE) != null && !env.get(TARGET_URI_VARIABLE).isBlank()) {
            targetUri = env.get(TARGET_URI_VARIABLE).trim();
            option = TARGET_URI_VARIABLE;
        }
        if (targetUri == null) {
            throw usage("--target-uri", null, "a mongodb:// or mongodb+srv:// connection string, or the variable "
                    + TARGET_URI_VARIABLE + " (or --dry-run)");
        }
        try {
            new ConnectionString(targetUri);
        } catch (IllegalArgumentException e) {
            // Shown as a Secret: the whole value is one URI, so no part of a malformed password is printed.
            throw new CommandLine.ParameterException(spec.commandLine(), option + " '" + new Secret(targetUri)
                    + "' is not allowed: a valid mongodb:// or mongodb+srv:// connection string");
        }
        if (targetDatabase == null || targetDatabase.isBlank() || targetDatabase.matches(".*[/\\\\. \"$].*")) {
            throw usage("--target-database", targetDatabase, "a database name without / \\ . space \" or $ "
                    + "(or --dry-run)");
        }
    }

    private Map<String, String> renames() {
        Map<String, String> map = new LinkedHashMap<>();
        for (String r : renames) {
            int colon = r.indexOf(':');
            String src = colon < 0 ? "" : r.substring(0, colon);
            String dst = colon < 0 ? "" : r.substring(colon + 1);
            if (src.isEmpty() || dst.isEmpty() || dst.contains("$") || dst.startsWith("system.")) {
                throw usage("--rename", r, "SRC:DST, two non-empty collection names; DST without $, not system.*");
            }
            if (map.containsKey(src) || map.containsValue(dst)) {
                throw usage("--rename", r, "each SRC and each DST at most once");
            }
            map.put(src, dst);
        }
        return map;
    }

    /** A usage error naming the option, the value given and what is allowed; picocli exits 2 with it. */
    private CommandLine.ParameterException usage(String option, String value, String allowed) {
        String shown = value == null ? "is missing" : "'" + Secret.maskUri(value) + "' is not allowed";
        return new CommandLine.ParameterException(spec.commandLine(), option + " " + shown + ": " + allowed);
    }

    private void printError(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(message);
        err.flush();
    }
}
