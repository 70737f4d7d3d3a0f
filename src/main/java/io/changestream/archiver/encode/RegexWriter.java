package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.BsonBytes.cstringEnd;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Writes a BSON regular expression as {@code {"$regularExpression": {"pattern": ..., "options": ...}}}.
 *
 * <p>The one subtlety: the driver's {@code BsonRegularExpression} sorts its option characters, so
 * {@code "xmi"} in BSON is printed as {@code "imx"}. Options are sorted here in a reused scratch
 * array, which is why this writer is an object and belongs to one encoder (one thread).
 */
final class RegexWriter {
    private static final byte[] REGEX = "{\"$regularExpression\": {\"pattern\": ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] OPTIONS = ", \"options\": ".getBytes(StandardCharsets.US_ASCII);

    private byte[] scratch = new byte[16];

    /** Writes the regex whose pattern C string starts at {@code p}; returns the index after it. */
    int write(byte[] b, int p, int limit, Utf8Sink out) {
        int patternEnd = cstringEnd(b, p, limit);
        int optionsStart = patternEnd + 1;
        int optionsEnd = cstringEnd(b, optionsStart, limit);
        out.write(REGEX);
        StringEscaper.writeQuoted(b, p, patternEnd - p, out);
        out.write(OPTIONS);
        writeSortedOptions(b, optionsStart, optionsEnd - optionsStart, out);
        out.writePair('}', '}');
        return optionsEnd + 1;
    }

    private void writeSortedOptions(byte[] b, int p, int len, Utf8Sink out) {
        for (int i = 0; i < len; i++) {
            if (b[p + i] < 0) {
                // Non-ASCII options never occur in practice; sort the decoded chars as the driver does.
                char[] chars = new String(b, p, len, StandardCharsets.UTF_8).toCharArray();
                Arrays.sort(chars);
                out.writeByte('"');
                StringEscaper.writeDecoded(new String(chars), out);
                out.writeByte('"');
                return;
            }
        }
        if (scratch.length < len) {
            scratch = new byte[Math.max(len, 2 * scratch.length)];
        }
        byte[] sorted = scratch;
        // Insertion sort: options are a handful of ASCII letters, and ASCII bytes sort like chars.
        for (int i = 0; i < len; i++) {
            byte v = b[p + i];
            int j = i;
            while (j > 0 && sorted[j - 1] > v) {
                sorted[j] = sorted[j - 1];
                j--;
            }
            sorted[j] = v;
        }
        StringEscaper.writeQuoted(sorted, 0, len, out);
    }
}
