package io.changestream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.changestream.archiver.store.adls.DfsTestServer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Issue 15: with ADLS, most log lines were the Azure SDK's WARN "The header is restricted by
 * 'java.net.http.HttpClient' … content-length", one per request. The cause: the SDK's JDK client drops a restricted
 * header it was given and says so each time, unless {@code jdk.httpclient.allowRestrictedHeaders} allows it, and the
 * JDK reads that property once, when its HTTP client first loads. {@link AdlsClientFactory} sets it before it builds
 * the client. Proven in a fresh JVM, as the service runs (in this test JVM another test may have loaded the JDK
 * client first), against the in-process DFS server: requests succeed and nothing warns.
 */
class AdlsRestrictedHeaderTest {
    private static final String RESTRICTED = "restricted by 'java.net.http.HttpClient'";

    @Test
    void writingToAdlsLogsNoRestrictedHeaderWarning() throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                AdlsRestrictedHeaderTest.class.getName() + "$Probe").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(120, TimeUnit.SECONDS)).as(out).isTrue();

        assertThat(p.exitValue()).as(out).isZero();
        assertThat(out).as(out).contains("appended 6 bytes, length 6").contains("restricted-header warnings: 0");
    }

    /** Runs in the child JVM: one file written and read back over the DFS protocol, warnings counted. */
    public static final class Probe {
        public static void main(String[] args) {
            Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            ListAppender<ILoggingEvent> logged = new ListAppender<>();
            logged.start();
            root.addAppender(logged);
            try (DfsTestServer server = DfsTestServer.start();
                 ArchiveStore store = TestStores.adls(TestStores.sharedKey(server))) {
                ArchiveFile file = new ArchiveFile("orders/2026-11-22-01.json");
                byte[] line = "{\"a\"}\n".getBytes(StandardCharsets.UTF_8);
                long end = store.append(file, 0, line, 0, line.length);
                System.out.println("appended " + line.length + " bytes, length " + Math.max(end, store.length(file)));
            }
            List<ILoggingEvent> warnings = logged.list.stream()
                    .filter(e -> e.getFormattedMessage().contains(RESTRICTED)).toList();
            warnings.forEach(e -> System.out.println("WARNING: " + e.getFormattedMessage()));
            System.out.println("restricted-header warnings: " + warnings.size());
            System.exit(0);
        }
    }
}
