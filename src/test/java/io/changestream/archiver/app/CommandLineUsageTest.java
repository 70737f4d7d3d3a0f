package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.ops.metrics.BuildInfo;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 15 (CLI): help on every command, a version that names the build, and short usage errors. */
class CommandLineUsageTest {

    @Test
    void runAndDemoAnswerHelpLikeEveryOtherCommand() {
        for (String command : new String[] {"run", "demo", "replay", "verify", "status", "snapshots"}) {
            Run r = run(command, "--help");
            assertThat(r.exit).as(command + ": " + r.err).isZero();
            assertThat(r.out).as(command).contains("Usage: changestream-archiver " + command);
            assertThat(r.err).as(command).doesNotContain("Unknown option");
        }
    }

    @Test
    void theVersionNamesTheBuildsVersionAndRevision() {
        assertThat(Main.Version.describe(new BuildInfo("1.4.0", "3f9c2ab")))
                .isEqualTo("changestream-archiver 1.4.0 (git 3f9c2ab)");
        assertThat(Main.Version.describe(new BuildInfo("1.4.0", null))).isEqualTo("changestream-archiver 1.4.0");
        assertThat(Main.Version.describe(new BuildInfo("${project.version}", null)))
                .isEqualTo("changestream-archiver (development build)");
        assertThat(run("run", "-V").out).startsWith("changestream-archiver ");
    }

    @Test
    void aUsageErrorIsOneLineAndAHintNotTheWholeUsage() {
        Run r = run("replay", "--bogus");

        assertThat(r.exit).isEqualTo(Main.USAGE);
        assertThat(r.err).contains("Unknown option: '--bogus'", "Try 'changestream-archiver replay --help'")
                .doesNotContain("Usage:");
        assertThat(r.err.strip().lines().count()).as(r.err).isLessThanOrEqualTo(3);
    }

    @Test
    void aMistypedOptionStillGetsItsSuggestion() {
        Run r = run("replay", "--dryrun");

        assertThat(r.exit).isEqualTo(Main.USAGE);
        assertThat(r.err).contains("--dry-run").doesNotContain("Usage:");
    }

    @Test
    void aUsageErrorQuotingAConnectionStringMasksIt() {
        Run r = run("status", "mongodb://app:pw-s3cr3t@db.example/");

        assertThat(r.exit).isEqualTo(Main.USAGE);
        assertThat(r.err).doesNotContain("pw-s3cr3t").contains("db.example");
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(err), args);
        return new Run(exit, out.toString(), err.toString());
    }

    private record Run(int exit, String out, String err) {
    }
}
