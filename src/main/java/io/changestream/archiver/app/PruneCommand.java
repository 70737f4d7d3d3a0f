package io.changestream.archiver.app;

import com.mongodb.MongoException;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.prune.PrunePlan;
import io.changestream.archiver.replay.prune.Pruner;
import io.changestream.archiver.store.StoreException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.bson.BsonTimestamp;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prune --keep-since T [--apply]}: prints, per collection, what no restore to a time at or after T needs and
 * would be removed (older snapshots, hour files, their flush-log entries, with sizes) and what is kept and why
 * ({@link Pruner} owns the rule and the order of removal); removes it only with {@code --apply}, and then nothing at
 * all when any collection's checks fail. Exit codes: 0 planned or pruned; 1 a check failed, nothing removed; 2 bad
 * configuration or usage; 3 the store or tracker failed (a prune stopped half way is finished by running it again).
 */
@Command(name = "prune", sortOptions = false, mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Remove what no restore to a time at or after --keep-since needs (older snapshots, hour files "
                + "and their flush-log entries); prints the plan and changes nothing without --apply.")
final class PruneCommand implements Callable<Integer> {
    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    PruneCommand(Map<String, String> env) {
        this.env = env;
    }

    @Option(names = "--keep-since", required = true, paramLabel = "TIME", description = "Keep what restores to this "
            + "time or later need: an ISO-8601 instant (2026-01-01T10:00:00Z) or <seconds>:<increment>, as replay's "
            + "--until.")
    String keepSince;

    @Option(names = "--apply", description = "Remove what the plan lists (without it, nothing changes).")
    boolean apply;

    @Option(names = "--collections", split = ",", paramLabel = "NAME", description = "Collections to prune "
            + "(default: MONGODB_COLLECTIONS, else every collection in the archive or the tracker).")
    List<String> collections = new ArrayList<>();

    @Override
    public Integer call() {
        BsonTimestamp since;
        try {
            since = ReplayWindow.parseUntil(keepSince);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--keep-since '" + Secret.maskUri(keepSince)
                    + "' is not allowed: " + e.getMessage());
        }
        try (ArchiveAccess archive = ArchiveAccess.open(ConfigLoader.loadOffline(env, true))) {
            Pruner pruner = new Pruner(archive.catalog, archive.tracker(), archive.snapshotProgress());
            List<PrunePlan> plans = archive.collections(collections).stream().map(c -> pruner.plan(c, since)).toList();
            PrintWriter out = spec.commandLine().getOut();
            plans.forEach(p -> out.print(p.toText()));
            boolean refused = plans.stream().anyMatch(PrunePlan::refused);
            if (refused) {
                out.println("prune refused: a check failed; nothing was removed");
            } else if (!apply) {
                out.println("plan only: nothing was removed (run again with --apply to remove it)");
            } else {
                for (PrunePlan plan : plans) {
                    pruner.apply(plan);
                }
                out.println("pruned: " + plans.stream().mapToLong(PrunePlan::bytes).sum() + " bytes removed");
            }
            out.flush();
            return refused ? Main.CHECK_FAILED : Main.OK;
        } catch (ConfigException e) {
            printError(e.getMessage());
            return Main.USAGE;
        } catch (MongoException | StoreException | UncheckedIOException | IllegalStateException e) {
            printError("prune failed: " + Secret.maskUri(String.valueOf(e.getMessage())));
            return Main.RUNTIME_FAILURE;
        }
    }

    private void printError(String message) {
        PrintWriter err = spec.commandLine().getErr();
        err.println(message);
        err.flush();
    }
}
