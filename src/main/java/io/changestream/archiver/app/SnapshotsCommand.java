package io.changestream.archiver.app;

import com.mongodb.MongoException;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.OfflineConfig;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.replay.verify.SnapshotVerifier;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.StoreException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code snapshots}: lists each collection's snapshots from the store: id, state, start and end cluster time,
 * documents and bytes. A snapshot without its manifest is {@code incomplete} (running, or interrupted and waiting to
 * resume) and is never used by {@code replay}.
 *
 * <p>When the tracker is configured it is read too, after the listing: an incomplete folder it has no record of
 * (the tracker was reset, or the folder copied in) will never resume, and a note under the table names it as
 * {@code verify} does ({@link SnapshotVerifier#unrecordedNote}). The listing needs only the store: when the tracker
 * is not configured or does not answer, a note says incomplete folders were not held against it. Exit codes: 0
 * listed; 2 bad configuration; 3 the store failed.
 */
@Command(name = "snapshots", sortOptions = false, mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class, description = "List each collection's snapshots.")
final class SnapshotsCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    SnapshotsCommand(Map<String, String> env) {
        this.env = env;
    }

    @Option(names = "--collections", split = ",", paramLabel = "NAME", description = "Collections to list "
            + "(default: MONGODB_COLLECTIONS, else every collection in the archive).")
    List<String> collections = new ArrayList<>();

    @Override
    public Integer call() {
        try {
            OfflineConfig withTracker;
            try {
                withTracker = ConfigLoader.loadOffline(env, true);
            } catch (ConfigException e) {
                return list(ConfigLoader.loadOffline(env, false), Optional.of("its settings are missing or not valid: "
                        + "TRACKER_URI or MONGODB_URI, with TRACKER_DATABASE or MONGODB_DATABASE"));
            }
            return list(withTracker, Optional.empty());
        } catch (ConfigException e) {
            printError(e.getMessage());
            return Main.USAGE;
        }
    }

    /** @param untracked why the tracker is not read, when it is not */
    private int list(OfflineConfig config, Optional<String> untracked) {
        try (ArchiveAccess archive = ArchiveAccess.open(config)) {
            SnapshotCatalog snapshots = archive.catalog.snapshots();
            PrintWriter out = spec.commandLine().getOut();
            List<String> notes = new ArrayList<>();
            boolean anyIncomplete = false;
            boolean trackerChecked = false;
            out.printf("%-24s %-28s %-10s %-26s %-26s %12s %14s%n", "collection", "snapshot", "state", "start", "end",
                    "documents", "bytes");
            for (String c : archive.collections(collections)) {
                List<SnapshotCatalog.Listed> folders = snapshots.list(c);
                if (folders.stream().anyMatch(l -> l.manifest().isEmpty())) {
                    anyIncomplete = true;
                    if (untracked.isEmpty() && !trackerChecked) {
                        untracked = trackerProblem(archive);
                        trackerChecked = true;
                    }
                    if (untracked.isEmpty()) {
                        untracked = unrecorded(archive, snapshots, c, folders, notes);
                    }
                }
                for (SnapshotCatalog.Listed s : folders) {
                    if (s.manifest().isPresent()) {
                        SnapshotManifest m = s.manifest().get();
                        out.printf("%-24s %-28s %-10s %-26s %-26s %12d %14d%n", c, s.id(), "complete",
                                ReplayWindow.describe(m.start()), ReplayWindow.describe(m.end()), m.documents(),
                                m.bytes());
                    } else {
                        out.printf("%-24s %-28s %-10s %-26s %-26s %12s %14d%n", c, s.id(), "incomplete", "-", "-",
                                s.partFiles() + " parts", s.bytes());
                    }
                }
            }
            notes.forEach(n -> out.println("note: " + n));
            if (anyIncomplete && untracked.isPresent()) {
                out.println("note: the tracker was not read, so incomplete snapshots are listed without telling the "
                        + "ones it records (running, or waiting to resume) from folders it has no record of, which "
                        + "nothing will resume (verify tells them apart); " + untracked.get());
            }
            out.flush();
            return Main.OK;
        } catch (StoreException | UncheckedIOException e) {
            printError("snapshots failed: " + Secret.maskUri(String.valueOf(e.getMessage())));
            return Main.RUNTIME_FAILURE;
        }
    }

    /** Why the tracker cannot be read (it does not answer, or its collection does not exist), if it cannot. */
    private static Optional<String> trackerProblem(ArchiveAccess archive) {
        try {
            archive.checkTracker();
            return Optional.empty();
        } catch (ConfigException | MongoException | IllegalStateException e) {
            return Optional.of(Secret.maskUri(String.valueOf(e.getMessage())));
        }
    }

    /**
     * Adds a note for each incomplete folder of {@code collection} the tracker has no record of; the records are read
     * after the listing (a snapshot's record is written before its first file). Returns why the tracker could not be
     * read, when it could not.
     */
    private static Optional<String> unrecorded(ArchiveAccess archive, SnapshotCatalog snapshots, String collection,
                                               List<SnapshotCatalog.Listed> folders, List<String> notes) {
        try {
            SnapshotVerifier.unrecorded(folders, archive.snapshotProgress().snapshots(collection)).forEach(id ->
                    notes.add(collection + ": " + SnapshotVerifier.unrecordedNote(snapshots.layout(), collection, id)));
            return Optional.empty();
        } catch (MongoException e) {
            return Optional.of(Secret.maskUri(String.valueOf(e.getMessage())));
        }
    }

    private void printError(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(message);
        err.flush();
    }
}
