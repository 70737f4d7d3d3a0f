package io.changestream.archiver.realmongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoException;
import com.mongodb.client.MongoChangeStreamCursor;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.ChangeStreamPreAndPostImagesOptions;
import com.mongodb.client.model.CreateCollectionOptions;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.Document;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** MONGODB_FULL_DOCUMENT_BEFORE_CHANGE against a real server: pre-images need changeStreamPreAndPostImages. */
class PreImagesTest extends RealMongoTestBase {

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void requiredPreImagesArriveOnUpdateReplaceAndDelete(String image) {
        try (MongoClient client = MongoClients.create(connectionString(image))) {
            MongoDatabase db = client.getDatabase(uniqueDatabaseName());
            db.createCollection("orders", new CreateCollectionOptions()
                    .changeStreamPreAndPostImagesOptions(new ChangeStreamPreAndPostImagesOptions(true)));
            MongoCollection<Document> orders = db.getCollection("orders");
            try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(
                    orders.watch().fullDocumentBeforeChange(FullDocumentBeforeChange.REQUIRED))) {
                orders.insertOne(new Document("_id", 1).append("v", 1));
                orders.updateOne(Filters.eq("_id", 1), Updates.set("v", 2));
                orders.replaceOne(Filters.eq("_id", 1), new Document("_id", 1).append("v", 3));
                orders.deleteOne(Filters.eq("_id", 1));
                List<BsonDocument> events = ChangeStreams.next(cursor, 4);

                assertThat(events.get(0).containsKey("fullDocumentBeforeChange")).isFalse();
                assertThat(events.get(1).getDocument("fullDocumentBeforeChange")).isEqualTo(BsonDocument.parse("{_id: 1, v: 1}"));
                assertThat(events.get(2).getDocument("fullDocumentBeforeChange")).isEqualTo(BsonDocument.parse("{_id: 1, v: 2}"));
                assertThat(events.get(3).getDocument("fullDocumentBeforeChange")).isEqualTo(BsonDocument.parse("{_id: 1, v: 3}"));
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void whenAvailableWithoutPreImagesEnabledGivesEventsWithoutThem(String image) {
        try (MongoClient client = MongoClients.create(connectionString(image))) {
            MongoDatabase db = client.getDatabase(uniqueDatabaseName());
            db.createCollection("orders");
            MongoCollection<Document> orders = db.getCollection("orders");
            try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(
                    orders.watch().fullDocumentBeforeChange(FullDocumentBeforeChange.WHEN_AVAILABLE))) {
                orders.insertOne(new Document("_id", 1).append("v", 1));
                orders.updateOne(Filters.eq("_id", 1), Updates.set("v", 2));
                BsonDocument update = ChangeStreams.next(cursor, 2).get(1);
                assertThat(update.getString("operationType").getValue()).isEqualTo("update");
                assertThat(!update.containsKey("fullDocumentBeforeChange") || update.isNull("fullDocumentBeforeChange"))
                        .isTrue();
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("images")
    void requiredWithoutPreImagesEnabledFailsInsteadOfOmittingThem(String image) {
        try (MongoClient client = MongoClients.create(connectionString(image))) {
            MongoDatabase db = client.getDatabase(uniqueDatabaseName());
            db.createCollection("orders");
            MongoCollection<Document> orders = db.getCollection("orders");
            try (MongoChangeStreamCursor<BsonDocument> cursor = ChangeStreams.open(
                    orders.watch().fullDocumentBeforeChange(FullDocumentBeforeChange.REQUIRED))) {
                orders.insertOne(new Document("_id", 1).append("v", 1));
                orders.updateOne(Filters.eq("_id", 1), Updates.set("v", 2));
                assertThatThrownBy(() -> ChangeStreams.next(cursor, 2)).isInstanceOf(MongoException.class);
            }
        }
    }
}
