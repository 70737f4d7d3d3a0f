package io.changestream.archiver.capture;

import com.mongodb.reactivestreams.client.MongoDatabase;
import java.time.Clock;
import java.time.Duration;
import org.bson.BsonTimestamp;
import org.bson.Document;
import reactor.core.publisher.Mono;

/**
 * The source cluster's current operation time: where a collection's capture begins when it has no checkpoint.
 * Recording it before the first event makes even the very first events safe: if the process dies before their
 * flush, the next start opens the stream at this time instead of "now" and captures them again.
 *
 * <p>Read from the {@code operationTime} of a {@code ping} reply (every replica set and sharded cluster member
 * sends it). A server that does not (a standalone test server) yields the local clock's current second.
 */
public final class ClusterClock {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final MongoDatabase database;
    private final Clock clock;

    public ClusterClock(MongoDatabase database, Clock clock) {
        this.database = database;
        this.clock = clock;
    }

    /** Blocking; call on a scheduler that allows it. */
    public BsonTimestamp now() {
        Document reply = Mono.from(database.runCommand(new Document("ping", 1))).block(TIMEOUT);
        Object time = reply == null ? null : reply.get("operationTime");
        if (time instanceof org.bson.BsonTimestamp t) {
            return t;
        }
        return new BsonTimestamp((int) clock.instant().getEpochSecond(), 0);
    }
}
