package io.changestream.archiver.app;

import com.mongodb.MongoException;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.replay.status.StatusReport;
import io.changestream.archiver.store.StoreException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code status}: each collection's checkpoint, lag, last flush, files, totals and snapshots, from the tracker and the store. */
@Command(name = "status", sortOptions = false, mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Print each collection's checkpoint, lag and last flush from the tracker.")
final class StatusCommand implements Callable<Integer> {

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    StatusCommand(Map<String, String> env) {
        this.env = env;
    }

    @Option(names = "--collections", split = ",", paramLabel = "NAME", description = "Collections to show "
            + "(default: MONGODB_COLLECTIONS, else every collection in the tracker or the archive).")
    List<String> collections = new ArrayList<>();

    @Option(names = "--json", description = "Print JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        try (ArchiveAccess archive = ArchiveAccess.open(ConfigLoader.loadOffline(env, true))) {
            archive.checkTracker();
            StatusReport report = StatusReport.read(archive.collections(collections, spec), archive.tracker(),
                    archive.snapshotProgress(), archive.catalog, Clock.systemUTC());
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? report.toJson() : report.toText());
            out.flush();
            return Main.OK;
        } catch (ConfigException e) {
            printError(e.getMessage());
            return Main.USAGE;
        } catch (MongoException | StoreException | UncheckedIOException | IllegalStateException e) {
            printError("status failed: " + Secret.maskUri(String.valueOf(e.getMessage())));
            return Main.RUNTIME_FAILURE;
        }
    }

    private void printError(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(message);
        err.flush();
    }
}
