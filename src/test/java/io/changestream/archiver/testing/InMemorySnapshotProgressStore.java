package io.changestream.archiver.testing;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.LeaseLostException;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Snapshot records in memory, fenced as in the tracker collection: a record written under a newer epoch refuses
 * writes of an older one. {@link #failNextSaves} makes the next saves fail, so tests can stop a snapshot between
 * writing a part and recording it.
 */
public final class InMemorySnapshotProgressStore implements SnapshotProgressStore {
    private final Map<String, SnapshotProgress> records = new TreeMap<>();
    private final Map<String, Long> epochs = new TreeMap<>();
    private int failNextSaves;
    private int saves;

    public synchronized void failNextSaves(int count) {
        failNextSaves = count;
    }

    /** Successful saves so far. */
    public synchronized int saves() {
        return saves;
    }

    @Override
    public synchronized List<SnapshotProgress> snapshots(String collection) {
        List<SnapshotProgress> out = new ArrayList<>();
        records.forEach((key, p) -> {
            if (p.collection().equals(collection)) {
                out.add(p);
            }
        });
        return out;
    }

    @Override
    public synchronized void save(SnapshotProgress progress, Lease lease) {
        if (failNextSaves > 0) {
            failNextSaves--;
            throw new IllegalStateException("injected: snapshot progress write failed");
        }
        String key = progress.collection() + "\u0000" + progress.id();
        if (epochs.getOrDefault(key, 0L) > lease.epoch()) {
            throw new LeaseLostException(lease.collection(), lease.epoch(), "snapshot progress refused: newer epoch");
        }
        epochs.put(key, lease.epoch());
        records.put(key, progress);
        saves++;
    }
}
