package io.changestream.archiver.ops.logging;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** {@link LogSetup}: the format, level and masking an operator sees on standard output. */
class LogSetupTest {
    private static final String PASSWORD = "Pa55-w0rd/secret";
    private static final String SOURCE_URI = "mongodb://archiver:Pa55-w0rd%2Fsecret@db.example:27017/?tls=true";
    private static final String TOKEN = "admin-token-0123456789abcdef";
    private static final Logger log = LoggerFactory.getLogger("io.changestream.archiver.pipeline.Test");

    private final CapturedLogs logs = new CapturedLogs();

    @AfterEach
    void restore() {
        logs.close();
    }

    private static ArchiverConfig config(String format, String level) {
        Map<String, String> env = new HashMap<>();
        env.put("MONGODB_URI", SOURCE_URI);
        env.put("MONGODB_DATABASE", "shop");
        env.put("MONGODB_COLLECTIONS", "orders");
        env.put("ADMIN_TOKEN", TOKEN);
        env.put("LOG_FORMAT", format);
        env.put("LOG_LEVEL", level);
        return ConfigLoader.load(env);
    }

    @Test
    void jsonLinesAreOneObjectEachWithLevelLoggerThreadMessageAndTheCollection() {
        logs.apply(config("json", "info"));

        LogContext.run("orders", () -> log.info("archived {} events of {}", 3, "orders"));
        log.warn("a line\nwith a \"quoted\" break and ünïcödé");

        List<String> lines = logs.lines();
        assertThat(lines).hasSize(2);
        Document first = Document.parse(lines.get(0));
        assertThat(first.getString("message")).isEqualTo("archived 3 events of orders");
        assertThat(first.getString("level")).isEqualTo("INFO");
        assertThat(first.getString("logger_name")).isEqualTo("io.changestream.archiver.pipeline.Test");
        assertThat(first.getString("thread_name")).isEqualTo(Thread.currentThread().getName());
        assertThat(first.getString("@timestamp")).endsWith("Z");
        assertThat(first.getString("collection")).isEqualTo("orders");
        Document second = Document.parse(lines.get(1));
        assertThat(second.getString("message")).isEqualTo("a line\nwith a \"quoted\" break and ünïcödé");
        assertThat(second.containsKey("collection")).isFalse();
        assertThat(MDC.get(LogContext.COLLECTION)).isNull();
    }

    @Test
    void secretsAreMaskedInJsonMessagesArgumentsAndStackTraces() {
        logs.apply(config("json", "info"));

        log.info("connecting to {}", SOURCE_URI);
        log.info("password {} and token {}", PASSWORD, TOKEN);
        log.error("failed", new IllegalStateException("could not use " + SOURCE_URI + " with " + TOKEN));
        LogContext.run("orders", () -> log.info("uri {}", new ArchiverConfigView(SOURCE_URI)));

        assertThat(logs.lines()).hasSize(4).allSatisfy(line -> Document.parse(line));
        assertThat(logs.text()).doesNotContain(PASSWORD).doesNotContain("Pa55-w0rd%2Fsecret").doesNotContain(TOKEN)
                .contains("mongodb://****@db.example:27017").contains("IllegalStateException");
    }

    @Test
    void textFormatIsOneReadableLinePerEventAndMasksSecretsToo() {
        logs.apply(config("text", "info"));

        LogContext.run("orders", () -> log.info("flushing to {}", SOURCE_URI));
        log.error("failed with token {}", TOKEN, new IllegalStateException("at " + SOURCE_URI));

        String text = logs.text();
        assertThat(logs.lines().get(0)).matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z INFO  \\[.+] "
                + "\\S*pipeline\\.Test \\[collection=orders] - flushing to mongodb://\\*\\*\\*\\*@db\\.example.*");
        assertThat(logs.lines().get(1)).contains("ERROR").doesNotContain("[collection=").doesNotContain("[]");
        assertThat(text).contains("java.lang.IllegalStateException").doesNotContain(PASSWORD)
                .doesNotContain("Pa55-w0rd%2Fsecret").doesNotContain(TOKEN);
    }

    @Test
    void logLevelDropsFinerLinesAndLibrariesStayAtWarnUnderDebug() {
        logs.apply(config("json", "debug"));

        log.debug("a batch");
        log.trace("a detail");
        LoggerFactory.getLogger("org.mongodb.driver.cluster").info("heartbeat");
        LoggerFactory.getLogger("org.mongodb.driver.cluster").warn("server down");

        assertThat(logs.lines()).extracting(l -> Document.parse(l).getString("message"))
                .containsExactly("a batch", "server down");
    }

    /** Something whose toString carries a URI, as a careless config record might. */
    private record ArchiverConfigView(String uri) {
    }
}
