package io.changestream.archiver.replay;

import static io.changestream.archiver.replay.HandMadeArchive.event;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.client.model.WriteModel;
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
import org.bson.RawBsonDocument;
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
        Recording target = new Recording(happened, Integer.MAX_VALUE);

        new Replayer(new ArchiveCatalog(archive.store, ""), target, Clock.systemUTC(), null)
                .onPlan(plan -> happened.add("plan: " + plan))
                .replay(options());

        assertThat(happened).hasSize(2);
        assertThat(happened.get(0)).startsWith("plan: replay into recording").contains("1 collections", "1 files");
        assertThat(happened.get(1)).isEqualTo("write people");
    }

    @Test
    void anInterruptedReplaySaysWhereEachCollectionStopped() {
        HandMadeArchive archive = new HandMadeArchive(root);
        archive.append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}"),
                event(2, 7, "{operationType: 'insert', documentKey: {_id: 2}, fullDocument: {_id: 2}}"),
                event(3, 1, "{operationType: 'insert', documentKey: {_id: 3}, fullDocument: {_id: 3}}")));
        Replayer replayer = new Replayer(new ArchiveCatalog(archive.store, ""),
                new Recording(new ArrayList<>(), 2), Clock.systemUTC(), null);

        assertThatThrownBy(() -> replayer.replay(options())).hasMessageContaining("interrupted");
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

    /** Records writes; the write after {@code writesBeforeInterrupt} fails as an interrupt would end it. */
    private static final class Recording implements ReplayTarget {
        private final List<String> happened;
        private int left;

        Recording(List<String> happened, int writesBeforeInterrupt) {
            this.happened = happened;
            this.left = writesBeforeInterrupt;
        }

        @Override
        public BulkOutcome write(String collection, List<WriteModel<RawBsonDocument>> writes) {
            if (left-- <= 0) {
                throw new IllegalStateException("interrupted");
            }
            happened.add("write " + collection);
            return new BulkOutcome(0, writes.size(), 0, List.of(), true);
        }

        @Override
        public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
            throw new AssertionError("no snapshot in these tests");
        }

        @Override
        public void drop(String collection) {
        }

        @Override
        public void rename(String collection, String newName) {
        }

        @Override
        public boolean writes() {
            return true;
        }

        @Override
        public String describe() {
            return "recording";
        }
    }
}
