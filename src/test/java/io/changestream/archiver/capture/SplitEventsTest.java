package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoSocketReadException;
import com.mongodb.ServerAddress;
import io.changestream.archiver.config.ArchiverConfig.FullDocument;
import io.changestream.archiver.config.ArchiverConfig.FullDocumentBeforeChange;
import io.changestream.archiver.testing.ScriptedSource;
import io.changestream.archiver.pipeline.RetryPolicy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;

/** Hand-built fragments shaped like MongoDB 7's {@code $changeStreamSplitLargeEvent} output. */
class SplitEventsTest {
    private static final String BIG = "x".repeat(1000);

    @Test
    void fragmentsAreRejoinedIntoOneEventWithTheLastFragmentsTokenAndOthersPassThroughUntouched() {
        RawBsonDocument before = whole("a1");
        RawBsonDocument after = whole("a5");
        List<RawBsonDocument> out = SplitEvents.reassemble(Flux.just(before, fragment(1), fragment(2), fragment(3),
                after)).collectList().block();

        assertThat(out).hasSize(3);
        assertThat(out.get(0)).isSameAs(before);
        assertThat(out.get(2)).isSameAs(after);
        RawBsonDocument joined = out.get(1);
        assertThat(joined.getDocument("_id")).isEqualTo(token("f3"));
        assertThat(joined.containsKey("splitEvent")).isFalse();
        assertThat(joined.getString("operationType").getValue()).isEqualTo("update");
        assertThat(joined.getDocument("fullDocument").getString("big").getValue()).isEqualTo(BIG);
        assertThat(joined.getDocument("fullDocumentBeforeChange").getString("big").getValue()).isEqualTo(BIG);
        assertThat(joined.keySet()).containsExactly("_id", "operationType", "clusterTime", "documentKey",
                "fullDocument", "fullDocumentBeforeChange");
    }

    @Test
    void aStreamInterruptedBetweenFragmentsResumesAfterTheLastOneReceivedAndStillRejoinsThem() {
        ScriptedSource source = new ScriptedSource("shop", n -> n == 0
                ? Flux.concat(Flux.just(fragment(1), fragment(2)),
                        Flux.error(new MongoSocketReadException("connection reset", new ServerAddress())))
                : Flux.concat(Flux.just(fragment(3)), Flux.never()));
        List<String> restarts = new ArrayList<>();
        ChangeStreamWatcher watcher = new ChangeStreamWatcher(source.database().getCollection("orders",
                RawBsonDocument.class), FullDocument.UPDATE_LOOKUP, FullDocumentBeforeChange.OFF,
                RetryPolicy.of(1, Duration.ofMillis(5)).reactive(Long.MAX_VALUE), restarts::add, () -> true);

        ChangeEvent event = watcher.events(new ResumePoint.Now()).blockFirst(Duration.ofSeconds(10));

        assertThat(event.resumeToken()).isEqualTo(token("f3"));
        assertThat(event.raw().getDocument("fullDocument").getString("big").getValue()).isEqualTo(BIG);
        assertThat(source.openedWith()).containsExactly("none", "resumeAfter");
        assertThat(restarts).containsExactly("MongoSocketReadException");
    }

    private static RawBsonDocument whole(String token) {
        return raw(new BsonDocument("_id", token(token)).append("operationType", new BsonString("insert"))
                .append("clusterTime", new BsonTimestamp(1_700_000_000, 1)));
    }

    /** Three fragments of one update: _id and splitEvent in each, the other fields spread over them. */
    private static RawBsonDocument fragment(int i) {
        BsonDocument f = new BsonDocument("_id", token("f" + i))
                .append("splitEvent", new BsonDocument("fragment", new BsonInt32(i)).append("of", new BsonInt32(3)));
        switch (i) {
            case 1 -> f.append("operationType", new BsonString("update"))
                    .append("clusterTime", new BsonTimestamp(1_700_000_001, 1))
                    .append("documentKey", new BsonDocument("_id", new BsonInt32(7)));
            case 2 -> f.append("fullDocument", new BsonDocument("_id", new BsonInt32(7)).append("big", new BsonString(BIG)));
            default -> f.append("fullDocumentBeforeChange",
                    new BsonDocument("_id", new BsonInt32(7)).append("big", new BsonString(BIG)));
        }
        return raw(f);
    }

    private static BsonDocument token(String data) {
        return new BsonDocument("_data", new BsonString(data));
    }

    private static RawBsonDocument raw(BsonDocument d) {
        return new RawBsonDocument(d, new BsonDocumentCodec());
    }
}
