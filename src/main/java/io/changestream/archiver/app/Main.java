package io.changestream.archiver.app;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code java -jar changestream-archiver.jar <command>}; with no command it runs {@code run}.
 * Exit codes: 0 success; 1 a check failed; 2 bad configuration or usage; 3 an unrecoverable runtime failure.
 */
@Command(name = "changestream-archiver", mixinStandardHelpOptions = true,
        versionProvider = Main.Version.class,
        description = "Archives MongoDB change streams to ADLS Gen2 or a local folder, exactly once, and replays them.",
        subcommands = {RunCommand.class, DemoCommand.class})
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
        String[] effective = args.length == 0 ? new String[] {"run"} : args;
        CommandLine cli = new CommandLine(new Main());
        cli.setExitCodeExceptionMapper(e -> RUNTIME_FAILURE);
        cli.getCommandSpec().exitCodeOnInvalidInput(USAGE);
        return cli.execute(effective);
    }

    /** The version from the jar manifest, when there is one. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"changestream-archiver " + (v == null ? "(development build)" : v)};
        }
    }
}
