package io.changestream.archiver.replay.status;

import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import java.time.Duration;
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
 */
public record CollectionState(String collection, Optional<Checkpoint> checkpoint, Optional<Duration> lag,
                              Optional<FlushRecord> lastFlush, int files, int gaps) {
    public CollectionState {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(checkpoint, "checkpoint");
        Objects.requireNonNull(lag, "lag");
        Objects.requireNonNull(lastFlush, "lastFlush");
    }
}
