package io.changestream.archiver.checkpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * The flush log entry for one contiguous range of bytes appended to one file. A flush whose events span hours
 * writes one range, and one entry, per file. {@code verify} holds the archive against these entries.
 *
 * @param collection       the watched collection
 * @param file             archive path of the file
 * @param offset           byte offset of the range in the file
 * @param length           byte length of the range
 * @param events           number of change events (lines) in the range
 * @param firstToken       resume token of the first event in the range
 * @param lastToken        resume token of the last event in the range
 * @param firstClusterTime clusterTime of the first event
 * @param lastClusterTime  clusterTime of the last event
 * @param sha256           hex SHA-256 of the bytes of the range, as stored (compressed when gzip)
 * @param trigger          why the flush ran
 * @param startedAt        when the flush started
 * @param duration         how long writing and committing took
 */
public record FlushRecord(String collection, String file, long offset, long length, int events,
                          BsonDocument firstToken, BsonDocument lastToken,
                          BsonTimestamp firstClusterTime, BsonTimestamp lastClusterTime,
                          String sha256, FlushTrigger trigger, Instant startedAt, Duration duration) {
    public FlushRecord {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(firstToken, "firstToken");
        Objects.requireNonNull(lastToken, "lastToken");
        Objects.requireNonNull(firstClusterTime, "firstClusterTime");
        Objects.requireNonNull(lastClusterTime, "lastClusterTime");
        Objects.requireNonNull(sha256, "sha256");
        Objects.requireNonNull(trigger, "trigger");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(duration, "duration");
        if (offset < 0 || length <= 0 || events <= 0) {
            throw new IllegalArgumentException("flush range must be non-empty: offset=" + offset + " length=" + length
                    + " events=" + events + " in " + file);
        }
    }

    /** The offset just past this range: where the next range of the same file starts. */
    public long end() {
        return offset + length;
    }
}
