package io.changestream.archiver.checkpoint;

import java.util.List;
import java.util.Optional;

/**
 * The tracker: checkpoints, the flush log and gaps. The real implementation is the tracker collection
 * ({@link MongoCheckpointStore}); unit tests use an in-memory one.
 *
 * <p>{@link #commit} must be idempotent: the flush log entry is keyed by file and offset, so repeating a commit
 * after a crash or an ambiguous answer rewrites the same entry instead of adding a second one. It must also never
 * replace an entry by a different range (length, events or SHA-256): bytes at a logged offset that differ from the
 * logged ones mean the archive was replaced (a new volume, a file written anew), and the entry is the evidence.
 *
 * <p><b>Fencing.</b> Every checkpoint write carries the writer's {@link Lease}. A new owner first {@link #claim}s
 * the collection with its (larger) epoch; from then on a checkpoint write with any other epoch is refused with
 * {@link LeaseLostException}, atomically, in the same write. A former owner that does not know it lost its lease
 * (paused, partitioned, its clock behind) can therefore never move the checkpoint again.
 */
public interface CheckpointStore extends AutoCloseable {

    Optional<Checkpoint> load(String collection);

    /**
     * Fences the collection for {@code lease}: checkpoint writes with an older epoch are refused from now on.
     * Idempotent for the same epoch; call it before reading the checkpoint the writer will build on.
     *
     * @throws LeaseLostException a newer epoch has claimed the collection already
     */
    void claim(Lease lease);

    /**
     * Records the flush range, then moves the checkpoint. The checkpoint write is what makes the range "archived".
     *
     * @throws io.changestream.archiver.store.StoreConflictException the flush log holds a different range at the same
     *                                   file and offset; nothing was written
     * @throws LeaseLostException {@code lease} is not the epoch that claimed the collection last; nothing moved
     */
    void commit(FlushRecord range, Checkpoint checkpoint, Lease lease);

    /**
     * Moves the checkpoint without a flush range: where capture begins, or a post-batch resume token of an idle
     * stream.
     *
     * @throws LeaseLostException {@code lease} is not the epoch that claimed the collection last; nothing moved
     */
    void advance(Checkpoint checkpoint, Lease lease);

    /** Where the flush log's ranges of {@code file} end: 0 when none is logged. */
    long loggedEnd(String collection, String file);

    void recordGap(Gap gap);

    /**
     * Removes every flush-log entry of {@code file}, for {@code prune} only, after the file itself was deleted from
     * the store (so the log never claims less than the store holds; see {@code app.PruneCommand}). Idempotent;
     * returns how many entries it removed.
     */
    long deleteFlushLog(String collection, String file);

    /**
     * The flush log of a collection, ordered by file then offset. It grows with the archive: a reader whose memory
     * must not ({@code verify}, {@code replay}, {@code prune}) walks {@link #flushLogFiles} and reads one file's
     * entries at a time with {@link #flushLog(String, String)}.
     */
    List<FlushRecord> flushLog(String collection);

    /** The distinct files the flush log of a collection names, sorted by name. */
    List<String> flushLogFiles(String collection);

    /** The flush log entries of one file of a collection, ordered by offset; empty when none is logged. */
    List<FlushRecord> flushLog(String collection, String file);

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
