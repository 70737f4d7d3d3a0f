package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.app.Main;
import io.changestream.archiver.replay.status.CollectionState;
import io.changestream.archiver.replay.status.StatusReport;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StatusReportTest {
    @TempDir
    static Path archive;

    private ArchivingFixture fixture;
    private int events;

    @BeforeAll
    void archiveOneRound() throws InterruptedException {
        fixture = new ArchivingFixture(archive, TypedWorkload.COLLECTIONS, Map.of());
        events = fixture.archiveRounds(new TypedWorkload(), 1, 5);
    }

    @AfterAll
    void stop() {
        fixture.close();
    }

    @Test
    void eachCollectionShowsItsCheckpointLastFlushFilesAndTotals() {
        Instant now = fixture.tracker.load("people").orElseThrow().updatedAt().plusSeconds(90);
        StatusReport report = StatusReport.read(TypedWorkload.COLLECTIONS, fixture.tracker,
                new io.changestream.archiver.testing.InMemorySnapshotProgressStore(), fixture.catalog(),
                Clock.fixed(now, ZoneOffset.UTC));

        assertThat(report.collections()).extracting(CollectionState::collection)
                .containsExactlyElementsOf(TypedWorkload.COLLECTIONS);
        assertThat(report.collections()).allSatisfy(s -> {
            assertThat(s.checkpoint()).isPresent();
            assertThat(s.lastFlush()).hasValueSatisfying(f -> assertThat(f.trigger().tag()).isEqualTo("manual"));
            assertThat(s.files()).isPositive();
            assertThat(s.lag()).hasValueSatisfying(lag -> assertThat(lag.toSeconds()).isGreaterThanOrEqualTo(90));
        });
        assertThat(report.collections().stream().mapToLong(s -> s.checkpoint().orElseThrow().totalEvents()).sum())
                .isEqualTo(events);
    }

    @Test
    void theStatusCommandListsTheCollectionsTheTrackerKnowsAsTableAndJson() {
        Map<String, String> env = Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "TRACKER_URI", fixture.server.uri(),
                "TRACKER_DATABASE", ArchivingFixture.DATABASE);
        StringWriter table = new StringWriter();
        StringWriter json = new StringWriter();

        assertThat(Main.execute(env, new PrintWriter(table), new PrintWriter(table), "status")).isZero();
        assertThat(Main.execute(env, new PrintWriter(json), new PrintWriter(json), "status", "--json")).isZero();

        assertThat(table.toString()).contains("people", "orders €", "manual");
        List<String> names = BsonDocument.parse(json.toString()).getArray("collections").stream()
                .map(c -> c.asDocument().getString("collection").getValue()).toList();
        assertThat(names).containsExactlyInAnyOrderElementsOf(TypedWorkload.COLLECTIONS);
    }

    @Test
    void withoutTrackerSettingsStatusRefusesToStartNamingTheVariables() {
        StringWriter err = new StringWriter();

        int exit = Main.execute(Map.of(), new PrintWriter(new StringWriter()), new PrintWriter(err), "status");

        assertThat(exit).isEqualTo(Main.USAGE);
        assertThat(err.toString()).contains("TRACKER_URI", "MONGODB_URI", "TRACKER_DATABASE");
    }
}
