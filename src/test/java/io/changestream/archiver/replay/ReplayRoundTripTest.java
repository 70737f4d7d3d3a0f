package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.checkpoint.Checkpoint;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Archive → replay → compare, on the real pipeline: a workload of every BSON type with nested updates, pushes,
 * replaces and deletes is archived in two rounds (with a flush and a snapshot of the source in between), then
 * replayed whole, up to the snapshot's time, with a rename, twice, and dry.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReplayRoundTripTest {
    @TempDir
    static Path archive;

    private ArchivingFixture fixture;
    private String untilInstant;
    private String untilTimestamp;
    private String fromInstant;

    @BeforeAll
    void archiveTwoRoundsWithASnapshotBetween() throws InterruptedException {
        fixture = new ArchivingFixture(archive, TypedWorkload.COLLECTIONS, Map.of());
        TypedWorkload workload = new TypedWorkload();
        MongoDatabase source = fixture.source();
        fixture.archiveRounds(workload, 1, 20);
        copy(source, fixture.database("snapshot"));
        BsonTimestamp t = TypedWorkload.COLLECTIONS.stream().map(c -> fixture.tracker.load(c))
                .map(Optional::orElseThrow).map(Checkpoint::clusterTime).max(BsonTimestamp::compareTo).orElseThrow();
        Instant second = Instant.ofEpochSecond(t.getTime());
        untilInstant = second.toString();
        untilTimestamp = t.getTime() + ":" + t.getInc();
        fromInstant = second.plusSeconds(1).toString();
        while (Instant.now().getEpochSecond() <= second.getEpochSecond()) {
            Thread.sleep(20); // the next round starts in a later second, so a whole-second --until separates them
        }
        fixture.archiveRounds(workload, 1, 10);
    }

    @AfterAll
    void stop() {
        fixture.close();
    }

    @Test
    void replayOfTheWholeArchiveEqualsTheSourceBsonTypesIncluded() {
        ReplaySummary summary = replay("full", options(ReplayWindow.ALL, Map.of()));

        assertThat(summary.succeeded()).as(ReplaySummaryText.render(summary)).isTrue();
        assertEqual(fixture.source(), fixture.database("full"), identity());
    }

    @Test
    void replayUntilAnInstantEqualsTheSourceAsItWasThen() {
        replay("pit", options(new ReplayWindow(Optional.empty(), Optional.of(ReplayWindow.parseUntil(untilInstant))),
                Map.of()));

        assertEqual(fixture.database("snapshot"), fixture.database("pit"), identity());
        assertThat(DatabaseComparison.compare(fixture.source(), fixture.database("pit"), identity())
                .equalIgnoringFieldOrder())
                .as("the second round changed the source after the snapshot").isFalse();
    }

    @Test
    void replayUntilAnExactClusterTimeEqualsTheSourceAsItWasThen() {
        replay("pitExact", options(new ReplayWindow(Optional.empty(),
                Optional.of(ReplayWindow.parseUntil(untilTimestamp))), Map.of()));

        assertEqual(fixture.database("snapshot"), fixture.database("pitExact"), identity());
    }

    @Test
    void replayFromAfterTheSnapshotOntoTheSnapshotEqualsTheSource() {
        copy(fixture.database("snapshot"), fixture.database("resumed"));

        replay("resumed", options(new ReplayWindow(Optional.of(ReplayWindow.parseFrom(fromInstant)),
                Optional.empty()), Map.of()));

        assertEqual(fixture.source(), fixture.database("resumed"), identity());
    }

    @Test
    void replayingTwiceLeavesTheTargetAsReplayingOnce() {
        replay("twice", options(ReplayWindow.ALL, Map.of()));
        ReplaySummary again = replay("twice", options(ReplayWindow.ALL, Map.of()));

        assertThat(again.succeeded()).isTrue();
        assertEqual(fixture.source(), fixture.database("twice"), identity());
    }

    @Test
    void renamedCollectionsAreReplayedUnderTheirNewNames() {
        replay("renamed", options(ReplayWindow.ALL, Map.of("people", "humans")));

        assertEqual(fixture.source(), fixture.database("renamed"),
                Map.of("people", "humans", "orders €", "orders €"));
        assertThat(fixture.database("renamed").listCollectionNames().into(new java.util.ArrayList<>()))
                .doesNotContain("people");
    }

    @Test
    void aDryRunCountsWhatAReplayWouldApplyAndWritesNothing() {
        ReplaySummary dry = new Replayer(fixture.catalog(), new DryRunTarget(), Clock.systemUTC(), null)
                .replay(options(ReplayWindow.ALL, Map.of()));
        ReplaySummary real = replay("compareDry", options(ReplayWindow.ALL, Map.of()));

        assertThat(dry.dryRun()).isTrue();
        for (String c : TypedWorkload.COLLECTIONS) {
            for (Operation op : Operation.values()) {
                assertThat(dry.collections().get(c).applied(op)).as(c + " " + op)
                        .isEqualTo(real.collections().get(c).applied(op));
            }
        }
        assertThat(fixture.client.listDatabaseNames().into(new java.util.ArrayList<>())).doesNotContain("dry");
    }

    @Test
    void theReplayCommandRebuildsTheSourceFromTheEnvironmentsStore() {
        StringWriter out = new StringWriter();
        int exit = Main.execute(fixture.commandEnv(archive), new PrintWriter(out), new PrintWriter(out), "replay",
                "--target-uri", fixture.server.uri(), "--target-database", "viaCommand", "--rename",
                "people:humans");

        assertThat(exit).as(out.toString()).isZero();
        assertThat(out.toString()).contains("replay: OK", "humans");
        assertEqual(fixture.source(), fixture.database("viaCommand"), Map.of("people", "humans", "orders €",
                "orders €"));
    }

    @Test
    void theReplayCommandRejectsBadOptionsNamingTheOptionAndWhatIsAllowed() {
        for (List<String> args : List.of(List.of("replay", "--dry-run", "--until", "yesterday"),
                List.of("replay", "--dry-run", "--on-ddl", "maybe"),
                List.of("replay", "--dry-run", "--rename", "people"),
                List.of("replay", "--dry-run", "--collections", "nope"),
                List.of("replay", "--target-database", "x"))) {
            StringWriter err = new StringWriter();
            int exit = Main.execute(fixture.commandEnv(archive), new PrintWriter(new StringWriter()),
                    new PrintWriter(err), args.toArray(String[]::new));

            assertThat(exit).as(args + ": " + err).isEqualTo(Main.USAGE);
            // The option at fault: the one given a bad value, or --target-uri, missing in the last case. (A usage
            // error is one line now, not the whole usage text that named every option.)
            String named = args.contains("--target-uri") || !args.contains("--target-database")
                    ? args.get(args.size() - 2) : "--target-uri";
            assertThat(err.toString()).as(args.toString()).contains(named);
        }
    }

    @Test
    void everyArchiveCommandExplainsItsOptionsWithHelp() {
        for (String command : List.of("replay", "verify", "status")) {
            StringWriter out = new StringWriter();

            int exit = Main.execute(Map.of(), new PrintWriter(out), new PrintWriter(out), command, "--help");

            assertThat(exit).isZero();
            assertThat(out.toString()).contains("--collections", command.equals("replay") ? "--on-ddl" : "--json");
        }
    }

    private ReplaySummary replay(String database, ReplayOptions options) {
        return new Replayer(fixture.catalog(), new MongoReplayTarget(fixture.database(database)), Clock.systemUTC(),
                null).replay(options);
    }

    private static ReplayOptions options(ReplayWindow window, Map<String, String> renames) {
        return new ReplayOptions(TypedWorkload.COLLECTIONS, window, renames, DdlPolicy.STOP,
                ReplayOptions.DEFAULT_BATCH_SIZE);
    }

    private static Map<String, String> identity() {
        Map<String, String> pairs = new LinkedHashMap<>();
        TypedWorkload.COLLECTIONS.forEach(c -> pairs.put(c, c));
        return pairs;
    }

    private static void assertEqual(MongoDatabase expected, MongoDatabase actual, Map<String, String> pairs) {
        DatabaseComparison.Result result = DatabaseComparison.compare(expected, actual, pairs);
        assertThat(result.documents()).isPositive();
        assertThat(result.differences()).filteredOn(d -> d.kind() != DatabaseComparison.Kind.FIELD_ORDER)
                .as("of %d documents", result.documents()).isEmpty();
        assertThat(result.equalIgnoringFieldOrder()).isTrue();
    }

    private static void copy(MongoDatabase from, MongoDatabase to) {
        for (String c : TypedWorkload.COLLECTIONS) {
            List<RawBsonDocument> docs = from.getCollection(c, RawBsonDocument.class).find()
                    .into(new java.util.ArrayList<>());
            to.getCollection(c, RawBsonDocument.class).insertMany(docs);
        }
    }
}
