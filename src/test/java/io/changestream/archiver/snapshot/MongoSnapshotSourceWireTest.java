package io.changestream.archiver.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.changestream.archiver.app.EmbeddedMongo;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link MongoSnapshotSource} against the in-process MongoDB-wire server. */
class MongoSnapshotSourceWireTest {
    private final EmbeddedMongo server = new EmbeddedMongo();
    private final MongoClient client = MongoClients.create(server.uri());
    private final com.mongodb.reactivestreams.client.MongoClient reactive =
            com.mongodb.reactivestreams.client.MongoClients.create(server.uri());

    @AfterEach
    void close() {
        reactive.close();
        client.close();
        server.close();
    }

    @Test
    void readingOnAfterAnyIdFindsEveryLaterIdOfEveryTypeInMongoDbOrder() {
        List<Object> ids = List.of(-5, 3L, 7.5, "a", "b", new ObjectId("000000000000000000000001"),
                new ObjectId("000000000000000000000002"), false, true, new Date(1000), new Date(2000));
        for (Object id : ids) {
            client.getDatabase("db").getCollection("c").insertOne(new Document("_id", id).append("v", 1));
        }
        MongoSnapshotSource source = new MongoSnapshotSource(reactive, "db", Clock.systemUTC());
        List<BsonValue> all = read(source, Optional.empty());
        assertThat(all).hasSize(ids.size());
        for (int i = 0; i < all.size(); i++) {
            assertThat(read(source, Optional.of(all.get(i)))).as("after %s", all.get(i))
                    .isEqualTo(all.subList(i + 1, all.size()));
            if (i > 0) {
                assertThat(IdOrder.ascending(all.get(i - 1), all.get(i))).as("%s < %s", all.get(i - 1), all.get(i))
                        .isTrue();
            }
        }
    }

    private static List<BsonValue> read(MongoSnapshotSource source, Optional<BsonValue> after) {
        List<BsonValue> out = new ArrayList<>();
        try (SnapshotSource.Documents docs = source.documents("c", after, new BsonTimestamp(1, 1))) {
            while (docs.hasNext()) {
                RawBsonDocument d = docs.next();
                out.add(d.get("_id"));
            }
        }
        return out;
    }
}
