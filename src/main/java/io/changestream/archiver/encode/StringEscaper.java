package io.changestream.archiver.encode;

import java.nio.charset.StandardCharsets;

/**
 * Writes a BSON string (UTF-8 bytes) as a quoted JSON string, escaped exactly as the driver's
 * {@code org.bson.json.StrictCharacterStreamJsonWriter} escapes the decoded Java string.
 *
 * <p>The driver's rule, per UTF-16 char: {@code " \ \b \f \n \r \t} get their short escapes; a char
 * whose {@link Character#getType(char)} is a letter, digit, number, space separator, punctuation
 * or symbol is written as is; every other char (controls, format chars, marks, modifier letters,
 * line and paragraph separators, private use, unassigned, and <em>every surrogate</em>) is written
 * as {@code \}{@code u} plus four lower-case hex digits. So a supplementary character such as an
 * emoji always becomes an escaped surrogate pair. The rule is computed from {@code Character.getType}
 * of the running JVM at class load, so it follows the same Unicode version as the driver does.
 *
 * <p>Design: well-formed UTF-8 is escaped straight from the source bytes: runs of plain ASCII are
 * copied eight bytes at a time ({@link #allPlain(long)}), other ASCII bytes take a table look-up,
 * and only multi-byte sequences are decoded. The driver decodes with
 * {@code new String(bytes, UTF_8)}, which replaces ill-formed sequences with U+FFFD in a
 * JDK-defined way; rather than re-implement that, an ill-formed string is rewound and re-escaped
 * from exactly that decoded {@code String}. That path allocates, and only garbage input takes it.
 */
final class StringEscaper {
    /** Per ASCII byte: {@code null} when the byte is written as is, else its escape. */
    private static final byte[][] ASCII_ESCAPES = new byte[128][];
    /** Per byte value: true when it is copied as is; a flat table keeps the copy loop tight. */
    private static final boolean[] PLAIN = new boolean[256];
    /** One bit per BMP char: set when the driver escapes it as a backslash-u sequence of four hex digits. */
    private static final long[] BMP_ESCAPED = new long[65536 / 64];
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
    /** Longest output for one input char: an escaped surrogate pair. */
    private static final int MAX_ESCAPE = 12;
    /** Field names up to this long take {@link #writeFieldName}'s word-at-a-time path. */
    private static final int FAST_NAME_BYTES = 64;
    /**
     * Room {@link #writeFieldName} leaves after the name: enough for any value of fixed size (a canonical date or
     * timestamp, the longest, takes 50 bytes), which the encoder then writes without a capacity check.
     */
    static final int ROOM_AFTER_NAME = 64;

