package io.changestream.archiver.testing;

import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushLogConflict;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.Gap;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.LeaseLostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The tracker in memory, for unit tests. Faults can be armed: the next flush-log write or checkpoint write fails,
 * so tests can stop the protocol between its steps. Fencing behaves as in the tracker collection: a claim raises
 * the collection's epoch, and a checkpoint write with another epoch is refused.
 */
public final class InMemoryCheckpointStore implements CheckpointStore {
    private final Map<String, Checkpoint> checkpoints = new HashMap<>();
    private final Map<String, FlushRecord> log = new TreeMap<>();
    private final List<Gap> gaps = new ArrayList<>();
    private final Map<String, Long> epochs = new HashMap<>();
    private int failNextLogWrites;
    private int failNextCheckpointWrites;
    private boolean down;

    public synchronized void failNextLogWrite() {
        failNextLogWrites++;
    }

    public synchronized void failNextCheckpointWrite() {
        failNextCheckpointWrites++;
    }

    public synchronized void clearFaults() {
        failNextLogWrites = 0;
        failNextCheckpointWrites = 0;
        down = false;
    }

    public synchronized void down(boolean down) {
        this.down = down;
    }

    @Override
    public synchronized Optional<Checkpoint> load(String collection) {
        checkUp();
        return Optional.ofNullable(checkpoints.get(collection));
    }

    /** Stores a checkpoint as a run from before leases left it: no epoch, so any claim may fence it. */
    public synchronized void seed(Checkpoint checkpoint) {
        checkpoints.put(checkpoint.collection(), checkpoint);
    }

    @Override
    public synchronized void claim(Lease lease) {
        checkUp();
        long current = epochs.getOrDefault(lease.collection(), 0L);
        if (current > lease.epoch()) {
            throw fenced(lease);
        }
        epochs.put(lease.collection(), lease.epoch());
    }

    @Override
    public synchronized void commit(FlushRecord range, Checkpoint checkpoint, Lease lease) {
        checkUp();
        if (failNextLogWrites > 0) {
            failNextLogWrites--;
            throw new IllegalStateException("injected: flush log write failed");
        }
        String key = range.file() + "@" + String.format("%020d", range.offset());
        FlushRecord logged = log.get(key);
        if (logged != null && !FlushLogConflict.sameRange(logged, range)) {
            throw FlushLogConflict.of(range, logged);
        }
        log.put(key, range);
        advance(checkpoint, lease);
    }

    @Override
    public synchronized void advance(Checkpoint checkpoint, Lease lease) {
        checkUp();
        Long current = epochs.get(checkpoint.collection());
        if (current != null && current != lease.epoch()) {
            throw fenced(lease);
        }
        if (failNextCheckpointWrites > 0) {
            failNextCheckpointWrites--;
            throw new IllegalStateException("injected: checkpoint write failed");
        }
        checkpoints.put(checkpoint.collection(), checkpoint);
        epochs.put(checkpoint.collection(), lease.epoch());
    }

    private static LeaseLostException fenced(Lease lease) {
        return new LeaseLostException(lease.collection(), lease.epoch(), "epoch " + lease.epoch() + " of "
                + lease.collection() + " was fenced by a newer one");
    }

    @Override
    public synchronized long loggedEnd(String collection, String file) {
        return flushLog(collection).stream().filter(r -> r.file().equals(file)).mapToLong(FlushRecord::end).max()
                .orElse(0);
    }

    @Override
    public synchronized long deleteFlushLog(String collection, String file) {
        checkUp();
        int before = log.size();
        log.values().removeIf(r -> r.collection().equals(collection) && r.file().equals(file));
        return before - log.size();
    }

    @Override
    public synchronized void recordGap(Gap gap) {
        checkUp();
        gaps.add(gap);
    }

    @Override
    public synchronized List<FlushRecord> flushLog(String collection) {
        return log.values().stream().filter(r -> r.collection().equals(collection))
                .sorted(Comparator.comparing(FlushRecord::file).thenComparingLong(FlushRecord::offset)).toList();
    }

    @Override
    public synchronized List<String> flushLogFiles(String collection) {
        return log.values().stream().filter(r -> r.collection().equals(collection)).map(FlushRecord::file).distinct()
                .sorted().toList();
    }

    @Override
    public synchronized List<FlushRecord> flushLog(String collection, String file) {
        return log.values().stream().filter(r -> r.collection().equals(collection) && r.file().equals(file))
                .sorted(Comparator.comparingLong(FlushRecord::offset)).toList();
    }

    @Override
    public synchronized Optional<FlushRecord> lastFlush(String collection) {
        return log.values().stream().filter(r -> r.collection().equals(collection))
                .max(Comparator.comparing(FlushRecord::lastClusterTime));
    }

    @Override
    public synchronized List<String> collections() {
        TreeSet<String> names = new TreeSet<>(checkpoints.keySet());
        log.values().forEach(r -> names.add(r.collection()));
        gaps.forEach(g -> names.add(g.collection()));
        return List.copyOf(names);
    }

    @Override
    public synchronized List<Gap> gaps(String collection) {
        return gaps.stream().filter(g -> g.collection().equals(collection)).toList();
    }

    @Override
    public synchronized void ping() {
        checkUp();
    }

    @Override
    public void close() {
    }

    private void checkUp() {
        if (down) {
            throw new IllegalStateException("injected: tracker unreachable");
        }
    }
}
