package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoQueryException;
import com.mongodb.ServerAddress;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.capture.ServerErrors;
import io.changestream.archiver.config.ArchiverConfig;
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
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * An event over 16 MB on a server that cannot split it (before MongoDB 7.0): the server answers every resume with
 * BSONObjectTooLarge (10334) at the same event, so retrying as transient would loop forever. The collection stops
 * instead, with a status detail naming the remedy and a counted reason.
 */
class EventTooLargeTest {
    @TempDir
    Path archive;

    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private Archiver archiver;

    @AfterEach
    void stop() {
        if (archiver != null) {
            archiver.stop(Duration.ofSeconds(5));
        }
    }

    private static BsonDocument tooLarge() {
        return new BsonDocument("ok", new BsonInt32(0))
                .append("code", new BsonInt32(ServerErrors.BSON_OBJECT_TOO_LARGE))
                .append("codeName", new BsonString("BSONObjectTooLarge"))
                .append("errmsg", new BsonString("BSONObj size: 17825792 (0x1100000) is invalid"));
    }

    private void start(ScriptedSource source) {
        ArchiverConfig config = ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://127.0.0.1:1",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                "RETRY_DELAY_MS", "10"));
        // The monitor never sees a server version here, so the streams open without $changeStreamSplitLargeEvent,
        // as against a server before 7.0.
        archiver = new Archiver(config, source.database(), new CursorMonitor("shop"),
                new LocalArchiveStore(archive), new InMemoryCheckpointStore(), new InMemoryLeaseStore(),
                LeaseTiming.DEFAULT, new ArchiverMetrics(registry, Clock.systemUTC()), Clock.systemUTC());
        archiver.start();
    }

    @Test
    void anEventTheServerCannotSendStopsTheCollectionWithTheRemedyInsteadOfRetryingForever() {
        ScriptedSource source = new ScriptedSource("shop", n -> n % 2 == 0
                ? Flux.<RawBsonDocument>error(new MongoCommandException(tooLarge(), new ServerAddress()))
                : Flux.<RawBsonDocument>error(new MongoQueryException(tooLarge(), new ServerAddress())));
        start(source);

        await().atMost(Duration.ofSeconds(10))
                .until(() -> archiver.status().get(0).state() == CollectionStatus.State.FAILED);
        CollectionStatus status = archiver.status().get(0);
        assertThat(status.detail()).hasValueSatisfying(d -> assertThat(d)
                .contains("orders", "16 MB", "10334", "MongoDB 7.0", "$changeStreamSplitLargeEvent",
                        "MONGODB_FULL_DOCUMENT=default", "MONGODB_FULL_DOCUMENT_BEFORE_CHANGE=off"));
        assertThat(source.subscriptions()).as("the same event is not asked for again").isEqualTo(1);
        assertThat(registry.get("archiver.watch.restarts").tag("collection", "orders")
                .tag("reason", "event_too_large").counter().count()).isEqualTo(1.0);
        assertThat(registry.find("archiver.watch.restarts").tag("reason", "code_10334").counter()).isNull();
    }
}
