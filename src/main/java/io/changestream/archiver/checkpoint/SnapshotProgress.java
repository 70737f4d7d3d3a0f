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
 * @param format     the compression and JSON mode of its parts, fixed at begin; empty only in a record written by a
 *                   version that did not record it (the writer infers it from the parts in the store, distrustfully)
 * @param end        the cluster time after the last read; present once the snapshot is complete
 * @param state      running (parts being written) or complete (manifest written)
 * @param parts      the recorded parts, numbered 0, 1, 2… without a hole
 * @param startedAt  when the snapshot was started
 * @param updatedAt  when this record was last written
 */
public record SnapshotProgress(String collection, String id, BsonTimestamp start, Optional<SnapshotFormat> format,
                               Optional<BsonTimestamp> end, State state, List<SnapshotPart> parts, Instant startedAt, Instant updatedAt) {

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
        Objects.requireNonNull(format, "format");
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

    public static SnapshotProgress started(String collection, String id, BsonTimestamp start, SnapshotFormat format,
                                           Instant now) {
        return new SnapshotProgress(collection, id, start, Optional.of(format), Optional.empty(), State.RUNNING,
                List.of(), now, now);
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
        return new SnapshotProgress(collection, id, start, format, end, state, more, startedAt, now);
    }

    /** The record with the format inferred for it (a record that predates the format field). */
    public SnapshotProgress withFormat(SnapshotFormat known, Instant now) {
        return new SnapshotProgress(collection, id, start, Optional.of(known), end, state, parts, startedAt, now);
    }

    public SnapshotProgress completed(BsonTimestamp endTime, Instant now) {
        return new SnapshotProgress(collection, id, start, format, Optional.of(endTime), State.COMPLETE, parts,
                startedAt, now);
    }

    public boolean complete() {
        return state == State.COMPLETE;
    }
}
