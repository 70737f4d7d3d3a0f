package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.ops.RunningService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ADMIN_TOKEN} over real HTTP: POSTs need the bearer token, GETs stay open. */
class AdminTokenTest {
    private static final String TOKEN = "token-for-tests-0123456789";

    @TempDir
    Path archive;

    private RunningService running;

    @BeforeEach
    void start() {
        running = RunningService.start(archive, Map.of("ADMIN_TOKEN", TOKEN));
    }

    @AfterEach
    void stop() {
        running.close();
    }

    @Test
    void postWithoutATokenAnswers401AndAsksForABearerToken() {
        HttpResponse<String> answer = running.post("/flush");

        assertThat(answer.statusCode()).isEqualTo(401);
        assertThat(answer.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v)
                .startsWith("Bearer"));
        assertThat(Document.parse(answer.body()).getString("error")).contains("bearer token");
    }

    @Test
    void postWithAWrongTokenAnswers401AndFlushesNothing() {
        running.awaitReady();
        running.insert("orders", 1);
        running.awaitBuffered(1);

        assertThat(running.post("/flush", "Bearer " + TOKEN + "x").statusCode()).isEqualTo(401);
        assertThat(running.post("/flush/orders", "Bearer " + TOKEN.substring(1)).statusCode()).isEqualTo(401);
        assertThat(running.post("/flush", "Basic " + TOKEN).statusCode()).isEqualTo(401);

        assertThat(running.archiveFiles()).isEmpty();
    }

    @Test
    void anUnknownCollectionAnswers401BeforeTheTokenIsShownSoNamesDoNotLeak() {
        assertThat(running.post("/flush/secret-collection").statusCode()).isEqualTo(401);
    }

    @Test
    void postWithTheTokenFlushes() {
        running.awaitReady();
        running.insert("orders", 2);
        running.awaitBuffered(2);

        HttpResponse<String> answer = running.post("/flush", "Bearer " + TOKEN);

        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(running.archivedLines()).isEqualTo(2);
        assertThat(running.post("/flush/orders", "bearer " + TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void getEndpointsStayOpenForProbesAndScrapers() {
        assertThat(running.get("/status").statusCode()).isEqualTo(200);
        assertThat(running.get("/metrics").statusCode()).isEqualTo(200);
        assertThat(running.get("/healthz/live").statusCode()).isEqualTo(200);
    }
}
