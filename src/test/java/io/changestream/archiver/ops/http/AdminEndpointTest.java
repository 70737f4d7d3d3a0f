package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.changestream.archiver.ops.RunningService;
import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** The admin endpoint over real HTTP, against a running service with an embedded source and a local archive. */
class AdminEndpointTest {
    @TempDir
    Path archive;

    private RunningService running;

    @BeforeEach
    void start() {
        running = RunningService.start(archive);
    }

    @AfterEach
    void stop() {
        running.close();
    }

    @Test
    void readinessAnswers200OnceEveryWatcherIsSubscribed() {
        running.awaitReady();

        HttpResponse<String> ready = running.get("/healthz/ready");
        assertThat(ready.headers().firstValue("Content-Type")).hasValue(AdminServer.JSON);
        Document body = Document.parse(ready.body());
        assertThat(body.getBoolean("ready")).isTrue();
        assertThat(body.getList("reasons", String.class)).isEmpty();
    }

    @Test
    void livenessAnswers200WhileTheProcessIsNotWedged() {
        HttpResponse<String> live = running.get("/healthz/live");

        assertThat(live.statusCode()).isEqualTo(200);
        assertThat(Document.parse(live.body()).getBoolean("live")).isTrue();
    }

    @Test
    void noFileIsWrittenBeforeAnyTriggerAndPostFlushWritesTheFilesItLists() throws Exception {
        running.awaitReady();
        running.insert("customers", 4);
        running.insert("orders", 3);
        running.awaitBuffered(7);
        assertThat(running.archiveFiles()).isEmpty();

        HttpResponse<String> flushed = running.post("/flush");

        assertThat(flushed.statusCode()).isEqualTo(200);
        List<Document> results = Document.parse(flushed.body()).getList("flushed", Document.class);
        assertThat(results).extracting(d -> d.getString("collection")).containsExactly("customers", "orders");
        assertThat(results).extracting(d -> d.getInteger("events")).containsExactly(4, 3);
        for (Document result : results) {
            List<String> files = result.getList("files", String.class);
            assertThat(files).singleElement().asString().startsWith(result.getString("collection") + "/");
            assertThat(Files.readAllLines(archive.resolve(files.get(0)))).hasSize(result.getInteger("events"));
        }
        assertThat(running.archivedLines()).isEqualTo(7);
    }

    @Test
    void postFlushOfOneCollectionFlushesOnlyThatCollection() {
        running.awaitReady();
        running.insert("customers", 2);
        running.insert("orders", 2);
        running.awaitBuffered(4);

        HttpResponse<String> flushed = running.post("/flush/orders");

        assertThat(flushed.statusCode()).isEqualTo(200);
        assertThat(Document.parse(flushed.body()).getList("flushed", Document.class))
                .extracting(d -> d.getString("collection")).containsExactly("orders");
        assertThat(running.archiveFiles()).singleElement().asString().contains("orders");
        running.awaitBuffered(2);
    }

    @Test
    void postFlushOfAnUnknownCollectionAnswers404() {
        HttpResponse<String> answer = running.post("/flush/invoices");

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(Document.parse(answer.body()).getString("error")).contains("invoices");
    }

    @Test
    void aWrongMethodAnswers405WithTheAllowedOne() {
        HttpResponse<String> getFlush = running.get("/flush");
        HttpResponse<String> postStatus = running.post("/status");
        HttpResponse<String> deleteMetrics = running.send("DELETE", "/metrics");

        assertThat(getFlush.statusCode()).isEqualTo(405);
        assertThat(getFlush.headers().firstValue("Allow")).hasValue("POST");
        assertThat(postStatus.statusCode()).isEqualTo(405);
        assertThat(postStatus.headers().firstValue("Allow")).hasValue("GET, HEAD");
        assertThat(deleteMetrics.statusCode()).isEqualTo(405);
        assertThat(Document.parse(deleteMetrics.body()).getString("error")).contains("DELETE");
    }