    static {
        for (int c = 0; c < 65536; c++) {
            if (driverEscapesAsUnicode((char) c)) {
                BMP_ESCAPED[c >>> 6] |= 1L << c;
            }
        }
        for (int c = 0; c < 128; c++) {
            String escape = switch (c) {
                case '"' -> "\\\"";
                case '\\' -> "\\\\";
                case '\b' -> "\\b";
                case '\f' -> "\\f";
                case '\n' -> "\\n";
                case '\r' -> "\\r";
                case '\t' -> "\\t";
                default -> isEscaped(c) ? unicodeEscape(c) : null;
            };
            ASCII_ESCAPES[c] = escape == null ? null : escape.getBytes(StandardCharsets.US_ASCII);
            PLAIN[c] = escape == null;
            if (PLAIN[c] != (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')) {
                // allPlain's bit tricks hard-code this set; fail loudly rather than escape wrongly.
                throw new IllegalStateException("Unexpected JSON escaping rule for ASCII char " + c);
            }
        }
    }

    private StringEscaper() {
    }

    /** The character classes the driver writes literally; everything else is escaped. */
    private static boolean driverEscapesAsUnicode(char c) {
        return switch (Character.getType(c)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER,
                 Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER,
                 Character.OTHER_NUMBER, Character.SPACE_SEPARATOR, Character.CONNECTOR_PUNCTUATION,
                 Character.DASH_PUNCTUATION, Character.START_PUNCTUATION, Character.END_PUNCTUATION,
                 Character.INITIAL_QUOTE_PUNCTUATION, Character.FINAL_QUOTE_PUNCTUATION,
                 Character.OTHER_PUNCTUATION, Character.MATH_SYMBOL, Character.CURRENCY_SYMBOL,
                 Character.MODIFIER_SYMBOL, Character.OTHER_SYMBOL -> false;
            default -> true;
        };
    }

    private static boolean isEscaped(int c) {
        return (BMP_ESCAPED[c >>> 6] & (1L << c)) != 0;
    }

    private static String unicodeEscape(int c) {
        return "\\u" + (char) HEX[(c >>> 12) & 0xf] + (char) HEX[(c >>> 8) & 0xf]
                + (char) HEX[(c >>> 4) & 0xf] + (char) HEX[c & 0xf];
    }

    /** Writes {@code "..."} for the {@code len} UTF-8 bytes at {@code src[off]}. */
    static void writeQuoted(byte[] src, int off, int len, Utf8Sink out) {
        // Room for the quotes plus one output byte per input byte; escapes ensure their own extra.
        out.ensure(len + 2 + 8);
        byte[] dst = out.buf;
        int d = out.size;
        dst[d++] = '"';
        int contentStart = d;
        int end = off + len;
        int i = off;
        while (i < end) {
            int left = end - i;
            if (left >= 8) {
                long eight = BsonBytes.int64(src, i);
                if (allPlain(eight)) {
                    BsonBytes.putInt64(dst, d, eight);
                    i += 8;
                    d += 8;
                    continue;
                }
            } else if (src.length - i >= 8 && dst.length - d >= 8) {
                // The last few bytes as one word: the bytes past the string are read, treated as plain and
                // copied, but the size only moves past the string's own bytes, so they are overwritten later.
                long eight = BsonBytes.int64(src, i);
                if (allPlain(padPast(eight, left))) {
                    BsonBytes.putInt64(dst, d, eight);
                    d += left;
                    break;
                }
            }
            byte b = src[i];
            if (PLAIN[b & 0xff]) {
                dst[d++] = b;
                i++;
                continue;
            }
            out.size = d;
            i = writeSlow(src, i, end, out);
            if (i < 0) {
                out.size = contentStart;
                writeDecoded(new String(src, off, len, StandardCharsets.UTF_8), out);
                out.ensure(1);
                out.buf[out.size++] = '"';
                return;
            }
            dst = out.buf;
            d = out.size;
        }
        dst[d++] = '"';
        out.size = d;
    }

    /**
     * Writes a field's opening: the {@code ", "} separator unless it is the first field, the name at {@code src[p]}
     * (a C string ending in a zero byte before {@code limit}) as a quoted JSON string, and {@code ": "}. Returns the
     * index of the name's zero byte. This is {@link BsonBytes#cstringEnd} and {@link #writeQuoted} in one pass: a
     * name of plain ASCII (nearly every name) is found and copied a word at a time, where a word without a zero byte
     * must be all plain and, in the word holding the zero byte, the bytes before it must be. Any other name takes the
     * general path. Either way at least {@link #ROOM_AFTER_NAME} bytes of room are left after the name.
     */
    static int writeFieldName(byte[] src, int p, int limit, boolean first, Utf8Sink out) {
        out.ensure(FAST_NAME_BYTES + 8 + 6 + ROOM_AFTER_NAME);
        byte[] dst = out.buf;
        int start = out.size;
        int d = start;
        if (!first) {
            dst[d++] = ',';
            dst[d++] = ' ';
        }
        dst[d++] = '"';
        for (int i = p; limit - i >= 8 && i - p < FAST_NAME_BYTES; i += 8, d += 8) {
            long eight = BsonBytes.int64(src, i);
            long zeros = zeroBytes(eight) & 0x8080808080808080L;
            if (zeros == 0) {
                if (!allPlain(eight)) {
                    break;
                }
                BsonBytes.putInt64(dst, d, eight);
                continue;
            }
            // The lowest flagged byte is exactly the first zero byte (borrows only run upwards).
            int before = Long.numberOfTrailingZeros(zeros) >>> 3;
            if (!allPlain(padPast(eight, before))) {
                break;
            }
            BsonBytes.putInt64(dst, d, eight);
            d += before;
            dst[d] = '"';
            dst[d + 1] = ':';
            dst[d + 2] = ' ';
            out.size = d + 3;
            return i + before;
        }
        int end = BsonBytes.cstringEnd(src, p, limit);
        out.size = first ? start : start + 2;
        writeQuoted(src, p, end - p, out);
        out.ensure(2 + ROOM_AFTER_NAME);
        out.putPair(':', ' ');
        return end;
    }

    /** {@code x} with every byte from index {@code keep} (0 to 7) on replaced by a plain one ({@code 'A'}). */
    private static long padPast(long x, int keep) {
        long past = -1L << (keep << 3);
        return (x & ~past) | (0x4141414141414141L & past);
    }

    /**
     * True when each of the eight bytes of {@code x} is printable ASCII other than {@code "} and
     * {@code \}, that is, copied as is. Bit tricks on the whole word, on the low seven bits {@code v} of each
     * byte, where adding a constant below 0x80 to a byte can never carry into the next one: {@code v + 0x60} sets
     * the high bit exactly when {@code v >= 0x20}, {@code v + 0x01} exactly when {@code v == 0x7F}, and
     * {@code (v ^ c) + 0x7F} exactly when {@code v != c}. A byte is plain when the first and last two are set, the
     * second is not, and its own high bit (non-ASCII) is clear.
     */
    static boolean allPlain(long x) {
        long v = x & 0x7F7F7F7F7F7F7F7FL;
        long printable = (v + 0x6060606060606060L) & ~(v + 0x0101010101010101L);
        long notQuote = (v ^ 0x2222222222222222L) + 0x7F7F7F7F7F7F7F7FL;
        long notBackslash = (v ^ 0x5C5C5C5C5C5C5C5CL) + 0x7F7F7F7F7F7F7F7FL;
        return (printable & notQuote & notBackslash & ~x & 0x8080808080808080L) == 0x8080808080808080L;
    }

    private static long zeroBytes(long v) {
        return (v - 0x0101010101010101L) & ~v;
    }

    /**
     * Writes the escaped or copied form of the one char (or code point) at {@code src[i]} and keeps
     * room for the rest of the string. Returns the index after it, or -1 for ill-formed UTF-8.
     */
    private static int writeSlow(byte[] src, int i, int end, Utf8Sink out) {
        int b0 = src[i] & 0xff;
        if (b0 < 0x80) {
            byte[] escape = ASCII_ESCAPES[b0];
            out.ensure(escape.length + (end - i));
            System.arraycopy(escape, 0, out.buf, out.size, escape.length);
            out.size += escape.length;
            return i + 1;
        }
        int cp;
        int n;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            if (i + 1 >= end || !isContinuation(src[i + 1])) {
                return -1;
            }
            cp = ((b0 & 0x1F) << 6) | (src[i + 1] & 0x3F);
            n = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            if (i + 2 >= end) {
                return -1;
            }
            int b1 = src[i + 1] & 0xff;
            // Unicode Table 3-7: no overlongs after E0, no surrogates after ED.
            int lo = b0 == 0xE0 ? 0xA0 : 0x80;
            int hi = b0 == 0xED ? 0x9F : 0xBF;
            if (b1 < lo || b1 > hi || !isContinuation(src[i + 2])) {
                return -1;
            }
            cp = ((b0 & 0x0F) << 12) | ((b1 & 0x3F) << 6) | (src[i + 2] & 0x3F);
            n = 3;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            if (i + 3 >= end) {
                return -1;
            }
            int b1 = src[i + 1] & 0xff;
            int lo = b0 == 0xF0 ? 0x90 : 0x80;
            int hi = b0 == 0xF4 ? 0x8F : 0xBF;
            if (b1 < lo || b1 > hi || !isContinuation(src[i + 2]) || !isContinuation(src[i + 3])) {
                return -1;
            }
            cp = ((b0 & 0x07) << 18) | ((b1 & 0x3F) << 12) | ((src[i + 2] & 0x3F) << 6) | (src[i + 3] & 0x3F);
            n = 4;
        } else {
            return -1;
        }
        out.ensure(MAX_ESCAPE + (end - i));
        if (cp >= 0x10000) {
            // Surrogates are always escaped by the driver, so a supplementary char is two escapes.
            writeUnicodeEscape(Character.highSurrogate(cp), out);
            writeUnicodeEscape(Character.lowSurrogate(cp), out);
        } else if (isEscaped(cp)) {
            writeUnicodeEscape(cp, out);
        } else {
            // The source bytes are the canonical UTF-8 of cp, the same bytes the driver's String encodes to.
            System.arraycopy(src, i, out.buf, out.size, n);
            out.size += n;
        }
        return i + n;
    }

