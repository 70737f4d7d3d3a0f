package io.changestream.archiver.app;

import io.changestream.archiver.config.Secret;
import io.changestream.archiver.ops.metrics.BuildInfo;
import java.io.PrintWriter;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar changestream-archiver.jar <command>}; with no command it runs {@code run}.
 * Exit codes: 0 success; 1 a check failed; 2 bad configuration or usage; 3 an unrecoverable runtime failure.
 */
@Command(name = "changestream-archiver", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Archives MongoDB change streams to ADLS Gen2 or a local folder, exactly once, and replays them.",
        subcommands = {RunCommand.class, ReplayCommand.class, VerifyCommand.class, StatusCommand.class,
                DemoCommand.class, SnapshotsCommand.class, PruneCommand.class})
public final class Main {
    public static final int OK = 0;
    public static final int CHECK_FAILED = 1;
    public static final int USAGE = 2;
    public static final int RUNTIME_FAILURE = 3;

    public static void main(String[] args) {
        System.exit(execute(args));
    }

    /** Runs a command line and returns its exit code (tests call this instead of {@link #main}). */
    public static int execute(String... args) {
        // The one read of the process environment: every command and ConfigLoader get this map injected.
        return execute(System.getenv(), null, null, args);
    }

    /**
     * Runs a command line with the given environment (what every command, {@code run} too, reads its configuration
     * from) and output streams (null: standard out and err). For tests and embedding.
     */
    public static int execute(Map<String, String> env, PrintWriter out, PrintWriter err, String... args) {
        String[] effective = args.length == 0 ? new String[] {"run"} : args;
        CommandLine cli = new CommandLine(new Main(), factory(env));
        if (out != null) {
            cli.setOut(out);
        }
        if (err != null) {
            cli.setErr(err);
        }
        // Usage errors, including those a command finds in its option values, exit 2; anything else thrown is 3.
        cli.setExitCodeExceptionMapper(e -> e instanceof CommandLine.ParameterException ? USAGE : RUNTIME_FAILURE);
        cli.getCommandSpec().exitCodeOnInvalidInput(USAGE);
        cli.setParameterExceptionHandler(Main::usageError);
        return cli.execute(effective);
    }

    /** Gives the commands the environment to read; every other class is made as usual. */
    private static CommandLine.IFactory factory(Map<String, String> env) {
        return new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> cls) throws Exception {
                Object made = cls == RunCommand.class ? new RunCommand(env)
                        : cls == ReplayCommand.class ? new ReplayCommand(env)
                        : cls == VerifyCommand.class ? new VerifyCommand(env)
                        : cls == StatusCommand.class ? new StatusCommand(env)
                        : cls == DemoCommand.class ? new DemoCommand(env)
                        : cls == SnapshotsCommand.class ? new SnapshotsCommand(env)
                        : cls == PruneCommand.class ? new PruneCommand(env) : null;
                return made != null ? cls.cast(made) : CommandLine.defaultFactory().create(cls);
            }
        };
    }

    /**
     * {@code -V}: the version and git revision baked into the jar ({@link BuildInfo}, the same source as the
     * {@code archiver_build_info} metric); "(development build)" only when running from unfiltered classes.
     */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {describe(BuildInfo.current())};
        }

        static String describe(BuildInfo build) {
            if (BuildInfo.UNKNOWN.equals(build.version())) {
                return "changestream-archiver (development build)";
            }
            return "changestream-archiver " + build.version() + (BuildInfo.UNKNOWN.equals(build.revision()) ? ""
                    : " (git " + build.revision() + ")");
        }
    }

    /**
     * A usage error is one line and a hint, not the whole usage: the message (masked: picocli quotes what was
     * typed, which may be a connection string), picocli's suggestions for a mistyped option, and where the help is.
     */
    private static int usageError(CommandLine.ParameterException e, String[] args) {
        CommandLine cli = e.getCommandLine();
        PrintWriter err = cli.getErr();
        err.println(Secret.maskUri(e.getMessage()));
        CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cli.getCommandSpec().qualifiedName() + " --help' for more information.");
        err.flush();
        return USAGE;
    }
}
