package io.changestream.archiver.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.store.StoreConflictException;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A flush log entry is keyed by file and offset: a repeated commit of the same range rewrites it, and a different
 * range at the same place is refused, so bytes written anew under an old name (a missing file, an empty volume:
 * issue 13, finding 3) can never overwrite the evidence. In the tracker collection and in the in-memory tracker alike.
 */
class FlushLogEntryTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    private static final String FILE = "orders/2026-11-22-10.json";
    @RegisterExtension
    static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private static int trackers;

    static Stream<Arguments> trackers() {
        Supplier<CheckpointStore> real =
                () -> new MongoCheckpointStore(mongo.client(), "shop", "log" + ++trackers, false);
        Supplier<CheckpointStore> fake = InMemoryCheckpointStore::new;
        return Stream.of(Arguments.of("tracker collection", real), Arguments.of("in memory", fake));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trackers")
    void finding3_aDifferentRangeAtALoggedFileAndOffsetIsRefusedAndMovesNothing(String kind,
                                                                               Supplier<CheckpointStore> tracker) {
        CheckpointStore store = tracker.get();
        store.claim(lease());
        FlushRecord logged = range(3, "aa", FlushTrigger.SIZE);
        store.commit(logged, checkpoint(3), lease());

        assertThatThrownBy(() -> store.commit(range(2, "bb", FlushTrigger.MANUAL), checkpoint(9), lease()))
                .isInstanceOf(StoreConflictException.class)
                .hasMessageContaining(FILE + " at offset 0").hasMessageContaining("SHA-256 aa");

        assertThat(store.flushLog("orders")).singleElement()
                .satisfies(r -> assertThat(r.sha256()).isEqualTo("aa"));
        assertThat(store.load("orders").orElseThrow().clusterTime()).isEqualTo(new BsonTimestamp(3, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trackers")
    void theSameRangeCommittedAgainByRecoveryRewritesItsOneEntry(String kind, Supplier<CheckpointStore> tracker) {
        CheckpointStore store = tracker.get();
        store.claim(lease());
        store.commit(range(3, "aa", FlushTrigger.SIZE), checkpoint(3), lease());

        store.commit(range(3, "aa", FlushTrigger.RECOVERY), checkpoint(4), lease());

        assertThat(store.flushLog("orders")).singleElement()
                .satisfies(r -> assertThat(r.trigger()).isEqualTo(FlushTrigger.RECOVERY));
        assertThat(store.load("orders").orElseThrow().clusterTime()).isEqualTo(new BsonTimestamp(4, 0));
    }

    private static Lease lease() {
        return new Lease("orders", "pod-1", 1, T0.plusSeconds(30), T0);
    }

    private static Checkpoint checkpoint(int time) {
        return new Checkpoint("orders", Optional.of(token(time)), new BsonTimestamp(time, 0), Optional.of(FILE),
                100, time, 100, false, T0);
    }

    private static FlushRecord range(int events, String sha256, FlushTrigger trigger) {
        return new FlushRecord("orders", FILE, 0, 100, events, token(1), token(events), new BsonTimestamp(1, 0),
                new BsonTimestamp(events, 0), sha256, trigger, T0, Duration.ZERO);
    }

    private static BsonDocument token(int n) {
        return new BsonDocument("_data", new BsonString("t" + n));
    }
}