    @Test
    void headMetricsAnswersLikeGetWithoutABody() throws IOException {
        String get = raw("GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        String head = raw("HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

        assertThat(head).startsWith("HTTP/1.1 200 ").containsIgnoringCase("content-type: text/plain; version=0.0.4");
        assertThat(head.substring(head.indexOf("\r\n\r\n") + 4)).as("no body").isEmpty();
        assertThat(get.substring(get.indexOf("\r\n\r\n") + 4)).contains("archiver_buffered_events");
        assertThat(raw("HEAD /healthz/live HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"))
                .startsWith("HTTP/1.1 200 ");
    }

    @Test
    void aMalformedPercentEncodingAnswersAJson400AndLogsAtMostOneLine() throws IOException {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        root.addAppender(logged);
        try {
            String answer = raw("POST /flush/%ZZ HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n"
                    + "Connection: close\r\n\r\n");

            assertThat(answer).startsWith("HTTP/1.1 400 ").containsIgnoringCase("content-type: application/json");
            Document body = Document.parse(answer.substring(answer.indexOf("\r\n\r\n") + 4));
            assertThat(body.getString("error")).contains("percent-encoding");
        } finally {
            root.detachAppender(logged);
        }
        List<ILoggingEvent> warnings = logged.list.stream().filter(e -> e.getLevel().isGreaterOrEqual(Level.WARN))
                .toList();
        assertThat(warnings).allSatisfy(e -> {
            assertThat(e.getThrowableProxy()).as("no stack trace").isNull();
            assertThat(e.getFormattedMessage()).doesNotContain("\n");
        });
        assertThat(warnings).hasSizeLessThanOrEqualTo(1);
    }

    /** One request over a plain socket, as written (HttpClient refuses a malformed URI before sending it). */
    private String raw(String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", running.service().adminPort())) {
            socket.setSoTimeout(30_000);
            socket.getOutputStream().write(request.getBytes(StandardCharsets.US_ASCII));
            socket.getOutputStream().flush();
            return new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    @Test
    void anUnknownPathAnswers404WithAJsonError() {
        HttpResponse<String> answer = running.get("/admin/../etc/passwd");

        assertThat(answer.statusCode()).isEqualTo(404);
        assertThat(answer.body()).doesNotContain("Exception").doesNotContain("\tat ");
        assertThat(Document.parse(answer.body()).getString("error")).startsWith("no such endpoint");
    }

    @Test
    void statusListsEveryCollectionWithItsBufferAndLastFlush() {
        running.awaitReady();
        running.insert("customers", 3);
        running.awaitBuffered(3);
        running.post("/flush/customers");
        running.insert("customers", 1);
        running.awaitBuffered(1);

        HttpResponse<String> status = running.get("/status");

        assertThat(status.statusCode()).isEqualTo(200);
        Document body = Document.parse(status.body());
        List<Document> collections = body.getList("collections", Document.class);
        assertThat(collections).extracting(c -> c.getString("collection")).containsExactly("customers", "orders");
        Document customers = collections.get(0);
        assertThat(customers.getString("state")).isEqualTo("watching");
        assertThat(customers.getInteger("bufferedEvents")).isEqualTo(1);
        assertThat(((Number) customers.get("bufferedBytes")).longValue()).isPositive();
        assertThat(customers.getString("newestCapturedTime")).isNotNull();
        assertThat(((Number) customers.get("captureLagSeconds")).doubleValue()).isGreaterThanOrEqualTo(0);
        Document lastFlush = customers.get("lastFlush", Document.class);
        assertThat(lastFlush.getString("trigger")).isEqualTo("manual");
        assertThat(lastFlush.getString("outcome")).isEqualTo("success");
        assertThat(lastFlush.getInteger("events")).isEqualTo(3);
        Document checkpoint = customers.get("checkpoint", Document.class);
        assertThat(((Number) checkpoint.get("totalEvents")).longValue()).isEqualTo(3);
        assertThat(checkpoint.get("resumeToken", Document.class)).isNotEmpty();
        assertThat(collections.get(1).get("lastFlush")).isNull();
        assertThat(collections.get(1).containsKey("lastFlush")).isTrue();
    }

    @Test
    void postFlushAnswers503AndKeepsTheBufferWhileTheStoreIsUnavailable() throws Exception {
        running.awaitReady();
        running.insert("orders", 2);
        running.awaitBuffered(2);
        // The archive root becomes a plain file: every store call fails as a full or unmounted disk would.
        Files.delete(archive);
        Files.writeString(archive, "not a folder");

        HttpResponse<String> failed = running.post("/flush/orders");

        assertThat(failed.statusCode()).isEqualTo(503);
        Document body = Document.parse(failed.body());
        assertThat(body.getString("error")).contains("orders");
        assertThat(body.getList("failed", Document.class)).extracting(d -> d.getString("collection"))
                .containsExactly("orders");
        running.awaitBuffered(2);

        Files.delete(archive);
        Files.createDirectory(archive);
        HttpResponse<String> retried = running.post("/flush/orders");
        assertThat(retried.statusCode()).isEqualTo(200);
        assertThat(running.archivedLines()).isEqualTo(2);
    }
}
