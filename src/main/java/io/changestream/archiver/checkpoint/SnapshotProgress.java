package io.changestream.archiver.checkpoint;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * A snapshot as the tracker records it: where it started, the parts written so far, and whether its manifest is
 * written. The record of progress an interrupted snapshot resumes from (protocol:
 * {@code snapshot/SnapshotWriter}).
 *
 * @param collection the snapshotted collection
 * @param id         the snapshot's id, which names its folder and sorts by start time
 * @param start      T0: the cluster time every read observes at least
 * @param end        the cluster time after the last read; present once the snapshot is complete
 * @param state      running (parts being written) or complete (manifest written)
 * @param parts      the recorded parts, numbered 0, 1, 2… without a hole
 * @param startedAt  when the snapshot was started
 * @param updatedAt  when this record was last written
 */
public record SnapshotProgress(String collection, String id, BsonTimestamp start, Optional<BsonTimestamp> end,
                               State state, List<SnapshotPart> parts, Instant startedAt, Instant updatedAt) {

    public enum State {
        RUNNING, COMPLETE;

        public String tag() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public SnapshotProgress {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(start, "start");
        Objects.requireNonNull(end, "end");
        Objects.requireNonNull(state, "state");
        parts = List.copyOf(parts);
        for (int i = 0; i < parts.size(); i++) {
            if (parts.get(i).number() != i) {
                throw new IllegalArgumentException("snapshot " + id + " of " + collection + ": part " + i
                        + " is numbered " + parts.get(i).number());
            }
        }
        if ((state == State.COMPLETE) != end.isPresent()) {
            throw new IllegalArgumentException("snapshot " + id + " of " + collection + ": an end time is recorded "
                    + "exactly when the snapshot is complete (state " + state.tag() + ", end " + end + ")");
        }
    }

    public static SnapshotProgress started(String collection, String id, BsonTimestamp start, Instant now) {
        return new SnapshotProgress(collection, id, start, Optional.empty(), State.RUNNING, List.of(), now, now);
    }

    /** Where the next part's read continues: after this {@code _id}; empty before the first part. */
    public Optional<BsonValue> lastId() {
        return parts.isEmpty() ? Optional.empty() : Optional.of(parts.get(parts.size() - 1).lastId());
    }

    public long documents() {
        return parts.stream().mapToLong(SnapshotPart::documents).sum();
    }

    public long bytes() {
        return parts.stream().mapToLong(SnapshotPart::bytes).sum();
    }

    public SnapshotProgress withPart(SnapshotPart part, Instant now) {
        List<SnapshotPart> more = new ArrayList<>(parts);
        more.add(part);
        return new SnapshotProgress(collection, id, start, end, state, more, startedAt, now);
    }

    public SnapshotProgress completed(BsonTimestamp endTime, Instant now) {
        return new SnapshotProgress(collection, id, start, Optional.of(endTime), State.COMPLETE, parts, startedAt,
                now);
    }

    public boolean complete() {
        return state == State.COMPLETE;
    }
}
