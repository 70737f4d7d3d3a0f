package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.mongodb.MongoCommandException;
import com.mongodb.ServerAddress;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.capture.ServerErrors;
import io.changestream.archiver.checkpoint.Checkpoint;
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
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * HISTORY_LOST_POLICY, with a scripted source that answers the first stream with ChangeStreamHistoryLost (286)
 * as MongoDB does when the checkpoint's token has fallen off the oplog.
 */
class HistoryLostPolicyTest {
    private static final BsonDocument OLD_TOKEN = new BsonDocument("_data", new BsonString("8263A1B2C3000000012B"));

    @TempDir
    Path archive;

    private final InMemoryCheckpointStore tracker = new InMemoryCheckpointStore();
    private Archiver archiver;

    @AfterEach
    void stop() {
        if (archiver != null) {
            archiver.stop(Duration.ofSeconds(5));
        }
    }

    private ScriptedSource sourceLosingHistoryOnce() {
        return new ScriptedSource("shop", n -> n == 0
                ? Flux.<RawBsonDocument>error(new MongoCommandException(new BsonDocument("ok", new BsonInt32(0))
                        .append("code", new BsonInt32(ServerErrors.CHANGE_STREAM_HISTORY_LOST))
                        .append("errmsg", new BsonString("Resume of change stream was not possible")),
                        new ServerAddress()))
                : Flux.never());
    }

    private Archiver start(ScriptedSource source, String policy) {
        tracker.seed(new Checkpoint("orders", Optional.of(OLD_TOKEN), new BsonTimestamp(1_700_000_000, 1),
                Optional.empty(), 0, 0, 0, false, Instant.now()));
        ArchiverConfig config = ConfigLoader.load(Map.of("MONGODB_URI", "mongodb://127.0.0.1:1",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                "HISTORY_LOST_POLICY", policy, "RETRY_DELAY_MS", "10"));
        archiver = new Archiver(config, source.database(), new CursorMonitor("shop"),
                new LocalArchiveStore(archive), tracker, new InMemoryLeaseStore(), LeaseTiming.DEFAULT,
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()), Clock.systemUTC());
        archiver.start();
        return archiver;
    }

    @Test
    void underTheFailPolicyLostHistoryIsFatalAndNamesTheCollection() {
        ScriptedSource source = sourceLosingHistoryOnce();
        Archiver a = start(source, "fail");

        assertThat(a.fatalError().block(Duration.ofSeconds(10)))
                .satisfies(e -> assertThat(e.getMessage()).contains("orders", "286"));
        assertThat(a.status().get(0).state()).isEqualTo(CollectionStatus.State.FAILED);
        assertThat(tracker.gaps("orders")).isEmpty();
        assertThat(source.subscriptions()).isEqualTo(1);
    }

    @Test
    void lostHistoryIsHandledOnTheFlushSchedulerNotOnTheThreadThatDeliveredTheError() {
        Scheduler driver = Schedulers.newSingle("driver-delivery");
        AtomicReference<String> reopenedOn = new AtomicReference<>();
        ScriptedSource source = new ScriptedSource("shop", n -> {
            if (n == 0) {
                return Flux.<RawBsonDocument>error(new MongoCommandException(new BsonDocument("ok", new BsonInt32(0))
                        .append("code", new BsonInt32(ServerErrors.CHANGE_STREAM_HISTORY_LOST))
                        .append("errmsg", new BsonString("Resume of change stream was not possible")),
                        new ServerAddress())).publishOn(driver);
            }
            reopenedOn.set(Thread.currentThread().getName());
            return Flux.never();
        });
        try {
            start(source, "resume-from-now");

            await().atMost(Duration.ofSeconds(10)).until(() -> source.subscriptions() == 2);
            assertThat(reopenedOn.get()).as("gap recorded, checkpoint moved and stream reopened by a flush thread")
                    .startsWith("flush");
        } finally {
            driver.dispose();
        }
    }

    @Test
    void underResumeFromNowAGapIsRecordedAndCaptureReopensAtTheCurrentOperationTime() {
        ScriptedSource source = sourceLosingHistoryOnce();
        start(source, "resume-from-now");

        await().atMost(Duration.ofSeconds(10)).until(() -> source.subscriptions() == 2);
        assertThat(tracker.gaps("orders")).singleElement().satisfies(g -> {
            assertThat(g.lastToken()).contains(OLD_TOKEN);
            assertThat(g.errorCode()).isEqualTo(ServerErrors.CHANGE_STREAM_HISTORY_LOST);
        });
        assertThat(source.openedWith()).containsExactly("resumeAfter", "startAtOperationTime");
        Checkpoint after = tracker.load("orders").orElseThrow();
        assertThat(after.resumeToken()).as("the lost token is not resumed from again after a restart").isEmpty();
    }
}
