package io.changestream.archiver.bench;

import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.Gap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A tracker for benchmarks: keeps each collection's latest checkpoint in memory and forgets the flush log and gaps,
 * so a long run neither grows nor pays for bookkeeping that production pays for over the network. Not for tests,
 * which need the log ({@code testing.InMemoryCheckpointStore}).
 */
final class LatestCheckpointOnly implements CheckpointStore {
    private final Map<String, Checkpoint> checkpoints = new HashMap<>();

    @Override
    public Optional<Checkpoint> load(String collection) {
        return Optional.ofNullable(checkpoints.get(collection));
    }

    @Override
    public void commit(FlushRecord range, Checkpoint checkpoint) {
        advance(checkpoint);
    }

    @Override
    public void advance(Checkpoint checkpoint) {
        checkpoints.put(checkpoint.collection(), checkpoint);
    }

    @Override
    public void recordGap(Gap gap) {
    }

    @Override
    public List<FlushRecord> flushLog(String collection) {
        return List.of();
    }

    @Override
    public List<Gap> gaps(String collection) {
        return List.of();
    }

    @Override
    public void ping() {
    }

    @Override
    public void close() {
    }
}
