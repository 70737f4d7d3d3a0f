package io.changestream.archiver.ops.logging;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import io.changestream.archiver.config.ArchiverConfig;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * What an operator would read on standard output, captured: {@link LogSetup} applied with a byte stream as the
 * sink. {@link #close} puts back the default configuration (logback.xml) for the tests that follow.
 */
final class CapturedLogs implements AutoCloseable {
    private final ByteArrayOutputStream sink = new ByteArrayOutputStream();

    void apply(ArchiverConfig config) {
        LogSetup.apply(config, sink);
    }

    String text() {
        return sink.toString(StandardCharsets.UTF_8);
    }

    List<String> lines() {
        return Arrays.stream(text().split("\n")).filter(l -> !l.isEmpty()).toList();
    }

    @Override
    public void close() {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        try {
            new ContextInitializer(context).autoConfig();
        } catch (JoranException e) {
            throw new IllegalStateException("cannot restore logback.xml", e);
        }
    }
}
