package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The initial snapshot is put on record between recovery and capture ({@link SnapshotCoordinator#recordInitial},
 * called by the pipeline's start before the stream opens), not after capture has begun: once the first flush has
 * checkpointed an event, a restart resumes after it and no longer counts as a first start, so a snapshot that was
 * not on record by then would never be taken, and the archive would silently not be a backup.
 */
class InitialSnapshotRecordTest {
    private static final String COLL = "orders";
    private static final Instant FAR = Instant.parse("2099-01-01T00:00:00Z");
    private static final BsonTimestamp BEGAN_AT = new BsonTimestamp(1_700_000_000, 1);

    @TempDir
    Path dir;

    @Test
    void theInitialSnapshotIsOnRecordBeforeCaptureBeginsAndARestartAfterTheFirstFlushStillTakesIt()
            throws Exception {
        InMemorySnapshotProgressStore tracker = new InMemorySnapshotProgressStore();
        SnapshotLeaseLossTest.Source source = new SnapshotLeaseLossTest.Source();
        try (SnapshotCoordinator first = coordinator(source, tracker)) {
            first.recordInitial(hold(1), Optional.of(BEGAN_AT));
            assertThat(tracker.snapshots(COLL)).as("on record, and not running yet").hasSize(1)
                    .allMatch(s -> !s.complete() && s.start().equals(BEGAN_AT));
            assertThat(first.running(COLL)).isFalse();
            // The process dies here, after its first flush: nothing of the snapshot ran.
        }
        try (SnapshotCoordinator next = coordinator(source, tracker)) {
            next.recordInitial(hold(2), Optional.empty()); // a checkpoint with a token: not a first start
            next.captureStarted(hold(2), Optional.empty());
            SnapshotLeaseLossTest.awaitUntil(() -> tracker.snapshots(COLL).get(0).complete());
        }
        SnapshotProgress done = tracker.snapshots(COLL).get(0);
        assertThat(tracker.snapshots(COLL)).hasSize(1);
        assertThat(done.start()).isEqualTo(BEGAN_AT);
        assertThat(done.documents()).isPositive();
    }

    @Test
    void aTrackerThatCannotRecordTheInitialSnapshotFailsTheStartInsteadOfLettingCaptureBeginWithoutIt() {
        InMemorySnapshotProgressStore tracker = new InMemorySnapshotProgressStore();
        tracker.failNextSaves(1);
        try (SnapshotCoordinator coordinator = coordinator(new SnapshotLeaseLossTest.Source(), tracker)) {
            assertThatThrownBy(() -> coordinator.recordInitial(hold(1), Optional.of(BEGAN_AT)))
                    .hasMessageContaining("snapshot progress write failed");
            assertThat(tracker.snapshots(COLL)).isEmpty();
            coordinator.recordInitial(hold(1), Optional.of(BEGAN_AT)); // the start's retry
            assertThat(tracker.snapshots(COLL)).hasSize(1);
            coordinator.recordInitial(hold(1), Optional.of(BEGAN_AT)); // a further retry records nothing twice
            assertThat(tracker.snapshots(COLL)).hasSize(1);
        }
    }

    @Test
    void withSnapshotModeNeverNothingIsRecorded() {
        InMemorySnapshotProgressStore tracker = new InMemorySnapshotProgressStore();
        try (SnapshotCoordinator coordinator = new SnapshotCoordinator(config("never"),
                new SnapshotLeaseLossTest.Source(), new LocalArchiveStore(dir), tracker,
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()), Clock.systemUTC())) {
            coordinator.recordInitial(hold(1), Optional.of(BEGAN_AT));
        }
        assertThat(tracker.snapshots(COLL)).isEmpty();
    }

    private SnapshotCoordinator coordinator(SnapshotLeaseLossTest.Source source,
                                            InMemorySnapshotProgressStore tracker) {
        return new SnapshotCoordinator(config("initial"), source, new LocalArchiveStore(dir), tracker,
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()), Clock.systemUTC());
    }

    private ArchiverConfig config(String mode) {
        return ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://localhost:1", "MONGODB_DATABASE", "shop",
                "MONGODB_COLLECTIONS", COLL, "ARCHIVE_LOCAL_DIR", dir.toString(), "SNAPSHOT_PART_BYTES", "65536",
                "RETRY_DELAY_MS", "20", "SNAPSHOT_MODE", mode));
    }

    private static LeaseHold hold(long epoch) {
        return new LeaseHold(new Lease(COLL, "me-" + epoch, epoch, FAR, Instant.EPOCH), Clock.systemUTC(), FAR);
    }
}
