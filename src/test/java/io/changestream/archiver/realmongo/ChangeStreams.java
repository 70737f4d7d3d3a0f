package io.changestream.archiver.realmongo;

import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoCursor;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;

/** Reading whole change events, as raw server documents, with a time limit; test helper. */
final class ChangeStreams {

    static final Duration WAIT = Duration.ofSeconds(30);

    private ChangeStreams() {
    }

    /**
     * Opens the stream now, so writes made after this call are in it. The events come as the server sent them
     * (a BsonDocument per event), not mapped onto the driver's ChangeStreamDocument.
     */
    @SuppressWarnings("unchecked")
    static MongoChangeStreamCursor<BsonDocument> open(ChangeStreamIterable<?> stream) {
        // The iterable withDocumentClass returns still opens a MongoChangeStreamCursor, so the cast holds; its
        // getResumeToken is the post-batch resume token the archiver checkpoints for quiet collections.
        return (MongoChangeStreamCursor<BsonDocument>) stream.maxAwaitTime(500, TimeUnit.MILLISECONDS)
                .withDocumentClass(BsonDocument.class).cursor();
    }

    /** The next {@code count} events; fails when they do not arrive within {@link #WAIT}. */
    static List<BsonDocument> next(MongoCursor<BsonDocument> cursor, int count) {
        List<BsonDocument> events = new ArrayList<>();
        Instant deadline = Instant.now().plus(WAIT);
        while (events.size() < count) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("expected " + count + " change events within " + WAIT + ", got " + events);
            }
            BsonDocument event = cursor.tryNext();
            if (event != null) {
                events.add(event);
            }
        }
        return events;
    }

    /** Asserts that no event arrives during a few await periods. */
    static void assertQuiet(MongoCursor<BsonDocument> cursor) {
        for (int i = 0; i < 3; i++) {
            BsonDocument event = cursor.tryNext();
            if (event != null) {
                throw new AssertionError("expected no more events, got " + event.toJson());
            }
        }
    }
}
