package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.replay.verify.VerifyReport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** With ARCHIVE_COMPRESSION=gzip every flush appends one gzip member: replay and verify read them member by member. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GzipArchiveTest {
    @TempDir
    static Path archive;

    @TempDir
    Path copy;

    private ArchivingFixture fixture;

    @BeforeAll
    void archiveTwoFlushesAsGzipMembers() throws InterruptedException {
        fixture = new ArchivingFixture(archive, TypedWorkload.COLLECTIONS, Map.of("ARCHIVE_COMPRESSION", "gzip"));
        fixture.archiveRounds(new TypedWorkload(), 2, 6);
    }

    @AfterAll
    void stop() {
        fixture.close();
    }

    @Test
    void aGzipArchiveReplaysIntoACopyOfTheSourceVerifiedMemberByMemberAgainstTheFlushLog() {
        ReplaySummary summary = new Replayer(fixture.catalog(), new MongoReplayTarget(fixture.database("fromGzip")),
                Clock.systemUTC(), null, Verification.against(fixture.tracker, false)).replay(new ReplayOptions(
                TypedWorkload.COLLECTIONS, ReplayWindow.ALL, Map.of(), DdlPolicy.STOP,
                ReplayOptions.DEFAULT_BATCH_SIZE));

        assertThat(summary.succeeded()).as(ReplaySummaryText.render(summary)).isTrue();
        assertThat(summary.verified()).as(ReplaySummaryText.render(summary)).isTrue();
        assertThat(fixture.catalog().files("people")).allSatisfy(f -> assertThat(f.path()).endsWith(".json.gz"));
        Map<String, String> pairs = new LinkedHashMap<>();
        TypedWorkload.COLLECTIONS.forEach(c -> pairs.put(c, c));
        DatabaseComparison.Result result = DatabaseComparison.compare(fixture.source(), fixture.database("fromGzip"),
                pairs);
        assertThat(result.equalIgnoringFieldOrder()).as(result.differences().toString()).isTrue();
    }

    @Test
    void aGzipArchiveAsWrittenIsConsistentAndAFlippedByteInAMemberIsNot() throws IOException {
        Verifier verifier = new Verifier(fixture.catalog(), fixture.tracker);
        VerifyReport clean = verifier.verify(TypedWorkload.COLLECTIONS);
        assertThat(clean.consistent()).as(clean.toText()).isTrue();

        FlushRecord range = fixture.tracker.flushLog("people").get(0);
        Path file = copy.resolve(range.file()); // a copy: the other test replays the archive as written
        Files.createDirectories(file.getParent());
        byte[] bytes = Files.readAllBytes(archive.resolve(range.file()));
        bytes[(int) (range.offset() + range.length() / 2)] ^= 0x10;
        Files.write(file, bytes);
        VerifyReport damaged = new Verifier(fixture.catalogOf(copy), fixture.tracker).verify(List.of("people"));

        assertThat(damaged.consistent()).isFalse();
        assertThat(damaged.collections().get(0).findings()).extracting(Finding::kind)
                .contains(Finding.Kind.CHECKSUM);
    }
}
