package io.changestream.archiver.ops.logging;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.EncoderBase;
import java.nio.charset.StandardCharsets;

/**
 * The {@code LOG_FORMAT=text} encoder: a logback pattern whose whole output (message, MDC, stack trace) passes
 * through the {@link SecretMasker} before it reaches the stream.
 */
final class MaskingPatternEncoder extends EncoderBase<ILoggingEvent> {
    private final PatternLayout layout = new PatternLayout();
    private final SecretMasker masker;

    MaskingPatternEncoder(String pattern, SecretMasker masker) {
        this.masker = masker;
        layout.setPattern(pattern);
    }

    @Override
    public void start() {
        layout.setContext(getContext());
        layout.start();
        super.start();
    }

    @Override
    public void stop() {
        layout.stop();
        super.stop();
    }

    @Override
    public byte[] headerBytes() {
        return null;
    }

    @Override
    public byte[] encode(ILoggingEvent event) {
        return masker.mask(layout.doLayout(event)).getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public byte[] footerBytes() {
        return null;
    }
}
