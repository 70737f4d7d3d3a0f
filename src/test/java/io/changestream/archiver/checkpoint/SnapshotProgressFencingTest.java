package io.changestream.archiver.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.time.Instant;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Snapshot progress in the tracker collection and in memory: round trip, and the epoch fence. */
class SnapshotProgressFencingTest {
    @RegisterExtension
    static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private static int trackers;

    static Stream<Arguments> stores() {
        Supplier<SnapshotProgressStore> real =
                () -> new MongoSnapshotProgressStore(mongo.client(), "shop", "snapshots" + ++trackers);
        Supplier<SnapshotProgressStore> fake = InMemorySnapshotProgressStore::new;
        return Stream.of(Arguments.of("tracker collection", real), Arguments.of("in memory", fake));
    }

    private static Lease lease(long epoch) {
        return new Lease("orders", "owner" + epoch, epoch, Instant.parse("2099-01-01T00:00:00Z"), Instant.EPOCH);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void progressReadsBackAsWrittenAndAFormerOwnersWriteIsRefusedOnceANewerEpochWroteIt(String kind,
            Supplier<SnapshotProgressStore> factory) {
        SnapshotProgressStore store = factory.get();
        Instant at = Instant.parse("2026-12-03T10:00:00Z");
        SnapshotProgress begun = SnapshotProgress.started("orders", "20261203T100000Z-0000000001",
                new BsonTimestamp(1_796_292_000, 1), new SnapshotFormat(Compression.GZIP, JsonMode.RELAXED), at);
        store.save(begun, lease(1));
        SnapshotProgress onePart = begun.withPart(new SnapshotPart(0, 10, 1234, "ab".repeat(32), new BsonInt32(9)), at);
        store.save(onePart, lease(2));

        assertThat(store.snapshots("orders")).containsExactly(onePart);
        assertThatThrownBy(() -> store.save(begun, lease(1))).isInstanceOf(LeaseLostException.class);
        assertThat(store.snapshots("orders")).containsExactly(onePart);

        SnapshotProgress done = onePart.completed(new BsonTimestamp(1_796_292_060, 3), at.plusSeconds(60));
        store.save(done, lease(2));
        assertThat(store.snapshots("orders")).containsExactly(done);
        assertThat(store.snapshots("customers")).isEmpty();
    }
}
