package io.changestream.archiver.app;

import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.StoreException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code snapshots}: lists each collection's snapshots from the store: id, state, start and end cluster time,
 * documents and bytes. A snapshot without its manifest is {@code incomplete} (running, or interrupted and waiting to
 * resume) and is never used by {@code replay}. Exit codes: 0 listed; 2 bad configuration; 3 the store failed.
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
        try (ArchiveAccess archive = ArchiveAccess.open(ConfigLoader.loadOffline(env, false))) {
            SnapshotCatalog snapshots = archive.catalog.snapshots();
            PrintWriter out = spec.commandLine().getOut();
            out.printf("%-24s %-28s %-10s %-26s %-26s %12s %14s%n", "collection", "snapshot", "state", "start", "end",
                    "documents", "bytes");
            for (String c : archive.collections(collections)) {
                for (SnapshotCatalog.Listed s : snapshots.list(c)) {
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
            out.flush();
            return Main.OK;
        } catch (ConfigException e) {
            printError(e.getMessage());
            return Main.USAGE;
        } catch (StoreException | UncheckedIOException e) {
            printError("snapshots failed: " + Secret.maskUri(String.valueOf(e.getMessage())));
            return Main.RUNTIME_FAILURE;
        }
    }

    private void printError(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(message);
        err.flush();
    }
}
