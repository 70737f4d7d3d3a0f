package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.changestream.archiver.testing.InMemoryLeaseStore;
import io.changestream.archiver.testing.ScriptedSource;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;

/**
 * A watched collection is dropped: MongoDB sends {@code drop} then {@code invalidate} and closes the stream. Both
 * events are archived, and capture re-opens with {@code startAfter} the invalidate so it continues when the
 * collection comes back. (The in-process server sends no invalidate, so the stream is scripted as MongoDB's.)
 */
class InvalidateTest {
    private static final Instant T0 = Instant.parse("2026-11-22T09:00:00Z");

    @TempDir
    Path archive;

    private Archiver archiver;
    private final InMemoryCheckpointStore tracker = new InMemoryCheckpointStore();

    @AfterEach
    void stop() {
        archiver.stop(Duration.ofSeconds(5));
    }

    @Test
    void aDroppedCollectionsInvalidateIsArchivedAndCaptureReopensWithStartAfterIt() {
        ScriptedSource source = new ScriptedSource("shop", n -> n == 0
                ? Flux.just(event("t1", "insert", 1), event("t2", "drop", 2), event("t3", "invalidate", 3))
                : n == 1 ? Flux.concat(Flux.just(event("t4", "insert", 4)), Flux.never()) : Flux.never());
        archiver = new Archiver(ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://127.0.0.1:1",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                "RETRY_DELAY_MS", "10")), source.database(), new CursorMonitor("shop"), new LocalArchiveStore(archive),
                tracker, new InMemoryLeaseStore(), LeaseTiming.DEFAULT,
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()), Clock.systemUTC());
        archiver.start();

        await().atMost(Duration.ofSeconds(10)).until(() -> archiver.status().get(0).bufferedEvents() == 4);
        assertThat(source.openedWith()).containsExactly("startAtOperationTime", "startAfter");

        archiver.flush("orders", FlushTrigger.MANUAL).block(Duration.ofSeconds(10));
        List<String> operations = ArchiveContents.events(archive, "orders").stream()
                .map(e -> e.getString("operationType").getValue()).toList();
        assertThat(operations).containsExactly("insert", "drop", "invalidate", "insert");
        Checkpoint checkpoint = tracker.load("orders").orElseThrow();
        assertThat(checkpoint.resumeToken()).contains(new BsonDocument("_data", new BsonString("t4")));
        assertThat(checkpoint.startAfter()).isFalse();
    }

    @Test
    void aCheckpointOnAnInvalidateResumesWithStartAfter() {
        ScriptedSource source = new ScriptedSource("shop", n -> n == 0
                ? Flux.just(event("t1", "insert", 1), event("t2", "invalidate", 2)) : Flux.never());
        archiver = new Archiver(ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://127.0.0.1:1",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                "RETRY_DELAY_MS", "10")), source.database(), new CursorMonitor("shop"), new LocalArchiveStore(archive),
                tracker, new InMemoryLeaseStore(), LeaseTiming.DEFAULT,
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()), Clock.systemUTC());
        archiver.start();
        await().atMost(Duration.ofSeconds(10)).until(() -> archiver.status().get(0).bufferedEvents() == 2);
        archiver.flush("orders", FlushTrigger.MANUAL).block(Duration.ofSeconds(10));

        assertThat(tracker.load("orders").orElseThrow().startAfter()).isTrue();
    }

    private static RawBsonDocument event(String token, String operation, int second) {
        BsonDocument e = new BsonDocument("_id", new BsonDocument("_data", new BsonString(token)))
                .append("operationType", new BsonString(operation))
                .append("clusterTime", new BsonTimestamp((int) T0.getEpochSecond() + second, 1))
                .append("ns", new BsonDocument("db", new BsonString("shop")).append("coll", new BsonString("orders")));
        if ("insert".equals(operation)) {
            e.append("documentKey", new BsonDocument("_id", new BsonInt32(second)))
                    .append("fullDocument", new BsonDocument("_id", new BsonInt32(second)));
        }
        return new RawBsonDocument(e, new BsonDocumentCodec());
    }
}
