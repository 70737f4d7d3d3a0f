package io.changestream.archiver.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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
 * Checkpoint writes are fenced by the lease epoch, in the tracker collection and in the in-memory tracker alike
 * (the unit tests' fake must refuse what the real one refuses).
 */
class CheckpointFencingTest {
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    @RegisterExtension
    static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private static int trackers;

    static Stream<Arguments> trackers() {
        Supplier<CheckpointStore> real =
                () -> new MongoCheckpointStore(mongo.client(), "shop", "tracker" + ++trackers, false);
        Supplier<CheckpointStore> fake = InMemoryCheckpointStore::new;
        return Stream.of(Arguments.of("tracker collection", real), Arguments.of("in memory", fake));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trackers")
    void aCommitUnderAnEpochThatWasTakenOverIsRefusedAndMovesNothing(String kind, Supplier<CheckpointStore> tracker) {
        CheckpointStore store = tracker.get();
        store.claim(lease(1));
        store.advance(checkpoint(1), lease(1));
        store.claim(lease(2));

        assertThatThrownBy(() -> store.commit(range(), checkpoint(5), lease(1)))
                .isInstanceOf(LeaseLostException.class)
                .satisfies(e -> assertThat(((LeaseLostException) e).epoch()).isEqualTo(1));
        assertThatThrownBy(() -> store.advance(checkpoint(6), lease(1))).isInstanceOf(LeaseLostException.class);
        assertThat(store.load("orders").orElseThrow().clusterTime()).isEqualTo(new BsonTimestamp(1, 0));

        store.commit(range(), checkpoint(7), lease(2));
        assertThat(store.load("orders").orElseThrow().clusterTime()).isEqualTo(new BsonTimestamp(7, 0));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trackers")
    void aClaimWithAnOlderEpochThanTheLastClaimIsRefused(String kind, Supplier<CheckpointStore> tracker) {
        CheckpointStore store = tracker.get();
        store.claim(lease(3));
        store.claim(lease(3)); // idempotent

        assertThatThrownBy(() -> store.claim(lease(2))).isInstanceOf(LeaseLostException.class);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("trackers")
    void aClaimBeforeTheFirstCheckpointStillReadsAsNoCheckpoint(String kind, Supplier<CheckpointStore> tracker) {
        CheckpointStore store = tracker.get();

        store.claim(lease(1));

        assertThat(store.load("orders")).isEmpty();
    }

    private static Lease lease(long epoch) {
        return new Lease("orders", "pod-" + epoch, epoch, T0.plusSeconds(30), T0);
    }

    private static Checkpoint checkpoint(int time) {
        return new Checkpoint("orders", Optional.of(token(time)), new BsonTimestamp(time, 0),
                Optional.of("orders/2026-11-22-10.json"), 100L * time, time, 100L * time, false, T0);
    }

    private static FlushRecord range() {
        return new FlushRecord("orders", "orders/2026-11-22-10.json", 100, 100, 1, token(5), token(5),
                new BsonTimestamp(5, 0), new BsonTimestamp(5, 0), "00", FlushTrigger.SIZE, T0, Duration.ZERO);
    }

    private static BsonDocument token(int n) {
        return new BsonDocument("_data", new BsonString("t" + n));
    }
}