    private static boolean isContinuation(byte b) {
        return (b & 0xC0) == 0x80;
    }

    private static void writeUnicodeEscape(int c, Utf8Sink out) {
        byte[] dst = out.buf;
        int d = out.size;
        dst[d] = '\\';
        dst[d + 1] = 'u';
        dst[d + 2] = HEX[(c >>> 12) & 0xf];
        dst[d + 3] = HEX[(c >>> 8) & 0xf];
        dst[d + 4] = HEX[(c >>> 4) & 0xf];
        dst[d + 5] = HEX[c & 0xf];
        out.size = d + 6;
    }

    /** The driver's algorithm applied to a decoded string: the path for ill-formed UTF-8 input. */
    static void writeDecoded(String s, Utf8Sink out) {
        out.ensure(s.length() * 6);
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            if (c < 0x80) {
                byte[] escape = ASCII_ESCAPES[c];
                if (escape == null) {
                    out.buf[out.size++] = (byte) c;
                } else {
                    System.arraycopy(escape, 0, out.buf, out.size, escape.length);
                    out.size += escape.length;
                }
            } else if (isEscaped(c)) {
                writeUnicodeEscape(c, out);
            } else if (c < 0x800) {
                out.buf[out.size++] = (byte) (0xC0 | (c >>> 6));
                out.buf[out.size++] = (byte) (0x80 | (c & 0x3F));
            } else {
                // Never a surrogate here: surrogates are always escaped, so c is a whole BMP char.
                out.buf[out.size++] = (byte) (0xE0 | (c >>> 12));
                out.buf[out.size++] = (byte) (0x80 | ((c >>> 6) & 0x3F));
                out.buf[out.size++] = (byte) (0x80 | (c & 0x3F));
            }
        }
    }
}
