package io.changestream.archiver.ops.logging;

import com.fasterxml.jackson.core.JsonStreamContext;
import io.changestream.archiver.config.Secret;
import net.logstash.logback.mask.ValueMasker;

/**
 * The masking of the default {@code logback.xml}, before {@link LogSetup} knows the configuration: every string
 * value of a JSON log line (message, stack trace, arguments) passes through {@link Secret#maskUri}, so the lines of
 * {@code replay}, {@code verify} and {@code status} (which never call {@link LogSetup}) and the first lines of
 * {@code run} hide URI user info and secret query parameters too.
 */
public final class UriValueMasker implements ValueMasker {
    @Override
    public Object mask(JsonStreamContext context, Object value) {
        if (value instanceof CharSequence text) {
            String masked = Secret.maskUri(text.toString());
            return masked.equals(text.toString()) ? null : masked;
        }
        return null;
    }
}
