package io.changestream.archiver.testing;

import io.changestream.archiver.capture.ChangeEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/** Hand-built change events shaped like MongoDB's, with unique tokens and increasing cluster times. */
public final class Events {
    private Events() {
    }

    /** {@code count} insert events, one second apart from {@code start}, tokens {@code t0000000...}. */
    public static List<ChangeEvent> inserts(int count, Instant start) {
        return inserts(count, start, 1);
    }

    /** {@code count} insert events, {@code stepSeconds} apart from {@code start}. */
    public static List<ChangeEvent> inserts(int count, Instant start, int stepSeconds) {
        List<ChangeEvent> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(insert(i, start.plusSeconds((long) i * stepSeconds)));
        }
        return events;
    }

    public static ChangeEvent insert(int n, Instant at) {
        BsonDocument event = new BsonDocument("_id", new BsonDocument("_data", new BsonString(String.format("t%09d", n))))
                .append("operationType", new BsonString("insert"))
                .append("clusterTime", new BsonTimestamp((int) at.getEpochSecond(), 1))
                .append("ns", new BsonDocument("db", new BsonString("shop")).append("coll", new BsonString("orders")))
                .append("documentKey", new BsonDocument("_id", new BsonInt32(n)))
                .append("fullDocument", new BsonDocument("_id", new BsonInt32(n))
                        .append("payload", new BsonString("x".repeat(40 + n % 13))));
        return ChangeEvent.of(new RawBsonDocument(event, new BsonDocumentCodec()));
    }
}
