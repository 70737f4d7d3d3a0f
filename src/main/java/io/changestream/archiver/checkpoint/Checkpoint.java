package io.changestream.archiver.checkpoint;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * Where a collection's archive durably ends: the resume token of the last archived event and the file position
 * that event's line ends at. A restart resumes the change stream after {@link #resumeToken()}, or, before the
 * first event was archived, at {@link #clusterTime()} ({@code startAtOperationTime}): the first start records
 * that position before capturing anything, so events delivered before a crash are captured again, not lost.
 *
 * @param collection    the watched collection
 * @param resumeToken   token of the last durably archived event, or a newer post-batch token of an idle stream;
 *                      empty when capture began at {@code clusterTime} and nothing is archived since
 * @param clusterTime   {@code clusterTime} of that event (of the token, for post-batch tokens), or the
 *                      operation time capture began at
 * @param file          path of the file holding that event's line, empty before the first flush
 * @param fileLength    committed length of {@code file} including that line
 * @param totalEvents   events archived for this collection since the tracker was created
 * @param totalBytes    bytes written for this collection since the tracker was created
 * @param startAfter    true when the token is an invalidate event's, so the stream must use {@code startAfter}
 * @param updatedAt     when this checkpoint was written
 */
public record Checkpoint(String collection, Optional<BsonDocument> resumeToken, BsonTimestamp clusterTime,
                         Optional<String> file, long fileLength, long totalEvents, long totalBytes,
                         boolean startAfter, Instant updatedAt) {
    public Checkpoint {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(resumeToken, "resumeToken");
        Objects.requireNonNull(clusterTime, "clusterTime");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(updatedAt, "updatedAt");
        if (fileLength < 0 || totalEvents < 0 || totalBytes < 0) {
            throw new IllegalArgumentException("checkpoint counters must be >= 0: fileLength=" + fileLength
                    + " totalEvents=" + totalEvents + " totalBytes=" + totalBytes);
        }
    }
}
