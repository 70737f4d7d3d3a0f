package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.ops.RunningService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Readiness follows the tracker: a service whose external tracker goes away stops being ready, and says why. */
class ReadinessTest {
    @TempDir
    Path archive;

    @Test
    void readinessTurns503WithTheReasonWhenTheTrackerBecomesUnreachable() {
        EmbeddedMongo tracker = new EmbeddedMongo();
        try (RunningService running = RunningService.start(archive,
                Map.of("TRACKER_URI", tracker.uri() + "/?serverSelectionTimeoutMS=500"))) {
            running.awaitReady();

            tracker.close();

            await().atMost(RunningService.PATIENCE).until(() -> running.get("/healthz/ready").statusCode() == 503);
            HttpResponse<String> answer = running.get("/healthz/ready");
            Document body = Document.parse(answer.body());
            assertThat(body.getBoolean("ready")).isFalse();
            assertThat(body.getList("reasons", String.class)).anySatisfy(r -> assertThat(r).contains("tracker"));
            assertThat(running.get("/healthz/live").statusCode()).isEqualTo(200);
        } finally {
            tracker.close();
        }
    }
}
