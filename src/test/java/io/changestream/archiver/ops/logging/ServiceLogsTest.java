package io.changestream.archiver.ops.logging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changestream.archiver.ops.RunningService;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The logs of a whole running service, as {@code run} configures them: JSON objects, one per line, carrying the
 * collection, and never a secret, not even on the failure paths where connection strings end up in messages.
 */
class ServiceLogsTest {
    private static final String PASSWORD = "s3cr3t-Passw0rd";
    private static final String TOKEN = "admin-token-for-logs-0123456789";

    @TempDir
    Path archive;

    private final CapturedLogs logs = new CapturedLogs();

    @AfterEach
    void restore() {
        logs.close();
    }

    @Test
    void aServiceWhoseCredentialsAreRejectedLogsItsFailuresWithoutThePasswordOrToken() {
        // The embedded server knows no users, so authentication fails: errors with connection details get logged.
        try (RunningService running = RunningService.start(archive, Map.of(
                "MONGODB_URI", "mongodb://archiver:" + PASSWORD + "@{source}/?serverSelectionTimeoutMS=300",
                "ADMIN_TOKEN", TOKEN, "LOG_FORMAT", "json"), logs::apply)) {
            // The tracker is the first to refuse: the lease round that would hand this instance its collections.
            await().atMost(RunningService.PATIENCE).until(() -> logs.text().contains("lease round failed"));
            assertThat(running.get("/healthz/ready").statusCode()).isEqualTo(503);
            assertThat(running.post("/flush", "Bearer wrong").statusCode()).isEqualTo(401);
        }

        List<Document> lines = parsed();
        assertThat(lines).anySatisfy(l -> {
            assertThat(l.getString("message")).contains("lease round failed");
            assertThat(l.getString("level")).isEqualTo("WARN");
        });
        assertThat(lines).anySatisfy(l -> assertThat(l.getString("message")).contains("mongodb://****@127.0.0.1"));
        assertThat(logs.text()).doesNotContain(PASSWORD).doesNotContain(TOKEN);
    }

    @Test
    void aWorkingServiceLogsEachFlushAsAJsonLineWithItsCollection() {
        try (RunningService running = RunningService.start(archive, Map.of("ADMIN_TOKEN", TOKEN, "LOG_FORMAT", "json"),
                logs::apply)) {
            running.awaitReady();
            running.insert("orders", 2);
            running.awaitBuffered(2);
            assertThat(running.post("/flush", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        }

        assertThat(parsed()).anySatisfy(l -> {
            assertThat(l.getString("message")).startsWith("archived 2 events of orders");
            assertThat(l.getString("collection")).isEqualTo("orders");
            assertThat(l.getString("level")).isEqualTo("INFO");
        });
        assertThat(logs.text()).doesNotContain(TOKEN);
    }

    /** Every captured line, each of which must be a JSON object. */
    private List<Document> parsed() {
        assertThat(logs.lines()).isNotEmpty();
        return logs.lines().stream().map(Document::parse).toList();
    }
}
