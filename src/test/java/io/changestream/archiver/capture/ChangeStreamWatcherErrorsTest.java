package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.MongoCommandException;
import com.mongodb.ServerAddress;
import io.changestream.archiver.capture.ChangeStreamWatcher.EventTooLargeException;
import io.changestream.archiver.config.ArchiverConfig.FullDocument;
import io.changestream.archiver.config.ArchiverConfig.FullDocumentBeforeChange;
import io.changestream.archiver.testing.ScriptedSource;
import io.changestream.archiver.pipeline.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** The watcher's answer to scripted server errors: which it resumes from, and which end the stream. */
class ChangeStreamWatcherErrorsTest {
    private final List<String> restarts = new ArrayList<>();

    private ChangeStreamWatcher watcher(ScriptedSource source, BooleanSupplier split) {
        return new ChangeStreamWatcher(source.database().getCollection("orders", RawBsonDocument.class),
                FullDocument.UPDATE_LOOKUP, FullDocumentBeforeChange.OFF,
                RetryPolicy.of(1, Duration.ofMillis(5)).reactive(Long.MAX_VALUE), restarts::add, split);
    }

    private static MongoCommandException serverError(int code, String... labels) {
        BsonArray errorLabels = new BsonArray();
        for (String label : labels) {
            errorLabels.add(new BsonString(label));
        }
        return new MongoCommandException(new BsonDocument("ok", new BsonInt32(0)).append("code", new BsonInt32(code))
                .append("errmsg", new BsonString("scripted")).append("errorLabels", errorLabels), new ServerAddress());
    }

    private static RawBsonDocument insert() {
        return new RawBsonDocument(new BsonDocument("_id", new BsonDocument("_data", new BsonString("82AA")))
                .append("operationType", new BsonString("insert"))
                .append("clusterTime", new BsonTimestamp(1_700_000_000, 1))
                .append("documentKey", new BsonDocument("_id", new BsonInt32(1))), new BsonDocumentCodec());
    }

    @Test
    void onAServerThatCannotSplitAnEventOver16MegabytesEndsTheStreamInsteadOfRetryingForever() {
        ScriptedSource source = new ScriptedSource("shop", n -> n < 3
                ? Flux.error(serverError(ServerErrors.BSON_OBJECT_TOO_LARGE)) : Flux.never());

        assertThatThrownBy(() -> watcher(source, () -> false).events(new ResumePoint.Now())
                .blockFirst(Duration.ofSeconds(10)))
                .isInstanceOf(EventTooLargeException.class)
                .hasMessageContaining("orders").hasMessageContaining("MongoDB 7.0");
        assertThat(source.subscriptions()).isEqualTo(1);
        assertThat(restarts).isEmpty();
    }

    @Test
    void aStreamThatAlreadyAskedTheServerToSplitStopsTooAndOnlyPointsAtSmallerImages() {
        ScriptedSource source = new ScriptedSource("shop", n -> n < 3
                ? Flux.error(serverError(ServerErrors.BSON_OBJECT_TOO_LARGE)) : Flux.never());

        assertThatThrownBy(() -> watcher(source, () -> true).events(new ResumePoint.Now())
                .blockFirst(Duration.ofSeconds(10)))
                .isInstanceOf(EventTooLargeException.class)
                .hasMessageContaining("MONGODB_FULL_DOCUMENT=default").hasMessageNotContaining("upgrade");
        assertThat(source.subscriptions()).isEqualTo(1);
    }

    @Test
    void aStreamOpenedBeforeTheServerWasKnownToSplitIsReopenedOnceWithTheSplitStage() {
        AtomicInteger asked = new AtomicInteger();
        ScriptedSource source = new ScriptedSource("shop", n -> n == 0
                ? Flux.error(serverError(ServerErrors.BSON_OBJECT_TOO_LARGE)) : Flux.concat(Flux.just(insert()),
                Flux.never()));

        ChangeEvent first = watcher(source, () -> asked.getAndIncrement() > 0).events(new ResumePoint.Now())
                .blockFirst(Duration.ofSeconds(10));

        assertThat(first.operationType()).isEqualTo("insert");
        assertThat(source.subscriptions()).isEqualTo(2);
        assertThat(restarts).containsExactly("code_10334");
    }

    @Test
    void aFailureTheServerLabelsResumableIsResumedEvenWithAHistoryLostCode() {
        ScriptedSource source = new ScriptedSource("shop", n -> n == 0
                ? Flux.error(serverError(ServerErrors.CHANGE_STREAM_FATAL_ERROR,
                        ServerErrors.RESUMABLE_CHANGE_STREAM_ERROR))
                : Flux.concat(Flux.just(insert()), Flux.never()));

        ChangeEvent first = watcher(source, () -> false).events(new ResumePoint.Now())
                .blockFirst(Duration.ofSeconds(10));

        assertThat(first.operationType()).isEqualTo("insert");
        assertThat(restarts).containsExactly("code_280");
    }
}
