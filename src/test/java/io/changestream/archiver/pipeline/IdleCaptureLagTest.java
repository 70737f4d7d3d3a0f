package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.ServerAddress;
import com.mongodb.connection.ClusterId;
import com.mongodb.connection.ConnectionDescription;
import com.mongodb.connection.ServerId;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.changestream.archiver.testing.InMemoryLeaseStore;
import io.changestream.archiver.testing.MutableClock;
import io.changestream.archiver.testing.ScriptedSource;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * Issue 15: an idle collection's capture lag kept growing. Our part: the lag followed captured events only, never
 * the post-batch resume token a real server sends with every empty batch. The in-process stand-in's part:
 * mongo-java-server sends no post-batch token at all (so there, an idle lag still grows), which is why the replies
 * here are built by hand, as a replica set member sends them.
 */
class IdleCaptureLagTest {
    private static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    private static final ConnectionDescription CONNECTION =
            new ConnectionDescription(new ServerId(new ClusterId(), new ServerAddress()));

    @TempDir
    Path archive;

    @Test
    void anIdleStreamsPostBatchTokenKeepsItsCaptureLagSmallAndItsStateWatching() {
        MutableClock clock = new MutableClock(NOW);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CursorMonitor monitor = new CursorMonitor("shop");
        InMemoryCheckpointStore checkpoints = new InMemoryCheckpointStore();
        Instant checkpointAt = NOW.minus(Duration.ofHours(1));
        checkpoints.seed(new Checkpoint("orders", Optional.empty(),
                new BsonTimestamp((int) checkpointAt.getEpochSecond(), 0), Optional.empty(), 0, 0, 0, false,
                checkpointAt));
        ScriptedSource source = new ScriptedSource("shop", n -> Flux.never());
        Archiver archiver = new Archiver(ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://127.0.0.1:1",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString())),
                source.database(), monitor, new LocalArchiveStore(archive), checkpoints, new InMemoryLeaseStore(),
                LeaseTiming.DEFAULT, new ArchiverMetrics(registry, clock), clock);
        try {
            assertThat(registry.find("archiver.capture.lag").gauge()).as("no position before start").isNull();
            archiver.start();
            await().atMost(Duration.ofSeconds(20)).until(() -> state(registry, "watching") == 1.0);
            assertThat(state(registry, "starting")).isZero();
            assertThat(registry.get("archiver.checkpoint.timestamp").gauge().value())
                    .isEqualTo(checkpointAt.getEpochSecond());
            assertThat(registry.get("archiver.capture.lag").gauge().value()).as("from the checkpoint")
                    .isEqualTo(3600.0);

            emptyBatch(monitor, "orders", NOW.minusSeconds(2));

            assertThat(registry.get("archiver.capture.lag").gauge().value()).isEqualTo(2.0);
        } finally {
            archiver.stop(Duration.ofSeconds(5));
        }
    }

    private static double state(PrometheusMeterRegistry registry, String state) {
        return Search.in(registry).name("archiver.collection.state").tag("collection", "orders").tag("state", state)
                .gauge().value();
    }

    /** A getMore answered with no events and a post-batch token at {@code time}, as a replica set member sends. */
    private static void emptyBatch(CursorMonitor monitor, String collection, Instant time) {
        String data = String.format("82%08X%08X0104", time.getEpochSecond(), 1);
        BsonDocument token = new BsonDocument("_data", new BsonString(data));
        monitor.commandStarted(new CommandStartedEvent(null, 1, 99, CONNECTION, "shop", "getMore",
                new BsonDocument("getMore", new BsonInt64(7)).append("collection", new BsonString(collection))));
        monitor.commandSucceeded(new CommandSucceededEvent(null, 1, 99, CONNECTION, "shop", "getMore",
                new BsonDocument("cursor", new BsonDocument("nextBatch", new BsonArray())
                        .append("postBatchResumeToken", token).append("id", new BsonInt64(7)))
                        .append("ok", new BsonInt32(1)), 1));
    }
}
