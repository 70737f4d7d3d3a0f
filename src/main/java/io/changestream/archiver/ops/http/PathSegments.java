package io.changestream.archiver.ops.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Percent-decoding of one path segment as RFC 3986 defines it: {@code %XX} is a byte of UTF-8, and {@code +} is a
 * plus sign (the query-string rule that turns it into a space does not apply to paths). Decoding the collection
 * segment ourselves, rather than taking a decoded path, keeps {@code %2F} inside the name instead of splitting it.
 */
final class PathSegments {
    private PathSegments() {
    }

    /** The decoded segment; empty when a {@code %} is not followed by two hex digits. */
    static Optional<String> decode(String segment) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(segment.length());
        int i = 0;
        while (i < segment.length()) {
            int percent = segment.indexOf('%', i);
            int end = percent < 0 ? segment.length() : percent;
            bytes.writeBytes(segment.substring(i, end).getBytes(StandardCharsets.UTF_8));
            if (percent < 0) {
                break;
            }
            int high = percent + 2 < segment.length() ? Character.digit(segment.charAt(percent + 1), 16) : -1;
            int low = percent + 2 < segment.length() ? Character.digit(segment.charAt(percent + 2), 16) : -1;
            if (high < 0 || low < 0) {
                return Optional.empty();
            }
            bytes.write(high * 16 + low);
            i = percent + 3;
        }
        return Optional.of(bytes.toString(StandardCharsets.UTF_8));
    }
}
