package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.testing.ArchiveContents;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Odd names, huge documents and missing dependencies, against the whole service. (Lost history is in
 * {@link HistoryLostPolicyTest}: the in-process server never answers code 286.)
 */
class HostileInputWireTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path archive;

    private Map<String, String> env(String uri, String collections) {
        return new HashMap<>(Map.of("MONGODB_URI", uri, "MONGODB_DATABASE", "shop",
                "MONGODB_COLLECTIONS", collections, "ARCHIVE_LOCAL_DIR", archive.toString(),
                "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "SNAPSHOT_MODE", "never", "RETRY_DELAY_MS", "50", "RETRY_ATTEMPTS", "2",
                "HTTP_PORT", "0"));
    }

    private static Service start(Map<String, String> env) {
        return Service.start(ConfigLoader.load(env), new SimpleMeterRegistry(), Clock.systemUTC());
    }

    @Test
    void unsafeCollectionNamesStayInsideTheArchiveAndRoundTripToTheirCollection() throws IOException {
        List<String> names = List.of("a/b", "with space", "ünïcødé", "per%cent", "dots..x", "x\\y");
        try (EmbeddedMongo mongo = new EmbeddedMongo(); MongoClient client = MongoClients.create(mongo.uri());
             Service service = start(env(mongo.uri(), String.join(",", names)))) {
            await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
            for (String name : names) {
                client.getDatabase("shop").getCollection(name).insertOne(new Document("_id", name));
            }
            await().atMost(WAIT).until(() -> service.archiver.status().stream()
                    .mapToInt(CollectionStatus::bufferedEvents).sum() == names.size());
            service.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
        }
        try (Stream<Path> files = Files.walk(archive)) {
            List<Path> all = files.filter(Files::isRegularFile).toList();
            assertThat(all).hasSize(names.size());
            for (Path file : all) {
                assertThat(file.normalize()).startsWith(archive);
                assertThat(archive.relativize(file).getNameCount()).isEqualTo(2);
                String collection = ArchiveLayout.decodeCollection(archive.relativize(file).getName(0).toString());
                assertThat(ArchiveContents.events(archive, archive.relativize(file).getName(0).toString()))
                        .singleElement().satisfies(e -> assertThat(e.getDocument("fullDocument").getString("_id")
                                .getValue()).isEqualTo(collection));
            }
        }
    }

    @Test
    void aFifteenMegabyteDocumentIsArchivedWhole() {
        try (EmbeddedMongo mongo = new EmbeddedMongo(); MongoClient client = MongoClients.create(mongo.uri());
             Service service = start(env(mongo.uri(), "blobs"))) {
            await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
            String big = "b".repeat(15 * 1024 * 1024);
            client.getDatabase("shop").getCollection("blobs").insertOne(new Document("_id", 1).append("big", big));
            await().atMost(WAIT).until(() -> service.archiver.status().get(0).bufferedEvents() == 1);
            service.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);

            assertThat(ArchiveContents.events(archive, "blobs")).singleElement()
                    .satisfies(e -> assertThat(e.getDocument("fullDocument").getString("big").getValue()).isEqualTo(big));
        }
    }

    @Test
    void whenMongoDbIsDownAtStartTheServiceWaitsNotReadyAndStartsOnceItIsUp() throws IOException {
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        String uri = "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=300&connectTimeoutMS=300";
        try (Service service = start(env(uri, "orders"))) {
            await().pollDelay(Duration.ofMillis(500)).atMost(WAIT)
                    .until(() -> !service.archiver.readiness().reasons().isEmpty());
            assertThat(service.archiver.readiness().ready()).isFalse();
            assertThat(String.join(" ", service.archiver.readiness().reasons())).contains("orders");
            try (EmbeddedMongo mongo = new EmbeddedMongo(port); MongoClient client = MongoClients.create(mongo.uri())) {
                await().atMost(Duration.ofSeconds(90)).until(() -> service.archiver.readiness().ready());
                client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 1));
                await().atMost(WAIT).until(() -> service.archiver.status().get(0).bufferedEvents() == 1);
                service.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
                assertThat(ArchiveContents.events(archive, "orders")).hasSize(1);
            }
        }
    }
}
