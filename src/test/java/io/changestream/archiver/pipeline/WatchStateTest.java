package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.MongoSocketOpenException;
import com.mongodb.ServerAddress;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.changestream.archiver.testing.InMemoryLeaseStore;
import io.changestream.archiver.testing.ScriptedSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

class WatchStateTest {
    @TempDir
    Path archive;

    @Test
    void aFailingStreamShowsBackingOffCountsItsRestartsAndKeepsReadinessDown() {
        ScriptedSource source = new ScriptedSource("shop", n -> Flux.<RawBsonDocument>error(
                new MongoSocketOpenException("connection refused", new ServerAddress())));
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        Archiver archiver = new Archiver(ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://127.0.0.1:1",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                "RETRY_DELAY_MS", "2000")), source.database(), new CursorMonitor("shop"),
                new LocalArchiveStore(archive), new InMemoryCheckpointStore(), new InMemoryLeaseStore(),
                LeaseTiming.DEFAULT, new ArchiverMetrics(registry, Clock.systemUTC()), Clock.systemUTC());
        try {
            archiver.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> archiver.status().get(0).state()
                    == CollectionStatus.State.BACKING_OFF);
            assertThat(registry.get("archiver.watch.restarts").tag("reason", "MongoSocketOpenException").counter()
                    .count()).isGreaterThanOrEqualTo(1.0);
            assertThat(archiver.readiness().ready()).isFalse();
        } finally {
            archiver.stop(Duration.ofSeconds(5));
        }
    }
}
