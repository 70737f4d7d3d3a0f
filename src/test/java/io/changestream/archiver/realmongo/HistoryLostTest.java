package io.changestream.archiver.realmongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoException;
import com.mongodb.client.ChangeStreamIterable;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Sorts;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.bson.Document;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.testcontainers.containers.MongoDBContainer;

/**
 * A resume token older than the oplog's oldest entry: the server answers ChangeStreamHistoryLost (286), which
 * the archiver classifies by code to apply HISTORY_LOST_POLICY. A 1 MB oplog (mongod --oplogSize 1) is rolled
 * over by writing a few MB.
 */
class HistoryLostTest extends RealMongoTestBase {

    /** The server's error code; the archiver classifies by code, never by message text. */
    static final int CHANGE_STREAM_HISTORY_LOST = 286;

    private static final Duration ROLL_OVER_LIMIT = Duration.ofMinutes(3);
    private static final String PADDING = "x".repeat(64 * 1024);

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void resumingFromATokenThatLeftTheOplogFailsWithChangeStreamHistoryLost(String image) throws Exception {
        MongoDBContainer mongo = startDedicated(image, "--oplogSize", "1");
        try (MongoClient client = MongoClients.create(directConnectionString(mongo))) {
            MongoDatabase db = client.getDatabase("shop");
            db.createCollection("orders");
            MongoCollection<Document> orders = db.getCollection("orders");
            BsonDocument token;
            BsonTimestamp eventTime;
            try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(orders.watch())) {
                orders.insertOne(new Document("_id", 1));
                BsonDocument event = ChangeStreams.next(cursor, 1).get(0);
                token = event.getDocument("_id");
                eventTime = event.getTimestamp("clusterTime");
            }

            rollOverTheOplog(client, db.getCollection("filler"));

            assertFailsWithHistoryLost(() -> drain(orders.watch().resumeAfter(token)));
            assertFailsWithHistoryLost(() -> drain(orders.watch().startAtOperationTime(eventTime)));
        } finally {
            mongo.stop();
        }
    }

    /** Writes until the oplog's oldest entry is newer than its newest entry was before, as the server's own test does. */
    private static void rollOverTheOplog(MongoClient client, MongoCollection<Document> filler) throws InterruptedException {
        MongoCollection<Document> oplog = client.getDatabase("local").getCollection("oplog.rs");
        BsonTimestamp newestBefore = oplog.find().sort(Sorts.descending("$natural")).first().get("ts", BsonTimestamp.class);
        Instant deadline = Instant.now().plus(ROLL_OVER_LIMIT);
        while (oldestEntry(oplog).compareTo(newestBefore) <= 0) {
            if (Instant.now().isAfter(deadline)) {
                throw new AssertionError("the 1 MB oplog did not roll over within " + ROLL_OVER_LIMIT);
            }
            List<Document> batch = new ArrayList<>();
            for (int i = 0; i < 16; i++) {
                batch.add(new Document("padding", PADDING));
            }
            filler.insertMany(batch);
            // A checkpoint lets the server truncate the oplog up to it; the truncation itself runs in the background.
            client.getDatabase("admin").runCommand(new Document("fsync", 1));
            Thread.sleep(200);
        }
    }

    private static BsonTimestamp oldestEntry(MongoCollection<Document> oplog) {
        return oplog.find().sort(Sorts.ascending("$natural")).first().get("ts", BsonTimestamp.class);
    }

    private static void drain(ChangeStreamIterable<Document> stream) {
        try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(stream)) {
            cursor.tryNext();
        }
    }

    private static void assertFailsWithHistoryLost(ThrowingCallable call) {
        assertThatThrownBy(call)
                .isInstanceOf(MongoException.class)
                .satisfies(e -> assertThat(((MongoException) e).getCode()).isEqualTo(CHANGE_STREAM_HISTORY_LOST));
    }
}
