package io.changestream.archiver.replay;

import static io.changestream.archiver.replay.HandMadeArchive.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.store.ArchiveFile;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 (CLI): a replay hands over its plan before it reads anything, its ETA counts only what the window
 * reaches, and when it is interrupted it can say where each collection stopped.
 */
class ReplayPlanAndInterruptTest {
    @TempDir
    Path root;

    @Test
    void thePlanComesBeforeTheFirstWrite() {
        HandMadeArchive archive = new HandMadeArchive(root);
        archive.append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}")));
        List<String> happened = new ArrayList<>();
        RecordingTarget target = new RecordingTarget((collection, writes) -> {
            happened.add("write " + collection);
            return RecordingTarget.allApplied(collection, writes);
        });

        new Replayer(new ArchiveCatalog(archive.store, ""), target, Clock.systemUTC(), null)
                .onPlan(plan -> happened.add("plan: " + plan))
                .replay(options());

        assertThat(happened).hasSize(2);
        assertThat(happened.get(0)).startsWith("plan: replay into recording").contains("1 collections", "1 files");
        assertThat(happened.get(1)).isEqualTo("write people");
        assertThat(target.inserted).as("no snapshot in these tests").isEmpty();
    }

    @Test
    void anInterruptedReplaySaysWhereEachCollectionStopped() {
        HandMadeArchive archive = new HandMadeArchive(root);
        archive.append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}"),
                event(2, 7, "{operationType: 'insert', documentKey: {_id: 2}, fullDocument: {_id: 2}}"),
                event(3, 1, "{operationType: 'insert', documentKey: {_id: 3}, fullDocument: {_id: 3}}")));
        RecordingTarget target = new RecordingTarget(interruptedAfter(2));
        Replayer replayer = new Replayer(new ArchiveCatalog(archive.store, ""), target, Clock.systemUTC(), null);

        assertThatThrownBy(() -> replayer.replay(options())).hasMessageContaining("interrupted");
        assertThat(target.inserted).as("no snapshot in these tests").isEmpty();
        String text = ReplaySummaryText.interrupted(replayer.current().orElseThrow());

        assertThat(text).contains("people  applied up to " + (HandMadeArchive.BASE + 2) + ":7 (")
                .contains(":2)");
    }

    @Test
    void theEtaCountsOnlyTheShareOfTheLastHourUpToUntil() {
        HourSlot slot = HourSlot.of(new BsonTimestamp(HandMadeArchive.BASE, 1));
        long start = slot.start().getEpochSecond();
        StoredFile file = new StoredFile(new ArchiveFile("people/x.json"), slot, Compression.NONE);

        assertThat(Replayer.windowShare(file, 3600, ReplayWindow.ALL)).isEqualTo(3600);
        assertThat(Replayer.windowShare(file, 3600, new ReplayWindow(Optional.empty(),
                Optional.of(new BsonTimestamp((int) start + 899, 5))))).isEqualTo(900);
        assertThat(Replayer.windowShare(file, 3600, new ReplayWindow(Optional.empty(),
                Optional.of(new BsonTimestamp((int) start + 7200, 1))))).isEqualTo(3600);
    }

    private static ReplayOptions options() {
        return new ReplayOptions(List.of("people"), ReplayWindow.ALL, Map.of(), DdlPolicy.STOP, 1);
    }

    /** Applies {@code writes} bulk writes; the one after fails as an interrupt would end it. */
    private static RecordingTarget.WriteAnswer interruptedAfter(int writes) {
        int[] left = {writes};
        return (collection, batch) -> {
            if (left[0]-- <= 0) {
                throw new IllegalStateException("interrupted");
            }
            return RecordingTarget.allApplied(collection, batch);
        };
    }
}
