package io.changestream.archiver.capture;

import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * One change event as the server sent it, kept as raw BSON from the wire to the file. Only the fields the pipeline
 * routes on are read out of it: the resume token ({@code _id}), {@code clusterTime} and {@code operationType}.
 *
 * @param raw           the whole event, byte for byte
 * @param resumeToken   the event's {@code _id}
 * @param clusterTime   the event's {@code clusterTime}; decides its hour file
 * @param operationType {@code insert}, {@code update}, … as sent
 */
public record ChangeEvent(RawBsonDocument raw, BsonDocument resumeToken, BsonTimestamp clusterTime,
                          String operationType) {

    public ChangeEvent {
        Objects.requireNonNull(raw, "raw");
        Objects.requireNonNull(resumeToken, "resumeToken");
        Objects.requireNonNull(clusterTime, "clusterTime");
        Objects.requireNonNull(operationType, "operationType");
    }

    /** Reads the routing fields out of a raw change event; rejects a document that is not one. */
    public static ChangeEvent of(RawBsonDocument raw) {
        BsonValue id = raw.get("_id");
        BsonValue time = raw.get("clusterTime");
        BsonValue op = raw.get("operationType");
        if (id == null || !id.isDocument() || time == null || !time.isTimestamp() || op == null || !op.isString()) {
            throw new IllegalArgumentException("not a change event (needs _id document, clusterTime timestamp and "
                    + "operationType string): fields " + raw.keySet());
        }
        return new ChangeEvent(raw, id.asDocument(), time.asTimestamp(), op.asString().getValue());
    }

    /** Size of the raw BSON in bytes: what buffers and memory budgets count. */
    public int byteSize() {
        return raw.getByteBuffer().remaining();
    }
}
