package io.changestream.archiver.encode;

import java.util.Arrays;

import org.bson.RawBsonDocument;

/**
 * The fast path of {@link ExtendedJsonDecoder}: reads a line of canonical Extended JSON of the kinds that change
 * events are made of straight from its UTF-8 bytes into BSON bytes, with no {@code String}, token or reader object
 * in between.
 *
 * <h2>Contract</h2>
 * For every line it accepts, the result is byte for byte what the driver's {@code JsonReader} piped into
 * {@code RawBsonDocumentCodec} gives. It accepts only what it can read exactly that way, and declines (returns
 * {@code null}) everything else, so the caller falls back to the driver; it never fails. Accepted: documents,
 * arrays, strings, {@code true}/{@code false}/{@code null}, and the wrappers {@code $oid}, {@code $numberInt},
 * {@code $numberLong}, {@code $numberDouble}, {@code $date} with {@code $numberLong}, {@code $timestamp} (with
 * {@code t} before {@code i}, both below 2^31). Declined: any other value (bare numbers of relaxed mode, other
 * {@code $} wrappers such as binary, regular expressions or Decimal128), any document whose first key starts with
 * {@code $} but is not one of those wrappers written exactly (a {@code $} written as an escape included),
 * ill-formed UTF-8, raw control characters, escapes other than JSON's own, lone surrogate escapes, a
 * {@code \u0000} in a key, nesting deeper than {@value #MAX_DEPTH}, and any whitespace but spaces (plus a final
 * {@code \r\n}).
 *
 * <p>Strings are copied a word at a time while the bytes are plain ASCII, as {@link StringEscaper} writes them.
 *
 * <h2>Growth</h2>
 * The BSON goes into {@code out}, which {@link #ensure} replaces by a larger copy when it runs short. So nothing may
 * hold {@code out} across a call that can grow it: not a local, and not an expression Java has begun to evaluate
 * ({@code out[at] = value()} reads {@code out} before the call, and its store lands in the old array; issue 13
 * found exactly that). Every write whose position was reserved earlier (a type byte, a size field) is made after
 * the nested call has returned, through the field. Every write is preceded, in the same method or its caller, by an
 * {@link #ensure} that covers it; nested documents and arrays grow {@code out} by up to 8 bytes per input byte
 * ({@code [[[[...}), so the first guess of the size, the line's length, is only a guess.
 *
 * <p>Not thread-safe; {@link ExtendedJsonDecoder} makes one per line.
 */
final class CanonicalLineReader {
    static final int MAX_DEPTH = 200;

    private static final byte STRING = 0x02;
    private static final byte DOCUMENT = 0x03;
    private static final byte ARRAY = 0x04;
    private static final byte OBJECT_ID = 0x07;
    private static final byte BOOLEAN = 0x08;
    private static final byte DATE = 0x09;
    private static final byte NULL = 0x0A;
    private static final byte INT32 = 0x10;
    private static final byte TIMESTAMP = 0x11;
    private static final byte INT64 = 0x12;
    private static final byte DOUBLE = 0x01;

