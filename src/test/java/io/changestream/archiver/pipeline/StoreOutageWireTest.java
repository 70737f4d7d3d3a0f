package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoCollection;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.store.adls.DfsTestServer;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.OutageStore;
import io.changestream.archiver.testing.ServiceFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;

/**
 * Store outages seen from outside (issue 13, findings 8 and 11): the whole service against the in-process
 * MongoDB-wire server, with a local archive behind a store that refuses every call while it is "down". The flush
 * schedule never fires, so nothing but the service's own retries (or a test's explicit flush) archives anything.
 */
class StoreOutageWireTest extends ServiceFixture {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private final HttpClient http = HttpClient.newHttpClient();

    private ArchiverConfig config() {
        Map<String, String> env = serviceEnv(archive, "orders");
        env.putAll(Map.of("RETRY_DELAY_MS", "20", "RETRY_ATTEMPTS", "2"));
        return ConfigLoader.load(env);
    }

    private Service start(OutageStore store) {
        return track(Service.start(config(), new SimpleMeterRegistry(), Clock.systemUTC(), store));
    }

    private void insert(int from, int to) {
        MongoCollection<Document> orders = client.getDatabase("shop").getCollection("orders");
        for (int i = from; i < to; i++) {
            orders.insertOne(new Document("_id", i).append("item", "widget-" + i));
        }
    }

    private static int buffered(Service s) {
        return s.archiver.status().stream().mapToInt(CollectionStatus::bufferedEvents).sum();
    }

    private List<Integer> archivedIds() {
        List<RawBsonDocument> events = ArchiveContents.events(archive, "orders");
        ArchiveContents.assertNoDuplicates(events);
        return events.stream().map(e -> e.getDocument("fullDocument").getInt32("_id").getValue()).toList();
    }

