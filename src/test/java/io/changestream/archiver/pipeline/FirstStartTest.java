package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.reactivestreams.client.MongoDatabase;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.changestream.archiver.testing.InMemoryLeaseStore;
import io.changestream.archiver.testing.OutageStore;
import io.changestream.archiver.testing.ScriptedSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Where a collection without a checkpoint begins capture (issue 13, finding 8): at the source's operation time
 * when the service started, not when the store or tracker finally answered. The source is scripted; its
 * {@code ping} answers with an operation time the test moves on, as the cluster's clock moves while an outage lasts.
 */
class FirstStartTest {
    private static final BsonTimestamp AT_START = new BsonTimestamp(1_800_000_000, 7);
    private static final BsonTimestamp AFTER_OUTAGE = new BsonTimestamp(1_800_003_600, 1);

    @TempDir
    Path archive;

    private final InMemoryCheckpointStore tracker = new InMemoryCheckpointStore();
    private final AtomicReference<BsonTimestamp> clusterTime = new AtomicReference<>(AT_START);
    private final AtomicInteger pings = new AtomicInteger();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Archiver archiver;

    @AfterEach
    void stop() {
        if (archiver != null) {
            archiver.stop(Duration.ofSeconds(5));
        }
    }

    /** The scripted database, with a {@code ping} that answers the current {@link #clusterTime}. */
    private MongoDatabase withClusterTime(MongoDatabase scripted) {
        return (MongoDatabase) Proxy.newProxyInstance(MongoDatabase.class.getClassLoader(),
                new Class<?>[] {MongoDatabase.class}, (proxy, method, args) -> {
                    if (method.getName().equals("runCommand")) {
                        pings.incrementAndGet();
                        return Mono.just(new Document("ok", 1).append("operationTime", clusterTime.get()));
                    }
                    try {
                        return method.invoke(scripted, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    @ParameterizedTest(name = "{0} down at the first start")
    @ValueSource(strings = {"store", "tracker"})
    void finding8_theFirstStartFixesItsOperationTimeBeforeAnythingWaitsOnTheStoreOrTheTracker(String down) {
        ScriptedSource source = new ScriptedSource("shop", n -> Flux.<RawBsonDocument>never());
        OutageStore store = new OutageStore(new LocalArchiveStore(archive));
        if (down.equals("store")) {
            store.down();
        } else {
            tracker.down(true);
        }
        archiver = new Archiver(ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://127.0.0.1:1",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                "RETRY_DELAY_MS", "10")), withClusterTime(source.database()), new CursorMonitor("shop"),
                store, tracker, new InMemoryLeaseStore(), LeaseTiming.DEFAULT,
                new ArchiverMetrics(registry, Clock.systemUTC()), Clock.systemUTC());
        archiver.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> archiver.readiness().reasons().stream()
                .anyMatch(r -> r.startsWith("orders: ") && r.contains("recovery failed")));
        assertThat(archiver.status().get(0).state()).isEqualTo(CollectionStatus.State.STARTING);

        clusterTime.set(AFTER_OUTAGE); // the outage lasts; the cluster's clock moves on
        store.up();
        tracker.down(false);
        await().atMost(Duration.ofSeconds(10)).until(() -> source.subscriptions() == 1);

        Checkpoint first = tracker.load("orders").orElseThrow();
        assertThat(first.resumeToken()).isEmpty();
        assertThat(first.clusterTime()).as("capture begins where the service started, before the outage")
                .isEqualTo(AT_START);
        assertThat(source.openedWith()).containsExactly("startAtOperationTime");
        assertThat(registry.get("archiver.checkpoint.timestamp").tag("collection", "orders").gauge().value())
                .as("archive lag counts from the first-start time").isEqualTo(AT_START.getTime());
    }
}
