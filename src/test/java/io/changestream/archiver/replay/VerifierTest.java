package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.app.Main;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.Gap;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.replay.verify.CollectionVerdict;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.replay.verify.Finding.Kind;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.replay.verify.VerifyReport;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * verify on an archive the real pipeline wrote in three flushes: consistent as written, and each injected corruption
 * (on a copy) found and named.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class VerifierTest {
    @TempDir
    static Path archive;

    @TempDir
    Path copy;

    private ArchivingFixture fixture;

    @BeforeAll
    void archiveThreeFlushes() throws InterruptedException {
        fixture = new ArchivingFixture(archive, TypedWorkload.COLLECTIONS, Map.of());
        fixture.archiveRounds(new TypedWorkload(), 3, 6);
    }

    @AfterAll
    void stop() {
        fixture.close();
    }

    @Test
    void theArchiveAsWrittenIsConsistent() {
        VerifyReport report = verify(archive, fixture.tracker);

        assertThat(report.consistent()).as(report.toText()).isTrue();
        assertThat(report.collections()).extracting(CollectionVerdict::collection)
                .containsExactlyElementsOf(TypedWorkload.COLLECTIONS);
        assertThat(report.collections()).allSatisfy(c -> assertThat(c.ranges()).isGreaterThanOrEqualTo(3));
    }

    @Test
    void aFlippedByteIsAChecksumProblem() throws IOException {
        FlushRecord range = firstRange();
        Path file = copyArchive().resolve(range.file());
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) (range.offset() + range.length() / 2)] ^= 0x01;
        Files.write(file, bytes);

        assertThat(kinds(verify(copy, fixture.tracker))).contains(Kind.CHECKSUM);
    }

    @Test
    void aTruncatedFileIsFoundAndTheCheckpointNoLongerFits() throws IOException {
        Checkpoint checkpoint = fixture.tracker.load("people").orElseThrow();
        Path file = copyArchive().resolve(checkpoint.file().orElseThrow());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, Arrays.copyOf(bytes, bytes.length - 10));

        assertThat(kinds(verify(copy, fixture.tracker))).contains(Kind.TRUNCATED, Kind.CHECKPOINT);
    }

    @Test
    void aMissingFileIsFound() throws IOException {
        Files.delete(copyArchive().resolve(firstRange().file()));

        assertThat(kinds(verify(copy, fixture.tracker))).contains(Kind.MISSING_FILE);
    }

    @Test
    void aRangeWrittenTwiceInTheMiddleOfAFileIsFound() throws IOException {
        FlushRecord range = firstRange();
        Path file = copyArchive().resolve(range.file());
        byte[] bytes = Files.readAllBytes(file);
        int end = (int) range.end();
        Files.write(file, concat(Arrays.copyOf(bytes, end), Arrays.copyOfRange(bytes, (int) range.offset(), end),
                Arrays.copyOfRange(bytes, end, bytes.length)));

        assertThat(kinds(verify(copy, fixture.tracker))).contains(Kind.CHECKSUM, Kind.TIME_BACKWARDS);
    }

    @Test
    void theLastRangeAppendedAgainAfterTheCheckpointIsFoundAsARepeatedHistory() throws IOException {
        List<FlushRecord> log = fixture.tracker.flushLog("people");
        FlushRecord last = log.get(log.size() - 1);
        Path file = copyArchive().resolve(last.file());
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, concat(bytes, Arrays.copyOfRange(bytes, (int) last.offset(), (int) last.end())));

        VerifyReport report = verify(copy, fixture.tracker);

        assertThat(report.consistent()).isFalse();
        assertThat(kinds(report)).containsAnyOf(Kind.TIME_BACKWARDS, Kind.DUPLICATE_EVENT);
    }

    @Test
    void twoLinesSwappedInsideARangeAreFound() throws IOException {
        FlushRecord range = firstRange();
        Path file = copyArchive().resolve(range.file());
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, (int) range.offset(), (int) range.length(), StandardCharsets.UTF_8);
        List<String> lines = new ArrayList<>(List.of(text.split("\n")));
        java.util.Collections.swap(lines, 1, 2);
        byte[] swapped = (String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8);
        System.arraycopy(swapped, 0, bytes, (int) range.offset(), swapped.length);
        Files.write(file, bytes);

        assertThat(kinds(verify(copy, fixture.tracker))).contains(Kind.CHECKSUM, Kind.TIME_BACKWARDS);
    }

    @Test
    void completeLinesAfterTheCheckpointArePendingNotAProblem() throws IOException {
        HandMadeArchive later = new HandMadeArchive(copyArchive());
        int inTheFuture = (int) (Instant.parse("2099-01-01T00:00:00Z").getEpochSecond() - HandMadeArchive.BASE);
        later.append("people", Compression.NONE, List.of(HandMadeArchive.event(inTheFuture, 1,
                "{operationType: 'insert', documentKey: {_id: 1000}, fullDocument: {_id: 1000}}")));
        later.appendText("people", new BsonTimestamp(HandMadeArchive.BASE + inTheFuture, 0), "{\"torn");

        VerifyReport report = verify(copy, fixture.tracker);

        assertThat(report.consistent()).as(report.toText()).isTrue();
        assertThat(report.collections().get(0).findings()).extracting(Finding::kind)
                .contains(Kind.PENDING_TAIL, Kind.TORN_TAIL);
    }

    @Test
    void aHistoryGapIsReportedAsSuchAndIsNotAFailure() {
        Gap gap = new Gap("people", Optional.of(BsonDocument.parse("{_data: '82AA'}")),
                Optional.of(new BsonTimestamp(HandMadeArchive.BASE, 1)), Instant.parse("2026-01-01T00:00:00Z"), 286,
                "ChangeStreamHistoryLost");
        VerifyReport report = verify(archive, new TrackerWithGap(fixture.tracker, gap));

        assertThat(report.consistent()).isTrue();
        assertThat(report.collections().get(0).findings()).singleElement()
                .satisfies(f -> assertThat(f.severity()).isEqualTo(Finding.Severity.GAP));
        assertThat(report.toText()).contains("history gaps", "ChangeStreamHistoryLost");
    }

    @Test
    void theVerifyCommandExitsZeroWhenConsistentAndOneAfterOneByteChanged() throws IOException {
        StringWriter out = new StringWriter();
        assertThat(Main.execute(fixture.commandEnv(archive), new PrintWriter(out), new PrintWriter(out), "verify"))
                .as(out.toString()).isZero();

        FlushRecord range = firstRange();
        Path file = copyArchive().resolve(range.file());
        byte[] bytes = Files.readAllBytes(file);
        bytes[(int) range.offset() + 5] ^= 0x20;
        Files.write(file, bytes);
        StringWriter json = new StringWriter();
        int exit = Main.execute(fixture.commandEnv(copy), new PrintWriter(json), new PrintWriter(json), "verify",
                "--json");

        assertThat(exit).as(json.toString()).isEqualTo(Main.CHECK_FAILED);
        BsonDocument parsed = BsonDocument.parse(json.toString());
        assertThat(parsed.getBoolean("consistent").getValue()).isFalse();
        assertThat(parsed.toJson()).contains("\"kind\": \"checksum\"");
    }

    private VerifyReport verify(Path root, CheckpointStore tracker) {
        return new Verifier(fixture.catalogOf(root), tracker).verify(TypedWorkload.COLLECTIONS);
    }

    private FlushRecord firstRange() {
        return fixture.tracker.flushLog("people").get(0);
    }

    private Path copyArchive() {
        return fixture.copyArchiveTo(copy);
    }

    private static List<Kind> kinds(VerifyReport report) {
        return report.collections().stream().flatMap(c -> c.findings().stream())
                .filter(f -> f.severity() == Finding.Severity.PROBLEM).map(Finding::kind).toList();
    }

    private static byte[] concat(byte[]... parts) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    /** The real tracker, plus one recorded gap. */
    private record TrackerWithGap(CheckpointStore real, Gap gap) implements CheckpointStore {
        @Override
        public Optional<Checkpoint> load(String collection) {
            return real.load(collection);
        }

        @Override
        public void claim(Lease lease) {
            real.claim(lease);
        }

        @Override
        public void commit(FlushRecord range, Checkpoint checkpoint, Lease lease) {
            real.commit(range, checkpoint, lease);
        }

        @Override
        public void advance(Checkpoint checkpoint, Lease lease) {
            real.advance(checkpoint, lease);
        }

        @Override
        public long deleteFlushLog(String collection, String file) {
            return real.deleteFlushLog(collection, file);
        }

        @Override
        public void recordGap(Gap g) {
            real.recordGap(g);
        }

        @Override
        public List<FlushRecord> flushLog(String collection) {
            return real.flushLog(collection);
        }

        @Override
        public List<String> flushLogFiles(String collection) {
            return real.flushLogFiles(collection);
        }

        @Override
        public List<FlushRecord> flushLog(String collection, String file) {
            return real.flushLog(collection, file);
        }

        @Override
        public long loggedEnd(String collection, String file) {
            return real.loggedEnd(collection, file);
        }

        @Override
        public Optional<FlushRecord> lastFlush(String collection) {
            return real.lastFlush(collection);
        }

        @Override
        public List<Gap> gaps(String collection) {
            return collection.equals(gap.collection()) ? List.of(gap) : List.of();
        }

        @Override
        public List<String> collections() {
            return real.collections();
        }

        @Override
        public void ping() {
            real.ping();
        }

        @Override
        public void close() {
            real.close();
        }
    }
}
