package io.changestream.archiver.ops.logging;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.OutputStreamAppender;
import ch.qos.logback.core.encoder.Encoder;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ArchiverConfig.LogFormat;
import java.io.OutputStream;
import java.util.List;
import net.logstash.logback.encoder.LogstashEncoder;
import net.logstash.logback.mask.MaskingJsonGeneratorDecorator;
import org.slf4j.LoggerFactory;

/**
 * Configures logback from {@code LOG_FORMAT} and {@code LOG_LEVEL}, replacing whatever {@code logback.xml} set up
 * for the first lines of the process. Called by a command right after its configuration loaded.
 *
 * <ul>
 *   <li>{@code json}: logstash-logback-encoder, one JSON object per line: {@code @timestamp} (UTC),
 *       {@code level}, {@code logger_name}, {@code thread_name}, {@code message}, {@code stack_trace}, and every MDC
 *       entry as a field (the pipeline puts {@code collection} there, see {@link LogContext}).</li>
 *   <li>{@code text}: one readable line, {@code 2024-05-01T10:00:00.000Z INFO  [thread] logger [collection=x] -
 *       message}, stack traces below.</li>
 * </ul>
 *
 * <p>Either way, every string that reaches the output passes through a {@link SecretMasker} built from the
 * configuration's secrets: masking does not depend on each call site remembering to.
 *
 * <p>{@code LOG_LEVEL} sets our loggers (the root). Libraries known to be chatty at INFO (the MongoDB driver,
 * Netty, Quartz, Azure, the embedded server) stay at WARN unless {@code LOG_LEVEL} is stricter, so
 * {@code LOG_LEVEL=debug} shows the archiver's batches rather than every driver heartbeat.
 */
public final class LogSetup {
    static final String TEXT_PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSS'Z',UTC} %-5level [%thread] %logger{36}"
            + "%replace( [%mdc]){' \\[\\]', ''} - %msg%n";
    private static final List<String> QUIET_LIBRARIES = List.of("org.mongodb.driver", "org.quartz", "de.bwaldvogel",
            "com.azure", "io.netty", "reactor.netty");
    /**
     * The embedded test server (demo only) warns about every option and index it ignores (cursor options of
     * aggregations, secondary indexes of the tracker); none of it concerns the archiver.
     */
    private static final List<String> EMBEDDED_SERVER_NOISE = List.of(
            "de.bwaldvogel.mongo.backend.aggregation.Aggregation", "de.bwaldvogel.mongo.backend.AbstractMongoDatabase");

    private LogSetup() {
    }

    /** Logs to standard output, as configured: the service ({@code run}), whose output is its log. */
    public static void apply(ArchiverConfig config) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        apply(config, console);
    }

    /**
     * Logs to standard error, as configured: for a command whose standard output is its result ({@code demo}; the
     * archive-reading commands keep logback.xml's appender, which writes to standard error too).
     */
    public static void applyToStandardError(ArchiverConfig config) {
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setTarget("System.err");
        apply(config, console);
    }

    /** Logs to {@code sink} instead of standard output (tests read what an operator would see). */
    public static void apply(ArchiverConfig config, OutputStream sink) {
        OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();
        appender.setOutputStream(sink);
        apply(config, appender);
    }

    private static void apply(ArchiverConfig config, OutputStreamAppender<ILoggingEvent> appender) {
        if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext context)) {
            return; // another SLF4J backend (an embedding application) owns the configuration
        }
        context.reset();
        SecretMasker masker = SecretMasker.of(config);
        Encoder<ILoggingEvent> encoder = config.ops().logFormat() == LogFormat.TEXT
                ? new MaskingPatternEncoder(TEXT_PATTERN, masker) : jsonEncoder(masker);
        encoder.setContext(context);
        encoder.start();
        appender.setName("archiver");
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();

        Level level = Level.toLevel(config.ops().logLevel().name(), Level.INFO);
        Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
        root.setLevel(level);
        root.addAppender(appender);
        Level quiet = level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN;
        QUIET_LIBRARIES.forEach(name -> context.getLogger(name).setLevel(quiet));
        EMBEDDED_SERVER_NOISE.forEach(name -> context.getLogger(name).setLevel(Level.ERROR));
    }

    private static LogstashEncoder jsonEncoder(SecretMasker masker) {
        LogstashEncoder encoder = new LogstashEncoder();
        encoder.setTimeZone("UTC");
        MaskingJsonGeneratorDecorator masking = new MaskingJsonGeneratorDecorator();
        // Called for every string value (message, stack trace, MDC, arguments); null means "leave it".
        masking.addValueMasker((context, value) -> {
            if (value instanceof CharSequence text) {
                String masked = masker.mask(text.toString());
                return masked.equals(text.toString()) ? null : masked;
            }
            return null;
        });
        masking.start(); // builds its delegate; an unstarted decorator fails every append
        encoder.setJsonGeneratorDecorator(masking);
        return encoder;
    }
}
