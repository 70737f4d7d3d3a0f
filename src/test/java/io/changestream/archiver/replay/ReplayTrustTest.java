package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 4: {@code replay} must not restore partial or wrong data with exit 0. An archive the real pipeline
 * wrote in three flushes (inserts with {@code v: 1}, the same documents updated to {@code v: 2}, more inserts) is
 * damaged on a copy in each way the finding names, and replayed through the command, for real and dry: with the
 * tracker every difference from its flush log exits 1 (unless {@code --allow-unverified}, which says the archive was
 * not verified); without it, an event whose clusterTime goes backwards is refused and the summary says the archive
 * was not verified.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayTrustTest {
    private static final int DOCUMENTS = 12;

    @TempDir
    static Path archive;

    @TempDir
    Path copy;

    private ArchivingFixture fixture;
    private int databases;

    @BeforeAll
    void archiveInsertsThenUpdatesThenInserts() throws InterruptedException {
        fixture = new ArchivingFixture(archive, List.of("people"), Map.of());
        var people = fixture.source().getCollection("people");
        for (int i = 0; i < DOCUMENTS; i++) {
            people.insertOne(new Document("_id", i).append("v", 1).append("note", "payload-aaaaaaaa"));
        }
        fixture.awaitCaptured(DOCUMENTS);
        fixture.flush();
        for (int i = 0; i < DOCUMENTS; i++) {
            people.updateOne(Filters.eq("_id", i), Updates.set("v", 2));
        }
        fixture.awaitCaptured(2L * DOCUMENTS);
        fixture.flush();
        for (int i = DOCUMENTS; i < 2 * DOCUMENTS; i++) {
            people.insertOne(new Document("_id", i).append("v", 1).append("note", "payload-aaaaaaaa"));
        }
        fixture.awaitCaptured(3L * DOCUMENTS);
        fixture.flush();
    }

    @AfterAll
    void stop() {
        fixture.close();
    }

    @Test
    void anIntactArchiveReplaysWithExitZeroAndSaysItWasVerifiedAgainstTheFlushLog() {
        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(archive, true, dry);

            assertThat(run.exit).as(run.out).isZero();
            assertThat(run.out).contains("replay: OK (verified against the flush log)").doesNotContain("NOT verified");
            if (!dry) {
                assertThat(run.equalsSource()).as(run.out).isTrue();
            }
        }
    }

    @Test
    void finding4_aDeletedHourFileFailsTheReplayNamingTheFile() throws IOException {
        String deleted = firstRange().file();
        Files.delete(copyArchive().resolve(deleted));

        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(copy, true, dry);

            assertThat(run.exit).as(run.out).isEqualTo(Main.CHECK_FAILED);
            assertThat(run.out).contains("missing-file", deleted).doesNotContain("replay: OK");
        }
    }

    @Test
    void finding4_aTruncatedLastLineOfACheckpointedFileFailsTheReplay() throws IOException {
        Path file = copyArchive().resolve(checkpoint().file().orElseThrow());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));

        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(copy, true, dry);

            assertThat(run.exit).as(run.out).isEqualTo(Main.CHECK_FAILED);
            assertThat(run.out).contains("truncated").doesNotContain("removes it on its next start");
        }
    }

    @Test
    void finding4_aDroppedLastLineOfACheckpointedFileFailsTheReplay() throws IOException {
        Path file = copyArchive().resolve(checkpoint().file().orElseThrow());
        byte[] bytes = Files.readAllBytes(file);
        int lastLineStart = lastIndexOf(bytes, (byte) '\n', bytes.length - 2) + 1;
        Files.write(file, Arrays.copyOf(bytes, lastLineStart));

        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(copy, true, dry);

            assertThat(run.exit).as(run.out).isEqualTo(Main.CHECK_FAILED);
            assertThat(run.out).contains("truncated", checkpoint().file().orElseThrow());
        }
    }

    @Test
    void finding4_aDuplicatedRangeFailsTheReplayAndItsStaleEventsAreNotApplied() throws IOException {
        appendFirstRangeAgainToTheCheckpointFile();

        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(copy, true, dry);

            assertThat(run.exit).as(run.out).isEqualTo(Main.CHECK_FAILED);
            assertThat(run.out).contains("not a continuation the service would adopt");
            if (!dry) {
                assertThat(run.equalsSource()).as("stale v: 1 re-applied over v: 2\n" + run.out).isTrue();
            }
        }
    }

    @Test
    void finding4_withoutATrackerADuplicatedRangeFailsBecauseClusterTimeGoesBackwards() throws IOException {
        long copiedLine = appendFirstRangeAgainToTheCheckpointFile();
        String file = checkpoint().file().orElseThrow();

        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(copy, false, dry);

            assertThat(run.exit).as(run.out).isEqualTo(Main.CHECK_FAILED);
            assertThat(run.out).contains("is before", file + ":" + copiedLine + " @", "NOT verified");
            if (!dry) {
                assertThat(run.equalsSource()).as("stale v: 1 re-applied over v: 2\n" + run.out).isTrue();
            }
        }
    }

    @Test
    void finding4_aFlippedByteInsideALoggedRangeThatStillParsesFailsTheReplay() throws IOException {
        FlushRecord range = firstRange();
        Path file = copyArchive().resolve(range.file());
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf("payload-aaaa", (int) range.offset()) + "payload-".length();
        assertThat(at).isBetween((int) range.offset(), (int) range.end());
        bytes[at] = 'b';
        Files.write(file, bytes);

        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(copy, true, dry);

            assertThat(run.exit).as(run.out).isEqualTo(Main.CHECK_FAILED);
            assertThat(run.out).contains("checksum", range.file() + " @" + range.offset());
            assertThat(run.out).doesNotContain("unreadable");
        }
    }

    @Test
    void finding4_allowUnverifiedReplaysADamagedArchiveAndSaysPlainlyItWasNotVerified() throws IOException {
        Files.delete(copyArchive().resolve(firstRange().file()));

        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(copy, true, dry, "--allow-unverified");

            assertThat(run.exit).as(run.out).isZero();
            assertThat(run.out).contains("missing-file", "replayed anyway (--allow-unverified)",
                    "replay: OK, but NOT verified against the flush log");
        }
    }

    @Test
    void finding4_withoutATrackerAnIntactArchiveReplaysAndSaysItWasNotVerified() {
        for (boolean dry : new boolean[] {false, true}) {
            Run run = replay(archive, false, dry);

            assertThat(run.exit).as(run.out).isZero();
            assertThat(run.out).contains("NOT verified", "no tracker configured",
                    "replay: OK, but NOT verified against the flush log");
        }
    }

    @Test
    void finding4_aConfiguredTrackerThatCannotBeReadFailsTheReplayUnlessAllowUnverified() {
        Map<String, String> env = Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "TRACKER_URI",
                "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=300", "TRACKER_DATABASE", ArchivingFixture.DATABASE,
                "MONGODB_COLLECTIONS", "people");

        Run refused = run(env, "replay", "--dry-run");
        Run allowed = run(env, "replay", "--dry-run", "--allow-unverified");

        assertThat(refused.exit).as(refused.out).isEqualTo(Main.RUNTIME_FAILURE);
        assertThat(refused.out).contains("tracker cannot be read", "--allow-unverified");
        assertThat(allowed.exit).as(allowed.out).isZero();
        assertThat(allowed.out).contains("NOT verified", "tracker cannot be read");
    }

    @Test
    void finding4_aTornTailAfterTheCheckpointIsTheOnlyOneSaidToBeRemovedOnTheNextStart() throws IOException {
        Path file = copyArchive().resolve(checkpoint().file().orElseThrow());
        Files.write(file, "{\"torn".getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);

        Run run = replay(copy, true, true);

        assertThat(run.exit).as(run.out).isZero();
        assertThat(run.out).contains("torn tail of 6 bytes", "removes it on its next start",
                "replay: OK (verified against the flush log)");
    }

    @Test
    void aWindowEndingBeforeADamagedRangeIsReplayedVerifiedAndOneReachingItFails() throws IOException {
        List<FlushRecord> log = fixture.tracker.flushLog("people");
        FlushRecord last = log.get(log.size() - 1);
        Path file = copyArchive().resolve(last.file());
        byte[] bytes = Files.readAllBytes(file);
        int at = new String(bytes, StandardCharsets.ISO_8859_1).indexOf("payload-aaaa", (int) last.offset()) + 8;
        bytes[at] = 'b';
        Files.write(file, bytes);
        String beforeIt = log.get(0).lastClusterTime().getTime() + ":" + log.get(0).lastClusterTime().getInc();

        Run before = replay(copy, true, true, "--until", beforeIt);
        Run whole = replay(copy, true, true);

        assertThat(before.exit).as(before.out).isZero();
        assertThat(before.out).contains("replay: OK (verified against the flush log)");
        assertThat(whole.exit).as(whole.out).isEqualTo(Main.CHECK_FAILED);
        assertThat(whole.out).contains("checksum", last.file() + " @" + last.offset());
    }

    /** Appends the first flush's bytes (the inserts with v: 1) to the newest file; returns its first copied line. */
    private long appendFirstRangeAgainToTheCheckpointFile() throws IOException {
        FlushRecord first = firstRange();
        Path root = copyArchive();
        byte[] range = Arrays.copyOfRange(Files.readAllBytes(root.resolve(first.file())), (int) first.offset(),
                (int) first.end());
        Path newest = root.resolve(checkpoint().file().orElseThrow());
        long lines = new String(Files.readAllBytes(newest), StandardCharsets.UTF_8).chars().filter(c -> c == '\n')
                .count();
        Files.write(newest, range, java.nio.file.StandardOpenOption.APPEND);
        return lines + 1;
    }

    private record Run(int exit, String out, MongoDatabase target, ArchivingFixture fixture) {
        boolean equalsSource() {
            return DatabaseComparison.compare(fixture.source(), target, Map.of("people", "people"))
                    .equalIgnoringFieldOrder();
        }
    }

    private Run replay(Path root, boolean tracker, boolean dry, String... extra) {
        Map<String, String> env = tracker ? fixture.commandEnv(root)
                : Map.of("ARCHIVE_LOCAL_DIR", root.toString(), "MONGODB_COLLECTIONS", "people");
        String database = "trust" + (++databases);
        List<String> args = new ArrayList<>(List.of("replay"));
        args.addAll(dry ? List.of("--dry-run")
                : List.of("--target-uri", fixture.server.uri(), "--target-database", database));
        args.addAll(List.of(extra));
        Run run = run(env, args.toArray(String[]::new));
        return new Run(run.exit, run.out, fixture.database(database), fixture);
    }

    private Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        int exit = Main.execute(env, new PrintWriter(out), new PrintWriter(out), args);
        return new Run(exit, String.join(" ", args) + "\n" + out, null, fixture);
    }

    private FlushRecord firstRange() {
        return fixture.tracker.flushLog("people").get(0);
    }

    private Checkpoint checkpoint() {
        return fixture.tracker.load("people").orElseThrow();
    }

    private static int lastIndexOf(byte[] bytes, byte b, int from) {
        for (int i = from; i >= 0; i--) {
            if (bytes[i] == b) {
                return i;
            }
        }
        return -1;
    }

    private Path copyArchive() {
        return fixture.copyArchiveTo(copy);
    }
}