    private static final byte[] OID = ascii("$oid");
    private static final byte[] NUMBER_INT = ascii("$numberInt");
    private static final byte[] NUMBER_LONG = ascii("$numberLong");
    private static final byte[] NUMBER_DOUBLE = ascii("$numberDouble");
    private static final byte[] DATE_KEY = ascii("$date");
    private static final byte[] TIMESTAMP_KEY = ascii("$timestamp");
    private static final byte[] T = ascii("t");
    private static final byte[] I = ascii("i");
    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] NULL_LITERAL = ascii("null");

    /** Thrown to give up on the line; preallocated and without a stack trace, as declining is control flow. */
    private static final class Decline extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Decline() {
            super(null, null, false, false);
        }
    }

    private static final Decline DECLINE = new Decline();
    /** 10^0 to 10^22: the powers of ten that are exact doubles. */
    private static final double[] POWERS_OF_TEN = new double[23];

    static {
        POWERS_OF_TEN[0] = 1;
        for (int i = 1; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    private final byte[] in;
    private final int end;
    private int p;
    private byte[] out;
    private int size;
    private int depth;

    private CanonicalLineReader(byte[] in, int offset, int end, int capacity) {
        this.in = in;
        this.p = offset;
        this.end = end;
        this.out = new byte[capacity];
    }

    /** The document on the line, or {@code null} when this reader declines the line. */
    static RawBsonDocument read(byte[] line, int offset, int length) {
        return read(line, offset, length, Math.max(64, length));
    }

    /**
     * As {@link #read(byte[], int, int)}, with the output buffer's first size given: what tests use to make it grow
     * at every byte of a document.
     */
    static RawBsonDocument read(byte[] line, int offset, int length, int initialCapacity) {
        CanonicalLineReader reader = new CanonicalLineReader(line, offset, offset + length, initialCapacity);
        try {
            return reader.line();
        } catch (Decline declined) {
            return null;
        }
    }

    private RawBsonDocument line() {
        skipSpaces();
        expect('{');
        document();
        skipSpaces();
        if (p < end && in[p] == '\r') {
            p++;
        }
        if (p < end && in[p] == '\n') {
            p++;
        }
        if (p != end) {
            throw DECLINE;
        }
        byte[] bytes = out.length - size > size / 8 ? Arrays.copyOf(out, size) : out;
        return new RawBsonDocument(bytes, 0, size);
    }

    /** After a document's {@code '{'}: its elements and the closing brace, written as a BSON document. */
    private void document() {
        int start = open();
        if (peek() == '}') {
            p++;
        } else {
            if (peek() == '"' && p + 1 < end && in[p + 1] == '$') {
                throw DECLINE; // a wrapper where a document was expected, or an unknown one
            }
            for (boolean first = true; ; first = false) {
                expect('"');
                ensure(8);
                int typeAt = size++;
                string(true);
                if (first && out[typeAt + 1] == '$') {
                    throw DECLINE; // "\u0024...": the driver reads the escaped name, so it may be a wrapper
                }
                skipSpaces();
                expect(':');
                skipSpaces();
                byte type = value(); // before the store: value() may replace out (see Growth)
                out[typeAt] = type;
                if (closedAfterValue('}')) {
                    break;
                }
            }
        }
        finish(start);
    }

    /** After an array's {@code '['}: its values and the closing bracket, written as a BSON array. */
    private void array() {
        int start = open();
        if (peek() == ']') {
            p++;
        } else {
            for (int index = 0; ; index++) {
                ensure(16);
                int typeAt = size++;
                writeIndex(index);
                byte type = value(); // before the store: value() may replace out (see Growth)
                out[typeAt] = type;
                if (closedAfterValue(']')) {
                    break;
                }
            }
        }
        finish(start);
    }

    /**
     * Opens a document or array after its bracket: one level deeper (declining past {@value #MAX_DEPTH}), room for
     * its size field, which {@link #finish} fills in, and the spaces after the bracket skipped. Returns where it starts.
     */
    private int open() {
        if (++depth > MAX_DEPTH) {
            throw DECLINE;
        }
        ensure(8);
        int start = size;
        size += 4;
        skipSpaces();
        return start;
    }

    /** After a value: true at {@code close}; false after a comma and the spaces behind it; anything else declines. */
    private boolean closedAfterValue(char close) {
        skipSpaces();
        byte next = take();
        if (next == close) {
            return true;
        }
        if (next != ',') {
            throw DECLINE;
        }
        skipSpaces();
        return false;
    }

    private void finish(int start) {
        ensure(1);
        out[size++] = 0;
        putInt32(start, size - start);
        depth--;
    }

    /** Reads one value at {@code p}, writes its BSON bytes and returns its BSON type. */
    private byte value() {
        ensure(16);
        switch (peek()) {
            case '"' -> {
                p++;
                int length = size;
                size += 4;
                string(false);
                putInt32(length, size - length - 4);
                return STRING;
            }
            case '{' -> {
                int afterBrace = ++p;
                skipSpaces();
                if (peek() == '"' && p + 1 < end && in[p + 1] == '$') {
                    return wrapper();
                }
                p = afterBrace;
                document();
                return DOCUMENT;
            }
            case '[' -> {
                p++;
                array();
                return ARRAY;
            }
            case 't' -> {
                literal(TRUE);
                out[size++] = 1;
                return BOOLEAN;
            }
            case 'f' -> {
                literal(FALSE);
                out[size++] = 0;
                return BOOLEAN;
            }
            case 'n' -> {
                literal(NULL_LITERAL);
                return NULL;
            }
            default -> throw DECLINE;
        }
    }

    /** At the {@code "$...} key of a type wrapper: reads the wrapper through its closing brace. */
    private byte wrapper() {
        p++;
        int keyStart = p;
        while (p < end && in[p] != '"') {
            p++;
        }
        int keyEnd = p;
        p++;
        skipSpaces();
        expect(':');
        skipSpaces();
        byte type;
        byte[] key = wrapperKey(keyStart, keyEnd - keyStart);
        if (key == OID) {
            writeObjectId();
            type = OBJECT_ID;
        } else if (key == NUMBER_INT) {
            long v = quotedInteger();
            if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                throw DECLINE;
            }
            putInt32(size, (int) v);
            size += 4;
            type = INT32;
        } else if (key == NUMBER_LONG) {
            putInt64(quotedInteger());
            type = INT64;
        } else if (key == NUMBER_DOUBLE) {
            putInt64(Double.doubleToRawLongBits(quotedDouble()));
            type = DOUBLE;
        } else if (key == DATE_KEY) {
            expect('{');
            skipSpaces();
            expectKey(NUMBER_LONG);
            putInt64(quotedInteger());
            skipSpaces();
            expect('}');
            type = DATE;
        } else if (key == TIMESTAMP_KEY) {
            expect('{');
            skipSpaces();
            expectKey(T);
            long seconds = bareInt();
            skipSpaces();
            expect(',');
            skipSpaces();
            expectKey(I);
            long increment = bareInt();
            skipSpaces();
            expect('}');
            putInt64(seconds << 32 | increment);
            type = TIMESTAMP;
        } else {
            throw DECLINE;
        }
        skipSpaces();
        expect('}');
        return type;
    }

    /** Expects {@code "key"} and its colon, with the spaces after. */
    private void expectKey(byte[] key) {
        expect('"');
        if (!same(p, key) || end - p < key.length + 1 || in[p + key.length] != '"') {
            throw DECLINE;
        }
        p += key.length + 1;
        skipSpaces();
        expect(':');
        skipSpaces();
    }

    /** A quoted decimal integer: optional minus and 1 to 18 digits (more are left to the driver). */
    private long quotedInteger() {
        expect('"');
        long v = digits(true);
        expect('"');
        return v;
    }

    /** An unquoted integer from 0 to 2^31 - 1, as {@code $timestamp} holds, without leading zeros. */
    private long bareInt() {
        if (peek() == '0' && p + 1 < end && in[p + 1] >= '0' && in[p + 1] <= '9') {
            throw DECLINE;
        }
        long v = digits(false);
        if (v > Integer.MAX_VALUE) {
            throw DECLINE;
        }
        return v;
    }

    private long digits(boolean signed) {
        boolean negative = signed && peek() == '-';
        if (negative) {
            p++;
        }
        int start = p;
        long v = 0;
        while (p < end && in[p] >= '0' && in[p] <= '9') {
            if (p - start == 18) {
                throw DECLINE; // 19 digits or more may overflow: the driver's parse decides
            }
            v = v * 10 + (in[p++] - '0');
        }
        if (p == start) {
            throw DECLINE;
        }
        return negative ? -v : v;
    }

    /**
     * A quoted double as the encoder writes it: digits, sign, point and exponent, or NaN and the infinities. Plain
     * decimals of at most 15 significant digits and 22 fraction digits, the common case, are computed as
     * {@code digits / 10^fractionDigits}: both operands are exact doubles, so the one correctly rounded division
     * gives the correctly rounded value, which is what {@link Double#parseDouble} returns. Everything else is
     * parsed by {@link Double#parseDouble}, as the driver does.
     */
    private double quotedDouble() {
        expect('"');
        int start = p;
        boolean negative = peek() == '-';
        int q = negative ? p + 1 : p;
        long digits = 0;
        int count = 0;
        int fraction = -1;
        for (; q < end && count <= 15; q++) {
            byte c = in[q];
            if (c >= '0' && c <= '9') {
                digits = digits * 10 + (c - '0');
                count++;
                if (fraction >= 0) {
                    fraction++;
                }
            } else if (c == '.' && fraction < 0 && count > 0) {
                fraction = 0;
            } else {
                break;
            }
        }
        if (q < end && in[q] == '"' && count > 0 && count <= 15 && fraction > 0 && fraction <= 22) {
            p = q + 1;
            double value = digits / POWERS_OF_TEN[fraction];
            return negative ? -value : value;
        }
        while (p < end && in[p] != '"') {
            byte c = in[p];
            if (!(c >= '0' && c <= '9' || c == '-' || c == '.' || c == 'E' || c == 'N' || c == 'a'
                    || c == 'I' || c == 'n' || c == 'f' || c == 'i' || c == 't' || c == 'y')) {
                throw DECLINE;
            }
            p++;
        }
        String text = new String(in, start, p - start, java.nio.charset.StandardCharsets.ISO_8859_1);
        expect('"');
        try {
            return Double.parseDouble(text);
        } catch (NumberFormatException e) {
            throw DECLINE;
        }
    }

    private void writeObjectId() {
        expect('"');
        if (end - p < 25 || in[p + 24] != '"') {
            throw DECLINE;
        }
        for (int i = 0; i < 12; i++) {
            out[size++] = (byte) (hex(in[p + 2 * i]) << 4 | hex(in[p + 2 * i + 1]));
        }
        p += 25;
    }

    private static int hex(byte c) {
        if (c >= '0' && c <= '9') {
            return c - '0';
        }
        if (c >= 'a' && c <= 'f') {
            return c - 'a' + 10;
        }
        if (c >= 'A' && c <= 'F') {
            return c - 'A' + 10;
        }
        throw DECLINE;
    }

    /**
     * After a string's opening quote: its content as UTF-8 through the closing quote, then a zero byte. Plain ASCII
     * runs are copied a word at a time; escapes are decoded; other UTF-8 is checked and copied.
     */
    private void string(boolean key) {
        // Output never outruns input here (escapes and UTF-8 shrink or keep their size), so one check serves the
        // whole string, the word copies' overhang included; the loop works on locals, written back at the end.
        ensure(end - p + 16);
        byte[] src = in;
        byte[] dst = out;
        int limit = end;
        int i = p;
        int d = size;
        while (true) {
            if (limit - i >= 8) {
                long eight = BsonBytes.int64(src, i);
                if (StringEscaper.allPlain(eight)) {
                    BsonBytes.putInt64(dst, d, eight);
                    i += 8;
                    d += 8;
                    continue;
                }
            }
            if (i >= limit) {
                throw DECLINE;
            }
            int b = src[i++] & 0xff;
            if (b == '"') {
                dst[d++] = 0;
                p = i;
                size = d;
                return;
            }
            if (b >= 0x20 && b < 0x80 && b != '\\') {
                dst[d++] = (byte) b;
                continue;
            }
            p = i;
            size = d;
            if (b == '\\') {
                escape(key);
            } else if (b < 0x20) {
                throw DECLINE;
            } else {
                utf8(b);
            }
            dst = out; // neither grows out today; re-read it so that a change there cannot write to a stale array
            i = p;
            d = size;
        }
    }

    private void escape(boolean key) {
        byte c = take();
        switch (c) {
            case '"', '\\', '/' -> out[size++] = c;
            case 'b' -> out[size++] = '\b';
            case 'f' -> out[size++] = '\f';
            case 'n' -> out[size++] = '\n';
            case 'r' -> out[size++] = '\r';
            case 't' -> out[size++] = '\t';
            case 'u' -> {
                int unit = hex4();
                int codePoint = unit;
                if (Character.isHighSurrogate((char) unit)) {
                    if (end - p < 6 || in[p] != '\\' || in[p + 1] != 'u') {
                        throw DECLINE;
                    }
                    p += 2;
                    int low = hex4();
                    if (!Character.isLowSurrogate((char) low)) {
                        throw DECLINE;
                    }
                    codePoint = Character.toCodePoint((char) unit, (char) low);
                } else if (Character.isLowSurrogate((char) unit) || (key && unit == 0)) {
                    throw DECLINE;
                }
                writeCodePoint(codePoint);
            }
            default -> throw DECLINE;
        }
    }

    private int hex4() {
        if (end - p < 4) {
            throw DECLINE;
        }
        int v = hex(in[p]) << 12 | hex(in[p + 1]) << 8 | hex(in[p + 2]) << 4 | hex(in[p + 3]);
        p += 4;
        return v;
    }

    private void writeCodePoint(int cp) {
        if (cp < 0x80) {
            out[size++] = (byte) cp;
        } else if (cp < 0x800) {
            out[size++] = (byte) (0xC0 | cp >>> 6);
            out[size++] = (byte) (0x80 | cp & 0x3F);
        } else if (cp < 0x10000) {
            out[size++] = (byte) (0xE0 | cp >>> 12);
            out[size++] = (byte) (0x80 | cp >>> 6 & 0x3F);
            out[size++] = (byte) (0x80 | cp & 0x3F);
        } else {
            out[size++] = (byte) (0xF0 | cp >>> 18);
            out[size++] = (byte) (0x80 | cp >>> 12 & 0x3F);
            out[size++] = (byte) (0x80 | cp >>> 6 & 0x3F);
            out[size++] = (byte) (0x80 | cp & 0x3F);
        }
    }

    /** Copies one well-formed multi-byte UTF-8 sequence whose first byte, {@code b0}, was just read. */
    private void utf8(int b0) {
        int n;
        int lo = 0x80;
        int hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            n = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            n = 3;
            lo = b0 == 0xE0 ? 0xA0 : 0x80;
            hi = b0 == 0xED ? 0x9F : 0xBF;
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            n = 4;
            lo = b0 == 0xF0 ? 0x90 : 0x80;
            hi = b0 == 0xF4 ? 0x8F : 0xBF;
        } else {
            throw DECLINE;
        }
        if (end - p < n - 1) {
            throw DECLINE;
        }
        int b1 = in[p] & 0xff;
        if (b1 < lo || b1 > hi) {
            throw DECLINE;
        }
        for (int i = 1; i < n - 1; i++) {
            if ((in[p + i] & 0xC0) != 0x80) {
                throw DECLINE;
            }
        }
        out[size++] = (byte) b0;
        for (int i = 0; i < n - 1; i++) {
            out[size++] = in[p++];
        }
    }

    private void writeIndex(int index) {
        ensure(12);
        if (index < 10) {
            out[size++] = (byte) ('0' + index);
        } else {
            int digits = Utf8Sink.digitCount(index);
            for (int i = digits - 1, v = index; i >= 0; i--, v /= 10) {
                out[size + i] = (byte) ('0' + v % 10);
            }
            size += digits;
        }
        out[size++] = 0;
    }

    private void literal(byte[] word) {
        if (!same(p, word)) {
            throw DECLINE;
        }
        p += word.length;
    }

    /** The wrapper key of {@code length} bytes at {@code in[from]}, picked by its length, or null for no wrapper. */
    private byte[] wrapperKey(int from, int length) {
        byte[] candidate = switch (length) {
            case 4 -> OID;
            case 5 -> DATE_KEY;
            case 10 -> length > 1 && in[from + 1] == 't' ? TIMESTAMP_KEY : NUMBER_INT;
            case 11 -> NUMBER_LONG;
            case 13 -> NUMBER_DOUBLE;
            default -> null;
        };
        return candidate != null && same(from, candidate) ? candidate : null;
    }

    /** True when the bytes at {@code in[from]} are {@code word} (and there are enough of them). */
    private boolean same(int from, byte[] word) {
        if (end - from < word.length) {
            return false;
        }
        for (int i = 0; i < word.length; i++) {
            if (in[from + i] != word[i]) {
                return false;
            }
        }
        return true;
    }

    private void skipSpaces() {
        int i = p;
        while (i < end && in[i] == ' ') {
            i++;
        }
        p = i;
    }

    private int peek() {
        return p < end ? in[p] : -1;
    }

    private byte take() {
        if (p >= end) {
            throw DECLINE;
        }
        return in[p++];
    }

    private void expect(char c) {
        if (p >= end || in[p] != c) {
            throw DECLINE;
        }
        p++;
    }

    private void ensure(int extra) {
        if (out.length - size < extra) {
            out = Arrays.copyOf(out, Math.max(out.length * 2, size + extra));
        }
    }

    private void putInt32(int at, int v) {
        out[at] = (byte) v;
        out[at + 1] = (byte) (v >>> 8);
        out[at + 2] = (byte) (v >>> 16);
        out[at + 3] = (byte) (v >>> 24);
    }

    private void putInt64(long v) {
        BsonBytes.putInt64(out, size, v);
        size += 8;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    }
}
