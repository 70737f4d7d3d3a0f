package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoCollection;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import io.changestream.archiver.store.adls.DfsTestServer;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.IntStream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The whole service with {@code ARCHIVE_STORE=adls}: the real SDK against the in-process DFS server, a real
 * MongoDB-wire server as the source, through commits answered 503 and a store outage. The archive is read back
 * through the store, so what is checked is what a reader of the account would see.
 */
class AdlsArchiverWireTest {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private DfsTestServer adls;
    @RegisterExtension
    final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private Service service;

    @BeforeEach
    void start() {
        adls = DfsTestServer.start();
    }

    @AfterEach
    void stop() {
        if (service != null) {
            service.close();
        }
        adls.close();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void commitsAnswered503AndAnOutageLeaveEveryEventInTheHourFileExactlyOnce(Compression compression) {
        ArchiverConfig config = ConfigLoader.load(Map.ofEntries(
                Map.entry("MONGODB_URI", mongo.uri()), Map.entry("MONGODB_DATABASE", "shop"),
                Map.entry("MONGODB_COLLECTIONS", "orders"), Map.entry("FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099"), Map.entry("SNAPSHOT_MODE", "never"),
                Map.entry("ARCHIVE_STORE", "adls"), Map.entry("AZURE_STORAGE_ACCOUNT_NAME", adls.accountName()),
                Map.entry("AZURE_STORAGE_ACCOUNT_KEY", adls.accountKey()),
                Map.entry("AZURE_STORAGE_ENDPOINT", adls.endpoint()),
                Map.entry("ARCHIVE_COMPRESSION", compression.name().toLowerCase(Locale.ROOT)),
                Map.entry("RETRY_ATTEMPTS", "2"), Map.entry("RETRY_DELAY_MS", "20"), Map.entry("HTTP_PORT", "0")));
        service = Service.start(config, new SimpleMeterRegistry(), Clock.systemUTC());
        await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
        MongoCollection<Document> orders = mongo.database("shop").getCollection("orders");

        insertAndFlush(orders, 0, 20);
        adls.faults().commitThenFail(2);
        insertAndFlush(orders, 20, 40);
        insert(orders, 40, 60);
        adls.faults().startOutage();
        assertThatThrownBy(() -> service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT))
                .hasMessageContaining("orders");
        assertThat(buffered()).as("the buffer is kept while the store is down").isEqualTo(20);
        adls.faults().endOutage();
        service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT);

        List<RawBsonDocument> events = archivedEvents(config, "orders");
        assertThat(ArchiveContents.assertNoDuplicates(events)).isEqualTo(60);
        assertThat(events).extracting(e -> e.getDocument("fullDocument").getInt32("_id").getValue())
                .containsExactlyElementsOf(IntStream.range(0, 60).boxed().toList());
        assertThat(adls.faults().injectedFailures()).isPositive();
        assertThat(adls.unsupportedExchanges()).isEmpty();
    }

    private void insertAndFlush(MongoCollection<Document> orders, int from, int to) {
        insert(orders, from, to);
        service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT);
    }

    private void insert(MongoCollection<Document> orders, int from, int to) {
        int before = buffered();
        for (int i = from; i < to; i++) {
            orders.insertOne(new Document("_id", i).append("item", "widget-" + i));
        }
        await().atMost(WAIT).until(() -> buffered() == before + (to - from));
    }

    private int buffered() {
        return service.archiver.status().stream().mapToInt(CollectionStatus::bufferedEvents).sum();
    }

    private static List<RawBsonDocument> archivedEvents(ArchiverConfig config, String folder) {
        List<RawBsonDocument> events = new ArrayList<>();
        try (ArchiveStore store = ArchiveStores.open(config.store())) {
            for (ArchiveFile file : store.list(folder)) {
                byte[] bytes;
                try (InputStream in = store.read(file, 0)) {
                    bytes = in.readAllBytes();
                }
                ArchiveLines.Units units = ArchiveLines.split(bytes, config.store().compression());
                assertThat(units.completeLength()).as("%s holds only whole units", file).isEqualTo(bytes.length);
                units.units().forEach(unit -> unit.lines().forEach(line ->
                        events.add(RawBsonDocument.parse(new String(line, StandardCharsets.UTF_8)))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return events;
    }
}
