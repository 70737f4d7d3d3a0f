package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.Events;
import io.changestream.archiver.testing.FaultyStore;
import io.changestream.archiver.testing.ServiceFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;

/**
 * The whole service against a real MongoDB-wire server (mongo-java-server in process, real driver, real change
 * streams) and a local archive folder.
 */
class ArchiverWireTest extends ServiceFixture {
    private static final Duration WAIT = Duration.ofSeconds(30);

    private ArchiverConfig config(Map<String, String> extra) {
        Map<String, String> env = new HashMap<>(Map.of(
                "MONGODB_URI", mongo.uri(), "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders,customers",
                "ARCHIVE_LOCAL_DIR", archive.toString(), "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "SNAPSHOT_MODE", "never",
                "RETRY_DELAY_MS", "50", "RETRY_ATTEMPTS", "2", "HTTP_PORT", "0"));
        env.putAll(extra);
        return ConfigLoader.load(env);
    }

    private Service start(ArchiverConfig config, FaultyStore store) {
        Service service = Service.start(config, new SimpleMeterRegistry(), Clock.systemUTC(), store);
        track(service);
        await().atMost(WAIT).until(() -> service.archiver.readiness().ready());
        return service;
    }

    private Service start(Map<String, String> extra) {
        ArchiverConfig config = config(extra);
        return start(config, new FaultyStore(new LocalArchiveStore(config.store().localDir())));
    }


    private static int buffered(Service s) {
        return s.archiver.status().stream().mapToInt(CollectionStatus::bufferedEvents).sum();
    }

    @Test
    void insertsUpdatesReplacesAndDeletesReachTheHourFileInStreamOrder() {
        Service service = start(Map.of());
        MongoCollection<Document> orders = mongo.database("shop").getCollection("orders");
        orders.insertOne(new Document("_id", 1).append("qty", 1));
        orders.insertOne(new Document("_id", 2).append("qty", 2));
        orders.updateOne(Filters.eq("_id", 1), Updates.inc("qty", 10));
        orders.replaceOne(Filters.eq("_id", 2), new Document("_id", 2).append("qty", 20));
        orders.deleteOne(Filters.eq("_id", 1));
        await().atMost(WAIT).until(() -> buffered(service) == 5);

        List<FlushResult> results = service.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);