    private HttpResponse<String> http(Service service, String method, String path) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.adminPort() + path))
                    .method(method, HttpRequest.BodyPublishers.noBody()).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Test
    void finding8_aFreshDeploymentStartedWhileTheStoreIsDownArchivesEveryWriteMadeDuringTheOutageExactlyOnce() {
        OutageStore store = new OutageStore(new LocalArchiveStore(archive)).down();
        Service service = start(store);
        // The pipeline tried to start and was refused by the store: from here on, capture must not lose a write.
        await().atMost(WAIT).until(() -> store.refused() > 0);
        int writes = 312;
        insert(0, writes);

        assertThat(service.archiver.readiness().ready()).as("not ready while the store is down").isFalse();
        HttpResponse<String> ready = http(service, "GET", "/healthz/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(ready.body()).contains("orders");
        CollectionStatus starting = service.archiver.status().get(0);
        assertThat(starting.state()).isEqualTo(CollectionStatus.State.STARTING);
        assertThat(starting.detail()).hasValueSatisfying(d -> assertThat(d).contains("not capturing", "recovery"));
        HttpResponse<String> flush = http(service, "POST", "/flush");
        assertThat(flush.statusCode()).as("POST /flush while not capturing: %s", flush.body()).isEqualTo(503);
        assertThat(flush.body()).contains("orders").contains("not capturing");
        assertThatThrownBy(() -> service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT))
                .isInstanceOf(FlushFailedException.class).hasMessageContaining("orders");

        store.up();
        await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
        await().atMost(WAIT).until(() -> buffered(service) == writes);
        FlushResult result = service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT);

        assertThat(result.events()).isEqualTo(writes);
        assertThat(archivedIds()).containsExactlyElementsOf(IntStream.range(0, writes).boxed().toList());
    }

    @Test
    void finding8_onAdlsToo_aFreshDeploymentStartedDuringAnAccountOutageArchivesTheWritesMadeMeanwhileExactlyOnce() {
        try (DfsTestServer adls = DfsTestServer.start()) {
            adls.faults().startOutage();
            Map<String, String> env = new HashMap<>(Map.of(
                    "MONGODB_URI", mongo.uri(), "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders",
                    "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "RETRY_DELAY_MS", "20", "RETRY_ATTEMPTS", "2",
                    "HTTP_PORT", "0", "ARCHIVE_STORE", "adls", "AZURE_STORAGE_ACCOUNT_NAME", adls.accountName(),
                    "AZURE_STORAGE_ACCOUNT_KEY", adls.accountKey()));
            env.put("AZURE_STORAGE_ENDPOINT", adls.endpoint());
            env.put("SNAPSHOT_MODE", "never");
            ArchiverConfig config = ConfigLoader.load(env);
            Service service = track(Service.start(config, new SimpleMeterRegistry(), Clock.systemUTC()));
            await().atMost(WAIT).until(() -> adls.faults().injectedFailures() > 0);
            await().atMost(WAIT).until(() -> service.archiver.status().get(0).detail()
                    .filter(d -> d.contains("recovery failed")).isPresent());
            int writes = 40;
            insert(0, writes);
            assertThat(service.archiver.readiness().ready()).isFalse();

            adls.faults().endOutage();
            await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
            await().atMost(WAIT).until(() -> buffered(service) == writes);
            service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT);

            try (ArchiveStore store = ArchiveStores.open(config.store())) {
                List<RawBsonDocument> events = ArchiveContents.events(store, "orders");
                assertThat(ArchiveContents.assertNoDuplicates(events)).isEqualTo(writes);
                assertThat(events).extracting(e -> e.getDocument("fullDocument").getInt32("_id").getValue())
                        .containsExactlyElementsOf(IntStream.range(0, writes).boxed().toList());
            }
        }
    }

    @Test
    void finding11_afterAStoreOutageAnIdleCollectionsBufferedEventsAreArchivedWithoutAnotherTrigger() {
        OutageStore store = new OutageStore(new LocalArchiveStore(archive));
        Service service = start(store);
        await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
        insert(0, 7);
        await().atMost(WAIT).until(() -> buffered(service) == 7);
        store.down();
        assertThatThrownBy(() -> service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT))
                .isInstanceOf(FlushFailedException.class);
        assertThat(buffered(service)).as("the buffer is kept").isEqualTo(7);
        assertThat(service.archiver.status().get(0).detail()).as("status says the flush is being retried")
                .hasValueSatisfying(d -> assertThat(d).contains("flush failing", "retry"));
        assertThat(http(service, "GET", "/status").body()).contains("flush failing");

        store.up(); // no write, no flush request, no schedule from here on: the collection is idle
        await().atMost(WAIT).ignoreExceptions().until(() -> archivedIds().size() == 7);

        assertThat(archivedIds()).containsExactly(0, 1, 2, 3, 4, 5, 6);
        await().atMost(WAIT).until(() -> buffered(service) == 0);
        await().atMost(WAIT).until(() -> service.archiver.status().get(0).detail().isEmpty());
    }

    @Test
    void aFinalFlushThatFailsAtShutdownIsLoggedOnceWithWhatHappensToItsEvents() {
        OutageStore store = new OutageStore(new LocalArchiveStore(archive));
        Service service = start(store);
        await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
        insert(0, 3);
        await().atMost(WAIT).until(() -> buffered(service) == 3);
        store.down();
        ch.qos.logback.classic.Logger root = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                org.slf4j.Logger.ROOT_LOGGER_NAME);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> logged =
                new ch.qos.logback.core.read.ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try {
            service.close();
        } finally {
            root.detachAppender(logged);
        }
        List<String> errors = logged.list.stream()
                .filter(e -> e.getLevel() == ch.qos.logback.classic.Level.ERROR)
                .map(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .filter(m -> m.contains("orders") && m.contains("fail")).toList();
        assertThat(errors).as("one ERROR line for the failed final flush: %s", errors).hasSize(1);
        assertThat(errors.get(0)).contains("next owner captures them again");
    }
}
