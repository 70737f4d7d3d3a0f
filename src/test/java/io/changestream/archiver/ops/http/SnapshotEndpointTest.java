package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.app.Main;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.ops.RunningService;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /snapshot[/{collection}]} and the {@code snapshots} and {@code replay --snapshot} commands. The read
 * throttle (1 MB/s over about 5 MB) keeps the first snapshot running for seconds, so the second request meets it.
 */
class SnapshotEndpointTest {
    @TempDir
    Path archive;

    private RunningService running;

    @AfterEach
    void close() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    void postSnapshotAnswers202ThenConflictsWhileItRunsAnd404ForAnUnknownCollection() throws Exception {
        running = RunningService.start(archive, Map.of("SNAPSHOT_MAX_MB_PER_SECOND", "1",
                "SNAPSHOT_PART_BYTES", "1048576"));
        running.awaitReady();
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            docs.add(new Document("_id", i).append("payload", "p".repeat(12_000)));
        }
        running.collection("orders").insertMany(docs);

        HttpResponse<String> first = running.post("/snapshot/orders");
        HttpResponse<String> second = running.post("/snapshot/orders");
        HttpResponse<String> unknown = running.post("/snapshot/nope");

        assertThat(first.statusCode()).as(first.body()).isEqualTo(202);
        assertThat(first.body()).contains("\"collection\": \"orders\"").contains("\"snapshot\": \"");
        assertThat(second.statusCode()).as(second.body()).isEqualTo(409);
        assertThat(second.body()).contains("is running");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(running.send("GET", "/snapshot").statusCode()).isEqualTo(405);
        String status = running.get("/status").body();
        assertThat(status).contains("\"snapshots\": {\"running\": [{\"collection\": \"orders\"")
                .contains("\"documentsPerSecond\"").contains("\"remainingSeconds\"");
    }

    @Test
    void snapshotsListsACompleteSnapshotAndReplayRefusesOneThatCannotServeUntilWithExit2() throws Exception {
        running = RunningService.start(archive, Map.of());
        running.awaitReady();
        running.insert("orders", 20);
        HttpResponse<String> started = running.post("/snapshot/orders");
        assertThat(started.statusCode()).as(started.body()).isEqualTo(202);
        SnapshotProgress done = awaitComplete();
        running.post("/flush");
        assertThat(running.get("/status").body()).contains("\"lastComplete\": [{\"collection\": \"orders\", "
                + "\"snapshot\": \"" + done.id() + "\"");
        String metrics = awaitMetric("archiver_snapshots_total{collection=\"orders\",outcome=\"success\"} 1.0");
        assertThat(metrics).contains("archiver_snapshot_documents_total{collection=\"orders\"} 20.0")
                .contains("archiver_snapshot_bytes_total{collection=\"orders\"} " + done.bytes() + ".0")
                .contains("archiver_last_snapshot_timestamp_seconds{collection=\"orders\"} "
                        + (double) done.end().orElseThrow().getTime())
                .contains("archiver_snapshots_total{collection=\"customers\",outcome=\"failure\"} 0.0");
        Map<String, String> env = Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "MONGODB_COLLECTIONS", "orders");

        StringWriter listing = new StringWriter();
        assertThat(Main.execute(env, new PrintWriter(listing), new PrintWriter(listing), "snapshots")).isZero();
        assertThat(listing.toString()).contains(done.id()).contains("complete");

        StringWriter refused = new StringWriter();
        String before = done.start().getTime() + ":" + done.start().getInc();
        assertThat(Main.execute(env, new PrintWriter(refused), new PrintWriter(refused), "replay", "--dry-run",
                "--snapshot", done.id(), "--until", before)).as(refused.toString()).isEqualTo(2);
        assertThat(refused.toString()).contains("--snapshot").contains(done.id()).contains("ends at")
                .contains("choose an older snapshot or a later --until");

        StringWriter bogus = new StringWriter();
        assertThat(Main.execute(env, new PrintWriter(bogus), new PrintWriter(bogus), "replay", "--dry-run",
                "--snapshot", "latest")).isEqualTo(2);
        assertThat(bogus.toString()).contains("auto, none, or a snapshot id");

        StringWriter ok = new StringWriter();
        assertThat(Main.execute(env, new PrintWriter(ok), new PrintWriter(ok), "replay", "--dry-run"))
                .as(ok.toString()).isZero();
        assertThat(ok.toString()).contains("restored snapshot " + done.id());
    }

    /** The run's outcome is counted just after its record is written: wait for the series, not for time. */
    private String awaitMetric(String line) throws InterruptedException {
        for (int i = 0; i < 1000; i++) {
            String body = running.get("/metrics").body();
            if (body.contains(line)) {
                return body;
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no " + line + " in " + running.get("/metrics").body());
    }

    private SnapshotProgress awaitComplete() throws InterruptedException {
        try (com.mongodb.client.MongoClient client = com.mongodb.client.MongoClients.create(
                running.service().config.source().uri().reveal())) {
            MongoSnapshotProgressStore store = new MongoSnapshotProgressStore(client, RunningService.DATABASE,
                    "changestream_tracker");
            for (int i = 0; i < 3000; i++) {
                List<SnapshotProgress> s = store.snapshots("orders");
                if (!s.isEmpty() && s.get(0).complete()) {
                    return s.get(0);
                }
                Thread.sleep(20);
            }
            throw new IllegalStateException("snapshot not complete: " + store.snapshots("orders"));
        }
    }
}
