package io.changestream.archiver.bench;

import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.Gap;
import io.changestream.archiver.checkpoint.Lease;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tracker for benchmarks: accepts every lease, keeps each collection's latest checkpoint, latest flush record and where each file's
 * logged ranges end, and forgets the rest of the flush log and gaps, so that a long run neither grows nor pays for
 * bookkeeping that production does over the network. Tests use {@code testing.InMemoryCheckpointStore}, which keeps
 * everything.
 */
final class LatestCheckpointOnly implements CheckpointStore {
    private final Map<String, Checkpoint> checkpoints = new HashMap<>();
    private final Map<String, FlushRecord> lastFlush = new HashMap<>();
    private final Map<String, Long> loggedEnds = new HashMap<>();

    @Override
    public Optional<Checkpoint> load(String collection) {
        return Optional.ofNullable(checkpoints.get(collection));
    }

    @Override
    public void claim(Lease lease) {
    }

    @Override
    public void commit(FlushRecord range, Checkpoint checkpoint, Lease lease) {
        lastFlush.put(range.collection(), range);
        loggedEnds.merge(range.collection() + "/" + range.file(), range.end(), Math::max);
        advance(checkpoint, lease);
    }

    @Override
    public void advance(Checkpoint checkpoint, Lease lease) {
        checkpoints.put(checkpoint.collection(), checkpoint);
    }

    @Override
    public long loggedEnd(String collection, String file) {
        return loggedEnds.getOrDefault(collection + "/" + file, 0L);
    }

    @Override
    public long deleteFlushLog(String collection, String file) {
        return 0;
    }

    @Override
    public void recordGap(Gap gap) {
    }

    @Override
    public List<FlushRecord> flushLog(String collection) {
        return Optional.ofNullable(lastFlush.get(collection)).stream().toList();
    }

    @Override
    public List<String> flushLogFiles(String collection) {
        return flushLog(collection).stream().map(FlushRecord::file).toList();
    }

    @Override
    public List<FlushRecord> flushLog(String collection, String file) {
        return flushLog(collection).stream().filter(r -> r.file().equals(file)).toList();
    }

    @Override
    public Optional<FlushRecord> lastFlush(String collection) {
        return Optional.ofNullable(lastFlush.get(collection));
    }

    @Override
    public List<Gap> gaps(String collection) {
        return List.of();
    }

    @Override
    public List<String> collections() {
        return checkpoints.keySet().stream().sorted().toList();
    }

    @Override
    public void ping() {
    }

    @Override
    public void close() {
    }
}
