package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 (CLI): the one-off commands write their result, and only their result, to standard output; every log
 * line goes to standard error, so {@code replay --dry-run > out}, {@code status --json | jq} and
 * {@code verify > report} hold what the command printed. Each command runs as its own JVM, as an operator runs it.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CommandOutputStreamsTest {
    @TempDir
    static Path archive;
    @TempDir
    static Path scratch;

    private ArchivingFixture fixture;

    @BeforeAll
    void archiveOneRound() throws InterruptedException {
        fixture = new ArchivingFixture(archive, TypedWorkload.COLLECTIONS, Map.of());
        fixture.archiveRounds(new TypedWorkload(), 1, 3);
    }

    @AfterAll
    void stop() {
        fixture.close();
    }

    @Test
    void replayDryRunPrintsOnlyItsSummaryOnStandardOutput() throws Exception {
        Outcome o = run("replay", "--dry-run");
        assertThat(o.exit).as(o.toString()).isZero();
        assertThat(o.stdout).as(o.toString()).contains("replay (dry run, nothing written)");
        assertOnlyCommandOutput(o);
    }

    @Test
    void statusJsonPrintsOnlyJsonOnStandardOutput() throws Exception {
        Outcome o = run("status", "--json");
        assertThat(o.exit).as(o.toString()).isZero();
        assertThat(o.stdout.strip()).as(o.toString()).startsWith("{").endsWith("}");
        org.bson.BsonDocument.parse(o.stdout); // the whole of stdout is one JSON document
        assertOnlyCommandOutput(o);
    }

    @Test
    void verifyPrintsOnlyItsReportOnStandardOutput() throws Exception {
        Outcome o = run("verify");
        assertThat(o.exit).as(o.toString()).isZero();
        assertOnlyCommandOutput(o);
    }

    private static void assertOnlyCommandOutput(Outcome o) {
        assertThat(o.stdout.lines()).as(o.toString())
                .noneMatch(l -> l.startsWith("{\"@timestamp\"") || l.contains("\"logger_name\""));
        assertThat(o.stderr.lines()).as(o.toString()).anyMatch(l -> l.contains("\"logger_name\""));
    }

    private Outcome run(String... args) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
                "io.changestream.archiver.app.Main"));
        command.addAll(List.of(args));
        Path out = Files.createTempFile(scratch, "stdout", ".txt");
        Path err = Files.createTempFile(scratch, "stderr", ".txt");
        ProcessBuilder builder = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
        builder.environment().keySet().removeIf(k -> k.startsWith("MONGODB_") || k.startsWith("ARCHIVE_")
                || k.startsWith("AZURE_") || k.startsWith("TRACKER_") || k.startsWith("LOG_"));
        builder.environment().putAll(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(),
                "TRACKER_URI", fixture.server.uri(), "TRACKER_DATABASE", ArchivingFixture.DATABASE,
                "LOG_LEVEL", "debug"));
        Process p = builder.start();
        int exit = p.waitFor(120, TimeUnit.SECONDS) ? p.exitValue() : -1;
        p.destroyForcibly();
        return new Outcome(exit, Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    private record Outcome(int exit, String stdout, String stderr) {
        @Override
        public String toString() {
            return "exit " + exit + "\n--- stdout\n" + stdout + "--- stderr\n" + stderr;
        }
    }
}
