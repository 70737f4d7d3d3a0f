package io.changestream.archiver.replay.status;

import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One collection as the tracker and the store see it.
 *
 * @param collection the collection
 * @param checkpoint where its archive durably ends, if anything was ever checkpointed
 * @param lag        now minus the checkpoint's clusterTime: how far behind the source the archive is at most
 * @param lastFlush  the newest flush log entry
 * @param files      archive files in the store
 * @param gaps       history gaps recorded
 * @param snapshots  the tracker's snapshot records, in start order: complete ones and an unfinished one
 */
public record CollectionState(String collection, Optional<Checkpoint> checkpoint, Optional<Duration> lag,
                              Optional<FlushRecord> lastFlush, int files, int gaps,
                              List<SnapshotProgress> snapshots) {
    public CollectionState {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(lag, "lag");
        Objects.requireNonNull(lastFlush, "lastFlush");
        snapshots = List.copyOf(snapshots);
    }

    /** The newest complete snapshot: the earliest time a restore from the snapshot and events can reach. */
    public Optional<SnapshotProgress> lastCompleteSnapshot() {
        return snapshots.stream().filter(SnapshotProgress::complete).reduce((a, b) -> b);
    }

    /** The snapshot being written (or interrupted, to be resumed by the collection's owner). */
    public Optional<SnapshotProgress> unfinishedSnapshot() {
        return snapshots.stream().filter(s -> !s.complete()).reduce((a, b) -> b);
    }
}
