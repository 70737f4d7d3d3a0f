package io.changestream.archiver.checkpoint;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * History was lost: the change stream could not resume after {@code lastToken} (it fell out of the oplog) and,
 * under {@code HISTORY_LOST_POLICY=resume-from-now}, capture restarted from the present. Events between
 * {@code lastClusterTime} and the first event after {@code detectedAt} are not in the archive.
 */
public record Gap(String collection, Optional<BsonDocument> lastToken, Optional<BsonTimestamp> lastClusterTime,
                  Instant detectedAt, int errorCode, String reason) {
    public Gap {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(lastToken, "lastToken");
        Objects.requireNonNull(lastClusterTime, "lastClusterTime");
        Objects.requireNonNull(detectedAt, "detectedAt");
        Objects.requireNonNull(reason, "reason");
    }
}
