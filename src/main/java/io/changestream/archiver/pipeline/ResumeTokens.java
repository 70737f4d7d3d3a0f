package io.changestream.archiver.pipeline;

import java.util.HexFormat;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * Reads the cluster time out of a resume token, for display only (status, lag of idle collections). Since MongoDB
 * 4.2 a token's {@code _data} is a hex KeyString whose first value is the event's cluster time: type byte
 * {@code 0x82} and eight big-endian bytes (seconds, increment). Any other shape yields empty; nothing that decides
 * what is archived depends on this.
 */
final class ResumeTokens {
    private static final int TIMESTAMP_TYPE = 0x82;

    private ResumeTokens() {
    }

    static Optional<BsonTimestamp> clusterTime(BsonDocument token) {
        if (!token.isString("_data")) {
            return Optional.empty();
        }
        String data = token.getString("_data").getValue();
        if (data.length() < 18) {
            return Optional.empty();
        }
        try {
            byte[] head = HexFormat.of().parseHex(data, 0, 18);
            if ((head[0] & 0xff) != TIMESTAMP_TYPE) {
                return Optional.empty();
            }
            long value = 0;
            for (int i = 1; i < 9; i++) {
                value = (value << 8) | (head[i] & 0xff);
            }
            return Optional.of(new BsonTimestamp(value));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
