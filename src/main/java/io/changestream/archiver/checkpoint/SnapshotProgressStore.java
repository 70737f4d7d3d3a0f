package io.changestream.archiver.checkpoint;

import java.util.List;

/**
 * The tracker's record of snapshots: one document per snapshot, rewritten after every part (the progress an
 * interrupted snapshot resumes from) and once more when its manifest is written. The real implementation shares the
 * tracker collection ({@link MongoSnapshotProgressStore}); unit tests use an in-memory one.
 *
 * <p><b>Fencing</b>, as for checkpoints: {@link #save} carries the writer's {@link Lease}, and a record last written
 * under a newer epoch is never overwritten under an older one ({@link LeaseLostException}), so a former owner that
 * does not know it lost the collection cannot move a snapshot's progress back or forth.
 */
public interface SnapshotProgressStore {

    /** Every snapshot of the collection the tracker knows, in id (start time) order. */
    List<SnapshotProgress> snapshots(String collection);

    /**
     * Writes the record (replacing the previous one of the same collection and id).
     *
     * @throws LeaseLostException the record was written under a newer epoch than {@code lease}'s; nothing written
     */
    void save(SnapshotProgress progress, Lease lease);
}
