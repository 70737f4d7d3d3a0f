package io.changestream.archiver.realmongo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.replay.DatabaseComparison;
import io.changestream.archiver.testing.ArchiveContents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The archiver against real MongoDB (7.0 and 8.0): full-fidelity change events reach the archive as the server
 * sent them, and replaying the archive reproduces the source exactly, including updates applied from
 * {@code updateDescription}, which only a real server produces. Skipped with a printed reason without Docker.
 */
class RealMongoArchiverTest extends RealMongoTestBase {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir
    Path archive;

    @ParameterizedTest
    @MethodSource("images")
    void fullFidelityEventsAreArchivedAndTheirReplayEqualsTheSource(String image) {
        String uri = connectionString(image);
        String database = uniqueDatabaseName();
        Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", uri, "MONGODB_DATABASE", database,
                "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                "MONGODB_FULL_DOCUMENT", "default", "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "HTTP_PORT", "0"));
        try (MongoClient client = MongoClients.create(uri);
             Service service = Service.start(ConfigLoader.load(env), new SimpleMeterRegistry(), Clock.systemUTC())) {
            await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
            MongoCollection<Document> orders = client.getDatabase(database).getCollection("orders");
            orders.insertOne(new Document("_id", 1).append("qty", 1).append("price", Decimal128.parse("9.99"))
                    .append("tags", List.of("a")).append("profile", new Document("tier", "silver").append("x", 1)));
            orders.updateOne(Filters.eq("_id", 1), Updates.combine(Updates.set("profile.tier", "gold"),
                    Updates.unset("profile.x"), Updates.push("tags", "b"), Updates.inc("qty", 2)));
            orders.replaceOne(Filters.eq("_id", 1), new Document("_id", 1).append("replaced", true));
            orders.insertOne(new Document("_id", 2));
            orders.deleteOne(Filters.eq("_id", 2));
            await().atMost(WAIT).until(() -> service.archiver.status().stream()
                    .mapToInt(CollectionStatus::bufferedEvents).sum() == 5);
            service.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);

            List<RawBsonDocument> events = ArchiveContents.events(archive, "orders");
            assertThat(events).extracting(e -> e.getString("operationType").getValue())
                    .containsExactly("insert", "update", "replace", "insert", "delete");
            assertThat(events).allSatisfy(e -> assertThat(e.keySet()).contains("ns", "wallTime", "documentKey"));
            assertThat(events.get(1).getDocument("updateDescription").getDocument("updatedFields").keySet())
                    .contains("profile.tier", "qty");

            MongoDatabase target = client.getDatabase(database + "_replay");
            StringWriter out = new StringWriter();
            int exit = Main.execute(env, new PrintWriter(out), new PrintWriter(out), "replay", "--target-uri", uri,
                    "--target-database", target.getName());
            assertThat(exit).as(out.toString()).isZero();
            assertThat(DatabaseComparison.compare(client.getDatabase(database), target, Map.of("orders", "orders"))
                    .equal()).isTrue();
        }
    }
}