        assertThat(results).extracting(FlushResult::collection, FlushResult::events)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("orders", 5),
                        org.assertj.core.groups.Tuple.tuple("customers", 0));
        List<RawBsonDocument> events = ArchiveContents.events(archive, "orders");
        // mongo-java-server reports a replace as an update; MongoDB says "replace" (the real-MongoDB suite checks it).
        assertThat(events).extracting(e -> e.getString("operationType").getValue().replace("replace", "update"))
                .containsExactly("insert", "insert", "update", "update", "delete");
        assertThat(events.get(0).getDocument("fullDocument").getInt32("qty").getValue()).isEqualTo(1);
        assertThat(results.get(0).files()).singleElement().asString().matches("orders/\\d{4}-\\d{2}-\\d{2}-\\d{2}\\.json");
        assertThat(ArchiveContents.events(archive, "customers")).isEmpty();
    }

    @Test
    void twoFlushesInOneHourAppendToTheSameFile() {
        Service service = start(Map.of());
        MongoCollection<Document> orders = mongo.database("shop").getCollection("orders");
        orders.insertOne(new Document("_id", 1));
        await().atMost(WAIT).until(() -> buffered(service) == 1);
        FlushResult first = service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT);
        orders.insertOne(new Document("_id", 2));
        await().atMost(WAIT).until(() -> buffered(service) == 1);
        FlushResult second = service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT);

        assertThat(second.files()).isEqualTo(first.files());
        assertThat(ArchiveContents.events(archive, "orders"))
                .extracting(e -> e.getDocument("fullDocument").getInt32("_id").getValue()).containsExactly(1, 2);
    }

    @Test
    void aRestartResumesFromTheTrackerWithNothingLostOrDuplicated() {
        MongoCollection<Document> orders = mongo.database("shop").getCollection("orders");
        Service first = start(Map.of());
        for (int i = 0; i < 10; i++) {
            orders.insertOne(new Document("_id", i));
        }
        await().atMost(WAIT).until(() -> buffered(first) == 10);
        stop(first); // shutdown flush
        for (int i = 10; i < 20; i++) {
            orders.insertOne(new Document("_id", i)); // while the archiver is down
        }
        Service second = start(Map.of());
        for (int i = 20; i < 25; i++) {
            orders.insertOne(new Document("_id", i));
        }
        await().atMost(WAIT).until(() -> buffered(second) == 15);
        second.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);

        List<RawBsonDocument> events = ArchiveContents.events(archive, "orders");
        assertThat(ArchiveContents.assertNoDuplicates(events)).isEqualTo(25);
        assertThat(events).extracting(e -> e.getDocument("fullDocument").getInt32("_id").getValue())
                .containsExactlyElementsOf(java.util.stream.IntStream.range(0, 25).boxed().toList());
    }

    @Test
    void aBlockedStoreHoldsMemoryUnderTheCapWhileTheSourceKeepsWritingAndEverythingArrivesOnceItUnblocks() {
        long cap = 1 << 20;
        ArchiverConfig config = config(Map.of("BUFFER_MAX_BYTES", String.valueOf(cap),
                "FLUSH_MAX_BYTES", String.valueOf(256 * 1024), "RETRY_ATTEMPTS", "1", "RETRY_DELAY_MS", "20"));
        FaultyStore store = new FaultyStore(new LocalArchiveStore(config.store().localDir())).block();
        Service service = start(config, store);
        MongoCollection<Document> orders = mongo.database("shop").getCollection("orders");
        String payload = "p".repeat(16 * 1024);
        int documents = 160; // ~2.6 MB of events against a 1 MiB cap
        AtomicLong maxBuffered = new AtomicLong();
        for (int i = 0; i < documents; i++) {
            orders.insertOne(new Document("_id", i).append("payload", payload));
            maxBuffered.accumulateAndGet(bufferedBytes(service), Math::max);
        }
        await().atMost(WAIT).until(() -> service.archiver.status().get(0).state()
                == CollectionStatus.State.PAUSED_BY_BACKPRESSURE);
        for (int i = 0; i < 20; i++) {
            maxBuffered.accumulateAndGet(bufferedBytes(service), Math::max);
        }
        // One event beyond the cap may be in flight per collection; nothing more is requested.
        assertThat(maxBuffered.get()).isLessThanOrEqualTo(cap + 2L * (payload.length() + 1024));
        assertThat(ArchiveContents.events(archive, "orders")).isEmpty();

        store.unblock();
        // ignoreExceptions: reading the folder while an append is under way may meet a half-written line.
        await().atMost(WAIT).ignoreExceptions().until(() -> ArchiveContents.events(archive, "orders").size()
                + buffered(service)
                == documents && buffered(service) < documents);
        service.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
        await().atMost(WAIT).ignoreExceptions()
                .until(() -> ArchiveContents.events(archive, "orders").size() == documents);
        assertThat(ArchiveContents.assertNoDuplicates(ArchiveContents.events(archive, "orders"))).isEqualTo(documents);
    }

    @Test
    void anotherWritersBytesInTheHourFileStopThisCollectionWithAMetricAndLeaveTheFileUntouched() {
        ArchiverConfig config = config(Map.of());
        FaultyStore store = new FaultyStore(new LocalArchiveStore(config.store().localDir()));
        Service service = start(config, store);
        mongo.database("shop").getCollection("orders").insertOne(new Document("_id", 1));
        await().atMost(WAIT).until(() -> buffered(service) == 1);
        java.time.Instant captured = service.archiver.status().get(0).newestCaptured().orElseThrow();
        io.changestream.archiver.store.ArchiveFile file = new io.changestream.archiver.encode.ArchiveLayout("",
                config.store().compression()).file("orders", HourSlot.of(captured));
        byte[] foreign = (Events.insert(99, captured).raw().toJson() + "\n")
                .getBytes(StandardCharsets.UTF_8);
        store.append(file, 0, foreign, 0, foreign.length);

        assertThatThrownBy(
                () -> service.archiver.flush("orders", FlushTrigger.MANUAL).block(WAIT))
                .isInstanceOf(FlushFailedException.class);

        CollectionStatus orders = service.archiver.status().get(0);
        assertThat(orders.state()).isEqualTo(CollectionStatus.State.FAILED);
        assertThat(service.metrics.registry().get("archiver.store.conflicts").tag("collection", "orders")
                .counter().count()).isEqualTo(1.0);
        assertThat(service.archiver.readiness().ready()).isFalse();
        assertThat(store.length(file)).isEqualTo(foreign.length);
    }

    private static long bufferedBytes(Service s) {
        return s.archiver.status().stream().mapToLong(CollectionStatus::bufferedBytes).sum();
    }
}
