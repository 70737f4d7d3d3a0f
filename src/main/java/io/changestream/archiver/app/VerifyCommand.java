package io.changestream.archiver.app;

import com.mongodb.MongoException;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.replay.verify.SnapshotVerifier;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.replay.verify.VerifyReport;
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
 * {@code verify}: holds the archive against the tracker's flush log and itself ({@link Verifier}). Exit 0 when
 * consistent, 1 when not, 2 on bad configuration, 3 when the store or tracker cannot be read.
 */
@Command(name = "verify", sortOptions = false, mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Check the archive against the tracker's flush log and itself; exit 0 when consistent, "
                + "1 when not.")
final class VerifyCommand implements Callable<Integer> {

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    VerifyCommand(Map<String, String> env) {
        this.env = env;
    }

    @Option(names = "--collections", split = ",", paramLabel = "NAME", description = "Collections to verify "
            + "(default: MONGODB_COLLECTIONS, else every collection in the archive or the tracker).")
    List<String> collections = new ArrayList<>();

    @Option(names = "--json", description = "Print the report as JSON instead of a table.")
    boolean json;

    @Override
    public Integer call() {
        try (ArchiveAccess archive = ArchiveAccess.open(ConfigLoader.loadOffline(env, true))) {
            archive.checkTracker();
            VerifyReport report = new Verifier(archive.catalog, archive.tracker())
                    .verify(archive.collections(collections, spec));
            List<SnapshotVerifier.Verdict> snapshots = new SnapshotVerifier(archive.catalog.snapshots(), archive.store,
                    Optional.of(archive.tracker()), Optional.of(archive.snapshotProgress()))
                    .verify(archive.collections(collections, spec));
            boolean snapshotsConsistent = snapshots.stream().allMatch(v -> v.problems().isEmpty());
            PrintWriter out = spec.commandLine().getOut();
            out.print(json ? report.toJson(snapshots) : report.toText() + SnapshotVerifier.toText(snapshots));
            out.flush();
            return report.consistent() && snapshotsConsistent ? Main.OK : Main.CHECK_FAILED;
        } catch (ConfigException e) {
            printError(e.getMessage());
            return Main.USAGE;
        } catch (MongoException | StoreException | UncheckedIOException | IllegalStateException e) {
            printError("verify failed: " + Secret.maskUri(String.valueOf(e.getMessage())));
            return Main.RUNTIME_FAILURE;
        }
    }

    private void printError(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(message);
        err.flush();
    }
}
