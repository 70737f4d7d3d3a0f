package io.changestream.archiver.encode;

import java.nio.charset.StandardCharsets;

/**
 * Standard base64 with padding (RFC 4648 section 4), the output of
 * {@code java.util.Base64.getEncoder()} that the driver uses for {@code $binary}, written from a
 * slice of the BSON bytes into the sink. The JDK encoder only takes whole arrays, so using it would
 * mean copying the slice first.
 */
final class Base64Writer {
    private static final byte[] ALPHABET =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".getBytes(StandardCharsets.US_ASCII);

    private Base64Writer() {
    }

    static void write(byte[] src, int off, int len, Utf8Sink out) {
        out.ensure((len + 2) / 3 * 4);
        byte[] dst = out.buf;
        int d = out.size;
        int end = off + len;
        int fullEnd = off + len / 3 * 3;
        int i = off;
        while (i < fullEnd) {
            int bits = (src[i] & 0xff) << 16 | (src[i + 1] & 0xff) << 8 | (src[i + 2] & 0xff);
            dst[d] = ALPHABET[bits >>> 18];
            dst[d + 1] = ALPHABET[(bits >>> 12) & 0x3f];
            dst[d + 2] = ALPHABET[(bits >>> 6) & 0x3f];
            dst[d + 3] = ALPHABET[bits & 0x3f];
            d += 4;
            i += 3;
        }
        int rest = end - i;
        if (rest > 0) {
            int bits = (src[i] & 0xff) << 16 | (rest == 2 ? (src[i + 1] & 0xff) << 8 : 0);
            dst[d] = ALPHABET[bits >>> 18];
            dst[d + 1] = ALPHABET[(bits >>> 12) & 0x3f];
            dst[d + 2] = rest == 2 ? ALPHABET[(bits >>> 6) & 0x3f] : (byte) '=';
            dst[d + 3] = '=';
            d += 4;
        }
        out.size = d;
    }
}
