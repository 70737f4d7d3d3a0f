package io.changestream.archiver.realmongo;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocument;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.Document;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * What the archiver relies on from a real server's change streams: complete events (the archive stores them
 * exactly as sent), resuming from a stored token in a new process, post-batch tokens of quiet collections, and
 * {@code startAfter} past an invalidate.
 */
class ChangeStreamServerBehaviourTest extends RealMongoTestBase {

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void everyOperationsEventCarriesTheFieldsTheArchiveKeeps(String image) {
        try (MongoClient client = MongoClients.create(connectionString(image))) {
            MongoDatabase db = client.getDatabase(uniqueDatabaseName());
            MongoCollection<Document> orders = db.getCollection("orders");
            db.createCollection("orders");
            List<BsonDocument> events = new ArrayList<>();
            try (MongoChangeStreamCursor<BsonDocument> cursor =
                         ChangeStreams.open(orders.watch().fullDocument(FullDocument.UPDATE_LOOKUP))) {
                // One event read after each write: updateLookup looks the document up when the event is read.
                orders.insertOne(new Document("_id", 1).append("name", "a").append("n", 1));
                events.addAll(ChangeStreams.next(cursor, 1));
                orders.updateOne(Filters.eq("_id", 1), Updates.combine(Updates.set("n", 2), Updates.unset("name")));
                events.addAll(ChangeStreams.next(cursor, 1));
                orders.replaceOne(Filters.eq("_id", 1), new Document("_id", 1).append("replaced", true));
                events.addAll(ChangeStreams.next(cursor, 1));
                orders.deleteOne(Filters.eq("_id", 1));
                events.addAll(ChangeStreams.next(cursor, 1));
            }

            assertThat(events).extracting(e -> e.getString("operationType").getValue())
                    .containsExactly("insert", "update", "replace", "delete");
            for (BsonDocument event : events) {
                assertThat(event.getDocument("_id").containsKey("_data")).as("resume token %s", event).isTrue();
                assertThat(event.get("clusterTime").isTimestamp()).isTrue();
                assertThat(event.get("wallTime").isDateTime()).isTrue();
                assertThat(event.getDocument("ns"))
                        .isEqualTo(new BsonDocument("db", new BsonString(db.getName())).append("coll", new BsonString("orders")));
                assertThat(event.getDocument("documentKey")).isEqualTo(new BsonDocument("_id", new BsonInt32(1)));
            }
            BsonDocument insert = events.get(0);
            assertThat(insert.getDocument("fullDocument")).isEqualTo(BsonDocument.parse("{_id: 1, name: 'a', n: 1}"));

            BsonDocument update = events.get(1);
            BsonDocument description = update.getDocument("updateDescription");
            assertThat(description.getDocument("updatedFields")).isEqualTo(BsonDocument.parse("{n: 2}"));
            assertThat(description.getArray("removedFields").getValues()).containsExactly(new BsonString("name"));
            assertThat(update.getDocument("fullDocument")).isEqualTo(BsonDocument.parse("{_id: 1, n: 2}"));

            BsonDocument replace = events.get(2);
            assertThat(replace.containsKey("updateDescription")).isFalse();
            assertThat(replace.getDocument("fullDocument")).isEqualTo(BsonDocument.parse("{_id: 1, replaced: true}"));

            BsonDocument delete = events.get(3);
            assertThat(delete.containsKey("fullDocument")).isFalse();

            // Change-stream order is cluster-time order.
            for (int i = 1; i < events.size(); i++) {
                assertThat(events.get(i).getTimestamp("clusterTime"))
                        .isGreaterThanOrEqualTo(events.get(i - 1).getTimestamp("clusterTime"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void updateLookupShowsTheDocumentWhenTheEventIsReadNotAsOfTheUpdate(String image) {
        try (MongoClient client = MongoClients.create(connectionString(image))) {
            MongoDatabase db = client.getDatabase(uniqueDatabaseName());
            db.createCollection("orders");
            MongoCollection<Document> orders = db.getCollection("orders");
            try (MongoChangeStreamCursor<BsonDocument> cursor =
                         ChangeStreams.open(orders.watch().fullDocument(FullDocument.UPDATE_LOOKUP))) {
                orders.insertOne(new Document("_id", 1).append("n", 1));
                orders.updateOne(Filters.eq("_id", 1), Updates.set("n", 2));
                orders.deleteOne(Filters.eq("_id", 1));
                BsonDocument update = ChangeStreams.next(cursor, 3).get(1);
                assertThat(update.getString("operationType").getValue()).isEqualTo("update");
                // The document was gone by the time the event was read; the update itself is still complete.
                assertThat(!update.containsKey("fullDocument") || update.isNull("fullDocument")).isTrue();
                assertThat(update.getDocument("updateDescription").getDocument("updatedFields"))
                        .isEqualTo(BsonDocument.parse("{n: 2}"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void aNewProcessResumingAfterAStoredTokenGetsExactlyTheLaterEventsInOrder(String image) {
        String dbName = uniqueDatabaseName();
        BsonDocument storedToken;
        // The first "process": watches, archives two of three events, stores the second one's token, exits.
        try (MongoClient first = MongoClients.create(connectionString(image))) {
            MongoCollection<Document> orders = first.getDatabase(dbName).getCollection("orders");
            first.getDatabase(dbName).createCollection("orders");
            try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(orders.watch())) {
                for (int id = 1; id <= 3; id++) {
                    orders.insertOne(new Document("_id", id));
                }
                storedToken = ChangeStreams.next(cursor, 3).get(1).getDocument("_id");
            }
        }
        // Writes while nobody watches.
        try (MongoClient writer = MongoClients.create(connectionString(image))) {
            MongoCollection<Document> orders = writer.getDatabase(dbName).getCollection("orders");
            orders.insertOne(new Document("_id", 4));
            orders.insertOne(new Document("_id", 5));
        }
        // The restarted "process" resumes after the stored token.
        try (MongoClient second = MongoClients.create(connectionString(image));
             MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(
                     second.getDatabase(dbName).getCollection("orders").watch().resumeAfter(storedToken))) {
            assertThat(ChangeStreams.next(cursor, 3))
                    .extracting(e -> e.getDocument("documentKey").getInt32("_id").getValue())
                    .containsExactly(3, 4, 5);
            ChangeStreams.assertQuiet(cursor);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void aQuietCollectionsPostBatchTokenAdvancesAndResumesCorrectly(String image) {
        try (MongoClient client = MongoClients.create(connectionString(image))) {
            MongoDatabase db = client.getDatabase(uniqueDatabaseName());
            db.createCollection("quiet");
            db.createCollection("busy");
            MongoCollection<Document> quiet = db.getCollection("quiet");
            BsonDocument before;
            BsonDocument after;
            try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(quiet.watch())) {
                ChangeStreams.assertQuiet(cursor);
                before = cursor.getResumeToken();
                for (int i = 0; i < 10; i++) {
                    db.getCollection("busy").insertOne(new Document("i", i));
                }
                ChangeStreams.assertQuiet(cursor);
                after = cursor.getResumeToken();
            }
            assertThat(before).isNotNull();
            assertThat(after).isNotNull().isNotEqualTo(before);

            // Resuming from the post-batch token misses nothing written to the quiet collection afterwards.
            quiet.insertOne(new Document("_id", "late"));
            try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(quiet.watch().resumeAfter(after))) {
                assertThat(ChangeStreams.next(cursor, 1).get(0).getDocument("documentKey").getString("_id").getValue())
                        .isEqualTo("late");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void dropInvalidatesTheStreamAndStartAfterTheInvalidateSeesTheRecreatedCollection(String image) {
        try (MongoClient client = MongoClients.create(connectionString(image))) {
            MongoDatabase db = client.getDatabase(uniqueDatabaseName());
            db.createCollection("orders");
            MongoCollection<Document> orders = db.getCollection("orders");
            BsonDocument invalidateToken;
            try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(orders.watch())) {
                orders.insertOne(new Document("_id", 1));
                orders.drop();
                List<BsonDocument> events = ChangeStreams.next(cursor, 3);
                assertThat(events).extracting(e -> e.getString("operationType").getValue())
                        .containsExactly("insert", "drop", "invalidate");
                invalidateToken = events.get(2).getDocument("_id");
            }
            orders.insertOne(new Document("_id", 2));
            try (MongoChangeStreamCursor<BsonDocument> cursor =
                         ChangeStreams.open(orders.watch().startAfter(invalidateToken))) {
                BsonDocument event = ChangeStreams.next(cursor, 1).get(0);
                assertThat(event.getString("operationType").getValue()).isEqualTo("insert");
                assertThat(event.getDocument("documentKey").getInt32("_id").getValue()).isEqualTo(2);
            }
        }
    }
}
