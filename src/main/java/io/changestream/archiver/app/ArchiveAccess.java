package io.changestream.archiver.app;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.MongoTimeoutException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.MongoCheckpointStore;
import io.changestream.archiver.config.ArchiverConfig.Tracker;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigException.Problem;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.config.OfflineConfig;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The archive (and, when asked for, the tracker) opened for the commands that read them: {@code replay},
 * {@code verify}, {@code status}, {@code snapshots}, {@code prune}. Holds only what it opened, and closes it.
 *
 * <p><b>Read only.</b> The tracker is opened {@link MongoCheckpointStore#forReading for reading}: no index, no
 * collection is created, so these commands work against a secondary and with a role that may only {@code find}
 * and {@code listCollections} ({@code prune --apply} alone deletes: the files it removes and their flush-log
 * entries). {@link #checkTracker} refuses a tracker collection that does not exist (a typo in
 * {@code TRACKER_COLLECTION} would otherwise read as "never flushed") as a configuration error, exit 2.
 *
 * <p><b>Fail fast.</b> A one-off command waits {@value #DEFAULT_TIMEOUT_MS} ms for the tracker, not the driver's
 * 30 s, unless {@code TRACKER_URI} sets {@code serverSelectionTimeoutMS}; then it says in one line which tracker
 * did not answer within how long.
 */
final class ArchiveAccess implements AutoCloseable {
    static final long DEFAULT_TIMEOUT_MS = 5_000;
    private static final Logger log = LoggerFactory.getLogger(ArchiveAccess.class);

    final OfflineConfig config;
    final ArchiveStore store;
    final ArchiveCatalog catalog;
    private final Optional<MongoClient> client;
    private final Optional<CheckpointStore> tracker;
    private final Optional<SnapshotProgressStore> snapshotProgress;

    private ArchiveAccess(OfflineConfig config, ArchiveStore store, Optional<MongoClient> client) {
        this.config = config;
        this.store = store;
        this.catalog = new ArchiveCatalog(store, config.store().prefix());
        this.client = client;
        this.tracker = client.map(c -> config.tracker().map(t -> (CheckpointStore) MongoCheckpointStore.forReading(
                c, t.database(), t.collection())).orElseThrow());
        this.snapshotProgress = client.map(c -> config.tracker().map(t -> (SnapshotProgressStore)
                new MongoSnapshotProgressStore(c, t.database(), t.collection())).orElseThrow());
    }

    static ArchiveAccess open(OfflineConfig config) {
        ArchiveStore store = ArchiveStores.open(config.store());
        try {
            Optional<MongoClient> client = config.tracker().map(t -> MongoClients.create(MongoClientSettings.builder()
                    .applyConnectionString(new ConnectionString(t.uri().reveal()))
                    .applyToClusterSettings(b -> b.serverSelectionTimeout(timeoutMs(t), TimeUnit.MILLISECONDS))
                    .applicationName("changestream-archiver").build()));
            log.info("reading the archive in {}{}", store.describe(), config.tracker()
                    .map(t -> " and the tracker " + t.database() + "." + t.collection() + " on " + hosts(t))
                    .orElse(""));
            return new ArchiveAccess(config, store, client);
        } catch (RuntimeException e) {
            store.close();
            throw e;
        }
    }

    CheckpointStore tracker() {
        return tracker.orElseThrow(() -> new IllegalStateException("the tracker was not opened"));
    }

    /** The tracker's snapshot records (the tracker's client, closed with it). */
    SnapshotProgressStore snapshotProgress() {
        return snapshotProgress.orElseThrow(() -> new IllegalStateException("the tracker was not opened"));
    }

    /**
     * Checks that the tracker answers and that its collection exists, reading only.
     *
     * @throws ConfigException      the tracker collection does not exist in the tracker database
     * @throws TrackerUnavailable   the tracker did not answer in time
     */
    void checkTracker() {
        Tracker t = config.tracker().orElseThrow(() -> new IllegalStateException("the tracker was not opened"));
        List<String> names = new ArrayList<>();
        try {
            client.orElseThrow().getDatabase(t.database()).listCollectionNames().authorizedCollections(true)
                    .into(names);
        } catch (MongoTimeoutException e) {
            throw new TrackerUnavailable("the tracker (" + hosts(t) + ", database " + t.database() + ") did not "
                    + "answer within " + seconds(timeoutMs(t)) + " s: is it running and reachable from here? (set "
                    + "serverSelectionTimeoutMS in TRACKER_URI to wait longer)");
        }
        if (!names.contains(t.collection())) {
            List<String> shown = names.stream().filter(n -> !n.startsWith("system.")).sorted().limit(20).toList();
            throw new ConfigException(List.of(new Problem("TRACKER_COLLECTION", t.collection(), "the name of the "
                    + "tracker collection, which does not exist in database " + t.database() + " ("
                    + (shown.isEmpty() ? "it holds no collection" : "it holds " + String.join(", ", shown)) + ")")));
        }
    }

    /**
     * The collections a command works on: the ones asked for, else {@code MONGODB_COLLECTIONS}, else every
     * collection the archive (and the tracker, when open) knows. A name asked for that neither knows is a usage
     * error naming the known ones (exit 2), as {@code replay} does.
     */
    List<String> collections(List<String> asked, CommandSpec spec) {
        if (!asked.isEmpty()) {
            List<String> known = known();
            for (String c : asked) {
                if (!known.contains(c)) {
                    throw new CommandLine.ParameterException(spec.commandLine(), "--collections '" + c + "' is not "
                            + "allowed: a collection with an archive in " + store.describe()
                            + (tracker.isPresent() ? " or a record in the tracker" : "")
                            + (known.isEmpty() ? " (there is none)" : ": " + String.join(", ", known)));
                }
            }
            return asked;
        }
        return collections(asked);
    }

    /** As {@link #collections(List, CommandSpec)}, without checking the names asked for. */
    List<String> collections(List<String> asked) {
        if (!asked.isEmpty()) {
            return asked;
        }
        if (!config.collections().isEmpty()) {
            return config.collections();
        }
        return known();
    }

    private List<String> known() {
        TreeSet<String> known = new TreeSet<>(catalog.collections());
        tracker.ifPresent(t -> known.addAll(t.collections()));
        return List.copyOf(known);
    }

    private static long timeoutMs(Tracker t) {
        Integer set = new ConnectionString(t.uri().reveal()).getServerSelectionTimeout();
        return set != null ? set : DEFAULT_TIMEOUT_MS;
    }

    private static String hosts(Tracker t) {
        return String.join(",", new ConnectionString(t.uri().reveal()).getHosts());
    }

    private static String seconds(long millis) {
        return BigDecimal.valueOf(millis, 3).stripTrailingZeros().toPlainString();
    }

    /** The tracker did not answer within the command's timeout: a runtime failure (exit 3), said in one line. */
    static final class TrackerUnavailable extends IllegalStateException {
        TrackerUnavailable(String message) {
            super(message);
        }
    }

    @Override
    public void close() {
        try {
            tracker.ifPresent(CheckpointStore::close);
        } finally {
            store.close();
        }
    }
}
