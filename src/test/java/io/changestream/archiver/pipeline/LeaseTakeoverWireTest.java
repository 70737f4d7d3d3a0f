package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.pipeline.CollectionStatus.State;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.ServiceFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.Test;

/**
 * Two whole services (different {@code INSTANCE_ID}) on one MongoDB-wire server and one archive folder, with a
 * 3 s lease TTL: they split the collections, and when one dies without releasing anything the other takes its
 * collections over, with every event archived exactly once across the takeover.
 */
class LeaseTakeoverWireTest extends ServiceFixture {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final LeaseTiming TIMING = new LeaseTiming(Duration.ofSeconds(3));
    private static final List<String> COLLECTIONS = List.of("orders", "customers", "payments", "shipments");

    @Test
    void twoInstancesSplitFourCollectionsAndTheSurvivorTakesOverAKilledOnesWithinTheTtlArchivingEveryEventOnce() {
        Service a = start("pod-a");
        await().atMost(WAIT).until(() -> held(a).size() == 4 && a.archiver.readiness().ready());
        Service b = start("pod-b");
        await().atMost(WAIT).until(() -> held(a).size() == 2 && held(b).size() == 2
                && a.archiver.readiness().ready() && b.archiver.readiness().ready());
        List<String> ofA = held(a);
        assertThat(b.archiver.status()).filteredOn(s -> ofA.contains(s.collection()))
                .allSatisfy(s -> {
                    assertThat(s.state()).isEqualTo(State.OWNED_ELSEWHERE);
                    assertThat(s.owner()).isEqualTo("pod-a");
                });

        insert(0, 20);
        await().atMost(WAIT).until(() -> buffered(a) + buffered(b) == 80);
        a.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
        b.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
        insert(20, 30);
        await().atMost(WAIT).until(() -> buffered(a) + buffered(b) == 40);

        a.archiver.halt(); // killed: no final flush, no release; its 20 buffered events are gone
        stop(a);
        insert(30, 40);
        await().atMost(WAIT).until(() -> held(b).size() == 4 && b.archiver.readiness().ready());
        insert(40, 50);

        await().atMost(WAIT).until(() -> {
            b.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
            return COLLECTIONS.stream().allMatch(c -> ArchiveContents.events(archive, c).size() >= 50);
        });
        for (String collection : COLLECTIONS) {
            List<RawBsonDocument> events = ArchiveContents.events(archive, collection);
            assertThat(ArchiveContents.assertNoDuplicates(events)).as(collection).isEqualTo(50);
            assertThat(events).as("%s: no gap, in order", collection)
                    .extracting(e -> e.getDocument("fullDocument").getInt32("_id").getValue())
                    .containsExactlyElementsOf(IntStream.range(0, 50).boxed().toList());
        }
        assertThat(b.archiver.status()).allSatisfy(s -> assertThat(s.owner()).isEqualTo("pod-b"));
    }

    @Test
    void aGracefulStopHandsTheCollectionsOverWithoutWaitingForTheTtl() {
        Service a = start("pod-a");
        await().atMost(WAIT).until(() -> held(a).size() == 4 && a.archiver.readiness().ready());
        Service b = start("pod-b");
        await().atMost(WAIT).until(() -> held(a).size() == 2 && held(b).size() == 2);
        insert(0, 10);
        await().atMost(WAIT).until(() -> buffered(a) + buffered(b) == 40);

        stop(a); // final flush, then release
        insert(10, 20);
        await().atMost(WAIT).until(() -> held(b).size() == 4 && b.archiver.readiness().ready());

        await().atMost(WAIT).until(() -> {
            b.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
            return COLLECTIONS.stream().allMatch(c -> ArchiveContents.events(archive, c).size() >= 20);
        });
        for (String collection : COLLECTIONS) {
            List<RawBsonDocument> events = ArchiveContents.events(archive, collection);
            assertThat(ArchiveContents.assertNoDuplicates(events)).as(collection).isEqualTo(20);
        }
    }

    private Service start(String instanceId) {
        ArchiverConfig config = ConfigLoader.load(Map.of(
                "MONGODB_URI", mongo.uri(), "MONGODB_DATABASE", "shop",
                "MONGODB_COLLECTIONS", String.join(",", COLLECTIONS), "INSTANCE_ID", instanceId,
                "ARCHIVE_LOCAL_DIR", archive.toString(), "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "SNAPSHOT_MODE", "never",
                "RETRY_DELAY_MS", "50", "RETRY_ATTEMPTS", "3", "HTTP_PORT", "0"));
        Service service = Service.start(config, new SimpleMeterRegistry(), Clock.systemUTC(),
                new LocalArchiveStore(config.store().localDir()), TIMING);
        return track(service);
    }


    private void insert(int from, int until) {
        for (int i = from; i < until; i++) {
            for (String collection : COLLECTIONS) {
                mongo.database("shop").getCollection(collection).insertOne(new Document("_id", i));
            }
        }
    }

    /** The collections this service archives now. */
    private static List<String> held(Service s) {
        return s.archiver.status().stream().filter(c -> c.state() == State.WATCHING).map(CollectionStatus::collection)
                .toList();
    }

    private static int buffered(Service s) {
        return s.archiver.status().stream().mapToInt(CollectionStatus::bufferedEvents).sum();
    }
}
