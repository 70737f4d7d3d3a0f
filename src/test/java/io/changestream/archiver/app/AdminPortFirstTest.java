package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.testing.ArchiverProcess;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 (CLI): {@code run} binds {@code HTTP_PORT} before it contacts MongoDB, so a taken port stops it at once
 * with exit 2 naming the port, and the probes answer (readiness 503) while MongoDB does not.
 */
class AdminPortFirstTest {
    @TempDir
    Path archive;

    @Test
    void aTakenPortExitsTwoNamingThePort() throws Exception {
        try (ServerSocket taken = new ServerSocket(0);
             ArchiverProcess p = new ArchiverProcess(env(taken.getLocalPort()), "run")) {
            int exit = p.waitForExit(Duration.ofSeconds(60));

            assertThat(exit).as(String.join("\n", p.output())).isEqualTo(Main.USAGE);
            assertThat(String.join("\n", p.output())).contains("HTTP_PORT=" + taken.getLocalPort(), "in use");
        }
    }

    @Test
    void readinessAnswers503WhileMongoDbDoesNotAnswer() throws Exception {
        int port = freePort();
        try (ArchiverProcess p = new ArchiverProcess(env(port), "run")) {
            assertThat(p.awaitOutput("admin endpoint listening on port " + port, Duration.ofSeconds(60)))
                    .as(String.join("\n", p.output())).isTrue();
            HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + "/healthz/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(ready.statusCode()).isEqualTo(503);
            assertThat(String.join("\n", p.output()))
                    .as("the port is bound before the archiver starts its lease rounds")
                    .doesNotContain("acquired the lease");
        }
    }

    private Map<String, String> env(int httpPort) throws IOException {
        return Map.of("MONGODB_URI", "mongodb://127.0.0.1:" + freePort() + "/?serverSelectionTimeoutMS=500",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders", "ARCHIVE_LOCAL_DIR", archive.toString(),
                "HTTP_PORT", String.valueOf(httpPort), "LOG_FORMAT", "text");
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
