package io.changestream.archiver.pipeline;

import io.changestream.archiver.capture.StreamContinuation;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * Reads the cluster time out of a resume token, for display and for the checkpoint of an idle collection (status,
 * lag). Since MongoDB 4.2 a token's {@code _data} is a hex KeyString whose first value is the event's cluster time;
 * {@link StreamContinuation#keyStringTime} reads it, the one parser of that shape. Any other shape yields empty.
 */
final class ResumeTokens {
    private ResumeTokens() {
    }

    static Optional<BsonTimestamp> clusterTime(BsonDocument token) {
        return StreamContinuation.keyStringTime(token);
    }
}
