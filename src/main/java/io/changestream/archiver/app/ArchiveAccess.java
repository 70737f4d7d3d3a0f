package io.changestream.archiver.app;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.MongoCheckpointStore;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.config.OfflineConfig;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The archive (and, when asked for, the tracker) opened for the commands that read them: {@code replay},
 * {@code verify}, {@code status}. Holds only what it opened, and closes it.
 */
final class ArchiveAccess implements AutoCloseable {
    final OfflineConfig config;
    final ArchiveStore store;
    final ArchiveCatalog catalog;
    private final Optional<CheckpointStore> tracker;
    private final Optional<SnapshotProgressStore> snapshotProgress;

    private ArchiveAccess(OfflineConfig config, ArchiveStore store, Optional<CheckpointStore> tracker,
                          Optional<SnapshotProgressStore> snapshotProgress) {
        this.config = config;
        this.store = store;
        this.catalog = new ArchiveCatalog(store, config.store().prefix());
        this.tracker = tracker;
        this.snapshotProgress = snapshotProgress;
    }

    static ArchiveAccess open(OfflineConfig config) {
        ArchiveStore store = ArchiveStores.open(config.store());
        try {
            Optional<MongoClient> client = config.tracker().map(t -> MongoClients.create(MongoClientSettings.builder()
                    .applyConnectionString(new ConnectionString(t.uri().reveal()))
                    .applicationName("changestream-archiver").build()));
            Optional<CheckpointStore> tracker = client.map(c -> new MongoCheckpointStore(c,
                    config.tracker().get().database(), config.tracker().get().collection(), true));
            Optional<SnapshotProgressStore> progress = client.map(c -> new MongoSnapshotProgressStore(c,
                    config.tracker().get().database(), config.tracker().get().collection()));
            return new ArchiveAccess(config, store, tracker, progress);
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
     * The collections a command works on: the ones asked for, else {@code MONGODB_COLLECTIONS}, else every
     * collection the archive (and the tracker, when open) knows.
     */
    List<String> collections(List<String> asked) {
        if (!asked.isEmpty()) {
            return asked;
        }
        if (!config.collections().isEmpty()) {
            return config.collections();
        }
        TreeSet<String> known = new TreeSet<>(catalog.collections());
        tracker.ifPresent(t -> known.addAll(t.collections()));
        return List.copyOf(known);
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
