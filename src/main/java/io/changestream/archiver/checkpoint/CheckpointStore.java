package io.changestream.archiver.checkpoint;

import java.util.List;
import java.util.Optional;

/**
 * The tracker: checkpoints, the flush log and gaps. The real implementation is the tracker collection
 * ({@link MongoCheckpointStore}); unit tests use an in-memory one.
 *
 * <p>{@link #commit} must be idempotent: the flush log entry is keyed by file and offset, so repeating a commit
 * after a crash or an ambiguous answer rewrites the same entry instead of adding a second one.
 */
public interface CheckpointStore extends AutoCloseable {

    Optional<Checkpoint> load(String collection);

    /** Records the flush range, then moves the checkpoint. The checkpoint write is what makes the range "archived". */
    void commit(FlushRecord range, Checkpoint checkpoint);

    /** Moves the checkpoint without a flush range: a post-batch resume token of an idle stream. */
    void advance(Checkpoint checkpoint);

    /** Where the flush log's ranges of {@code file} end: 0 when none is logged. */
    long loggedEnd(String collection, String file);

    void recordGap(Gap gap);

    /** The flush log of a collection, ordered by file then offset. */
    List<FlushRecord> flushLog(String collection);

    /** The newest flush log entry of a collection (by its last event's clusterTime), if any. */
    Optional<FlushRecord> lastFlush(String collection);

    List<Gap> gaps(String collection);

    /** Every collection the tracker knows of (has a checkpoint, flush log entry or gap for), sorted by name. */
    List<String> collections();

    /** Throws when the tracker cannot be reached; used by readiness. */
    void ping();

    @Override
    void close();
}
