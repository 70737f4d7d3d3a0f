package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changestream.archiver.app.Service;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.testing.ServiceFixture;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart over an archive that does not continue the checkpoint (issue 13, findings 2 and 3) stops that
 * collection where an operator sees it: state {@code failed}, not ready with a reason naming file and offset,
 * {@code archiver_store_conflicts_total} counted, and nothing written. The whole service, real driver, in-process
 * MongoDB-wire server, local archive folder.
 */
class RecoveryConflictWireTest extends ServiceFixture {
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path emptyVolume;

    private ArchiverConfig config(Path archiveDir) {
        Map<String, String> env = serviceEnv(archiveDir, "orders");
        env.putAll(Map.of("RETRY_DELAY_MS", "50", "RETRY_ATTEMPTS", "2"));
        return ConfigLoader.load(env);
    }

    private Service start(Path archiveDir) {
        return track(Service.start(config(archiveDir), new SimpleMeterRegistry(), Clock.systemUTC()));
    }

    /** A first run archives five inserts and stops; returns the hour file the checkpoint points into. */
    private Path archiveFiveInserts() throws IOException {
        Service first = start(archive);
        await().atMost(WAIT).until(() -> first.archiver.readiness().ready());
        for (int i = 0; i < 5; i++) {
            client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", i));
        }
        await().atMost(WAIT).until(() -> first.archiver.status().get(0).bufferedEvents() == 5);
        first.archiver.flushAll(FlushTrigger.MANUAL).block(WAIT);
        stop(first);
        try (Stream<Path> files = Files.list(archive.resolve("orders"))) {
            List<Path> hours = files.sorted().toList();
            return hours.get(hours.size() - 1);
        }
    }

    @Test
    void finding2_aDuplicatedRangeAfterTheCheckpointStopsTheCollectionNotReadyWithFileAndOffsetAndAMetric()
            throws IOException {
        Path file = archiveFiveInserts();
        byte[] bytes = Files.readAllBytes(file);
        Files.write(file, bytes, java.nio.file.StandardOpenOption.APPEND); // the same events, archived twice

        Service second = start(archive);

        String reason = awaitConflict(second);
        assertThat(reason).contains("orders/" + file.getFileName() + " at offset " + bytes.length);
        assertThat(Files.size(file)).isEqualTo(2L * bytes.length);
    }

    @Test
    void finding3_anEmptyVolumeUnderACheckpointStopsTheCollectionAndNothingIsWrittenThere() throws IOException {
        Path file = archiveFiveInserts();

        Service second = start(emptyVolume);

        String reason = awaitConflict(second);
        assertThat(reason).contains("orders/" + file.getFileName(), "missing");
        client.getDatabase("shop").getCollection("orders").insertOne(new Document("_id", 99));
        // A collection stopped on a conflict refuses a flush (it is not capturing) instead of answering "0 events".
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> second.archiver.flushAll(FlushTrigger.MANUAL)
                .block(WAIT)).isInstanceOf(FlushFailedException.class).hasMessageContaining("stopped on a conflict");
        try (Stream<Path> written = Files.walk(emptyVolume)) {
            assertThat(written.filter(Files::isRegularFile)).isEmpty();
        }
    }

    /** Waits for the conflict to show; checks state and metric; returns the readiness reason. */
    private static String awaitConflict(Service service) {
        await().atMost(WAIT).until(() -> service.archiver.status().get(0).state() == CollectionStatus.State.FAILED);
        Readiness readiness = service.archiver.readiness();
        assertThat(readiness.ready()).isFalse();
        assertThat(service.metrics.registry().get("archiver.store.conflicts").tag("collection", "orders")
                .counter().count()).isEqualTo(1.0);
        return readiness.reasons().stream().filter(r -> r.startsWith("orders: stopped on a conflict")).findFirst()
                .orElseThrow(() -> new AssertionError("no conflict among " + readiness.reasons()));
    }
}
