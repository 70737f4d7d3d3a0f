package io.changestream.archiver.ops.logging;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.classic.util.LogbackMDCAdapter;
import ch.qos.logback.core.OutputStreamAppender;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The default {@code logback.xml} (what {@code replay}, {@code verify} and {@code status} log with, and {@code run}
 * before its configuration is loaded) masks URIs like {@link LogSetup} does (issue 13, finding 9).
 */
class DefaultLogConfigurationTest {

    @Test
    void theDefaultConfigurationMasksUserInfoAndSasParametersInEveryLine() throws Exception {
        LoggerContext context = new LoggerContext();
        context.setMDCAdapter(new LogbackMDCAdapter());
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(getClass().getResource("/logback.xml"));
        @SuppressWarnings("unchecked")
        OutputStreamAppender<ILoggingEvent> json = (OutputStreamAppender<ILoggingEvent>)
                context.getLogger("ROOT").getAppender("JSON");

        LoggingEvent event = new LoggingEvent("test", context.getLogger("test"), Level.WARN,
                "cannot reach {} nor {}", null, new Object[] {"mongodb://app:P4rt@Pa55@db-0:27017/",
                        "https://acct.dfs.core.windows.net/?sv=2022-11-02&sig=Sig-Value-123"});
        String line = new String(json.getEncoder().encode(event), StandardCharsets.UTF_8);

        assertThat(line).contains("mongodb://****@db-0:27017/", "sig=****")
                .doesNotContain("P4rt", "Pa55", "Sig-Value-123", "2022-11-02");
        context.stop();
    }
}
