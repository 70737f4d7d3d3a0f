package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.BsonBytes.cstringEnd;
import static io.changestream.archiver.encode.BsonBytes.int32;
import static io.changestream.archiver.encode.BsonBytes.int64;
import static io.changestream.archiver.encode.BsonBytes.need;

import java.nio.charset.StandardCharsets;

import org.bson.BsonSerializationException;
import org.bson.ByteBuf;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.types.Decimal128;

/**
 * Turns one raw BSON document into one line of MongoDB Extended JSON v2, written straight from the
 * BSON bytes into a {@link Utf8Sink}: the hot path of archiving, run once per change event.
 *
 * <h2>Contract</h2>
 * The bytes written for a document are identical to
 * {@code doc.toJson(JsonWriterSettings.builder().outputMode(mode).build()).getBytes(UTF_8)} of the
 * MongoDB Java driver (5.2) in the same mode, followed by {@code '\n'}. Byte identity, not just
 * equivalence, is the contract: archives written by this class and by the driver's writer are
 * interchangeable, and the tests compare the two byte for byte. Where the driver's format is
 * peculiar, this class copies it: {@code ", "} and {@code ": "} separators; relaxed dates with the
 * fraction's trailing zeros removed; relaxed DBPointer written as a bare {@code {"$ref", "$id"}}
 * document (canonical mode uses {@code $dbPointer}); regular-expression options sorted; binary
 * subtype 2 written without its inner length;
 * every surrogate, and so every supplementary character, escaped (see {@link StringEscaper}).
 *
 * <p>The one exception: an event that Extended JSON cannot spell, because a document in it starts with a key the
 * driver's reader takes for a type wrapper ({@code {"$oid": "not-an-oid"}}), is written as an {@link EscapedLine}
 * instead, which every reader of ours turns back into the exact event. The check rides on the name writing (one
 * byte compared per field name); when it fires, the line written so far is rewound and the escape written in its
 * place. {@link #encodeLine} returns whether it did.
 *
 * <h2>Design</h2>
 * A single forward pass over the BSON bytes with no intermediate {@code String},
 * {@code BsonDocument} or reader object. Numbers, object ids, dates, timestamps and base64 are
 * formatted into the sink directly. Three rare cases go through the JDK for exactness, allocating a
 * short-lived string: a {@code Decimal128}, a double outside {@link DoubleFormatter}'s exact fast
 * path, and ill-formed UTF-8 (re-escaped from the driver's own decoding). Everything else allocates
 * nothing: the {@code byte[]} overload allocates only when the sink grows; the
 * {@link RawBsonDocument} overload adds the small wrapper that {@code getByteBuffer()}, the driver's
 * only way to reach the bytes, creates.
 *
 * <p>Two details follow the running JVM, exactly as the driver's writer does on the same JVM: the
 * Unicode categories behind escaping ({@code Character.getType}) and {@code Double.toString}.
 *
 * <h2>Invariants</h2>
 * Every read is bounds-checked against the enclosing document, so malformed BSON fails with a
 * {@link BsonSerializationException} naming the problem, never with an index error or garbage
 * output. When encoding fails, the sink is restored to its size before the call: a failed event
 * leaves no partial line behind. Instances hold the mode and a small scratch array, so use one
 * instance per thread.
 */
public final class ExtendedJsonEncoder {
    /** Nesting limit; deeper input is rejected instead of overflowing the stack. */
    static final int MAX_DEPTH = 1024;
    private static final byte[] HEX = ascii("0123456789abcdef");
    private static final byte[] HEX_UPPER = ascii("0123456789ABCDEF");

    private static final byte[] TRUE = ascii("true");
    private static final byte[] FALSE = ascii("false");
    private static final byte[] NULL = ascii("null");
    private static final byte[] QUOTE_BRACES = ascii("\"}}");
    private static final byte[] NUMBER_INT = ascii("{\"$numberInt\": \"");
    private static final byte[] NUMBER_LONG = ascii("{\"$numberLong\": \"");
    private static final byte[] NUMBER_DOUBLE = ascii("{\"$numberDouble\": \"");
    private static final byte[] NUMBER_DECIMAL = ascii("{\"$numberDecimal\": \"");
    private static final byte[] DATE_CANONICAL = ascii("{\"$date\": {\"$numberLong\": \"");
    private static final byte[] DATE_RELAXED = ascii("{\"$date\": \"");
    private static final byte[] OID = ascii("{\"$oid\": \"");
    private static final byte[] BINARY = ascii("{\"$binary\": {\"base64\": \"");
    private static final byte[] BINARY_SUBTYPE = ascii("\", \"subType\": \"");
    private static final byte[] TIMESTAMP = ascii("{\"$timestamp\": {\"t\": ");
    private static final byte[] TIMESTAMP_INC = ascii(", \"i\": ");
    private static final byte[] CODE = ascii("{\"$code\": ");
    private static final byte[] SCOPE = ascii(", \"$scope\": ");
    private static final byte[] SYMBOL = ascii("{\"$symbol\": ");
    private static final byte[] DB_POINTER = ascii("{\"$dbPointer\": ");
    private static final byte[] REF = ascii("{\"$ref\": ");
    private static final byte[] REF_ID = ascii(", \"$id\": ");
    private static final byte[] MIN_KEY = ascii("{\"$minKey\": 1}");
    private static final byte[] MAX_KEY = ascii("{\"$maxKey\": 1}");
    private static final byte[] UNDEFINED = ascii("{\"$undefined\": true}");
    private static final byte[] ESCAPE_FIELD = ascii("\"" + EscapedLine.FIELD + "\": ");
    private static final byte[] ESCAPE_END = ascii("\", \"subType\": \"00\"}}}");

    private final JsonMode mode;
    private final boolean relaxed;
    private final RegexWriter regexWriter = new RegexWriter();
    /** Set while writing when the output cannot be read back as what was written (see {@link EscapedLine}). */
    private boolean ambiguous;

    /**
     * @param mode {@link JsonMode#EXTENDED} for canonical Extended JSON (lossless) or
     *             {@link JsonMode#RELAXED}; the legacy {@code STRICT} and {@code SHELL} modes are not
     *             Extended JSON v2 and are rejected
     */
    public ExtendedJsonEncoder(JsonMode mode) {
        if (mode != JsonMode.EXTENDED && mode != JsonMode.RELAXED) {
            throw new IllegalArgumentException("Extended JSON mode must be EXTENDED (canonical) or RELAXED, got " + mode);
        }
        this.mode = mode;
        this.relaxed = mode == JsonMode.RELAXED;
    }

    /** The mode this encoder writes. */
    public JsonMode mode() {
        return mode;
    }

    /**
     * Appends the JSON line for {@code doc}, newline included, to {@code out}.
     *
     * @return true when the line is an {@link EscapedLine escape}, as Extended JSON cannot spell {@code doc}
     */
    public boolean encodeLine(RawBsonDocument doc, Utf8Sink out) {
        ByteBuf bytes = doc.getByteBuffer();
        return encodeLine(bytes.array(), bytes.position(), bytes.remaining(), out);
    }

    /**
     * Appends the JSON line, newline included, for the BSON document of {@code length} bytes at
     * {@code bson[offset]}.
     *
     * @return true when the line is an {@link EscapedLine escape}, as Extended JSON cannot spell the document
     * @throws BsonSerializationException when the bytes are not one well-formed BSON document; the
     *                                    sink is then left as it was
     */
    public boolean encodeLine(byte[] bson, int offset, int length, Utf8Sink out) {
        if (offset < 0 || length < 0 || offset > bson.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " and length " + length + " outside array of " + bson.length);
        }
        int mark = out.size;
        ambiguous = false;
        try {
            if (length < 5 || int32(bson, offset) != length) {
                throw new BsonSerializationException("BSON document length does not match the " + length + " bytes given");
            }
            writeDocument(bson, offset, offset + length, false, 1, out);
            boolean escaped = ambiguous;
            if (escaped) {
                out.size = mark;
                writeEscaped(bson, offset, length, out);
            }
            out.writeByte('\n');
            return escaped;
        } catch (RuntimeException e) {
            out.size = mark;
            throw e;
        }
    }

    /**
     * Writes the document or array starting at {@code start} and returns the index after it. The
     * embedded length must fit inside {@code limit}, the end of the enclosing value.
     */
    private int writeDocument(byte[] b, int start, int limit, boolean array, int depth, Utf8Sink out) {
        if (depth > MAX_DEPTH) {
            throw new BsonSerializationException("BSON nesting deeper than " + MAX_DEPTH + " levels");
        }
        need(start, 5, limit);
        int length = int32(b, start);
        if (length < 5 || length > limit - start) {
            throw new BsonSerializationException("BSON document length " + length + " at byte " + start + " is out of bounds");
        }
        int last = start + length - 1;
        if (b[last] != 0) {
            throw new BsonSerializationException("BSON document at byte " + start + " does not end with a zero byte");
        }
        out.writeByte(array ? '[' : '{');
        int p = start + 4;
        boolean first = true;
        while (p < last) {
            int type = b[p++];
            int nameEnd;
            // Either way, the room for a value of fixed size is then there (StringEscaper.ROOM_AFTER_NAME).
            if (array) {
                // Array indexes are BSON keys too, but the driver never prints them.
                out.ensure(2 + StringEscaper.ROOM_AFTER_NAME);
                if (!first) {
                    out.putPair(',', ' ');
                }
                nameEnd = cstringEnd(b, p, last);
            } else {
                if (b[p] == '$' && (first || depth == 1)) {
                    checkDollarName(b, p, last, first, depth);
                }
                nameEnd = StringEscaper.writeFieldName(b, p, last, first, out);
            }
            p = writeValue(type, b, nameEnd + 1, last, depth, out);
            first = false;
        }
        if (p != last) {
            throw new BsonSerializationException("BSON element overruns its document at byte " + p);
        }
        out.writeByte(array ? ']' : '}');
        return last + 1;
    }

    /**
     * A field name starting with {@code $} that the driver's reader would take for something else: a wrapper keyword
     * as a document's first key, or the escape's reserved name at top level. Either makes the line an escape.
     */
    private void checkDollarName(byte[] b, int p, int last, boolean first, int depth) {
        if (first && EscapedLine.isWrapperKeyword(b, p, last) || depth == 1 && EscapedLine.isReservedField(b, p, last)) {
            ambiguous = true;
        }
    }

    /**
     * Writes the {@link EscapedLine escape} of the document of {@code length} bytes at {@code b[offset]}, without
     * the newline: each routing field whose own JSON is unambiguous, then the whole document as binary.
     */
    private void writeEscaped(byte[] b, int offset, int length, Utf8Sink out) {
        int last = offset + length - 1;
        out.writeByte('{');
        boolean first = true;
        int p = offset + 4;
        while (p < last) {
            int type = b[p++];
            int fieldStart = out.size;
            boolean routing = EscapedLine.isRoutingField(b, p, last);
            ambiguous = false;
            int nameEnd = StringEscaper.writeFieldName(b, p, last, first, out);
            p = writeValue(type, b, nameEnd + 1, last, 1, out);
            if (routing && !ambiguous) {
                first = false;
            } else {
                out.size = fieldStart;
            }
        }
        ambiguous = false;
        if (!first) {
            out.writePair(',', ' ');
        }
        out.write(ESCAPE_FIELD);
        out.write(BINARY);
        Base64Writer.write(b, offset, length, out);
        out.write(ESCAPE_END);
    }

    /**
     * Writes the value of BSON type {@code type} at {@code p}; returns the index after it. On entry there is room for
     * {@link StringEscaper#ROOM_AFTER_NAME} bytes, so values of fixed size {@code put} without a capacity check;
     * values of variable size (strings, binary, regular expressions, code, documents) make their own room.
     */
    private int writeValue(int type, byte[] b, int p, int limit, int depth, Utf8Sink out) {
        switch (type) {
            case 0x01 -> {
                need(p, 8, limit);
                writeDouble(Double.longBitsToDouble(int64(b, p)), out);
                return p + 8;
            }
            case 0x02 -> {
                return writeString(b, p, limit, out);
            }
            case 0x03 -> {
                return writeDocument(b, p, limit, false, depth + 1, out);
            }
            case 0x04 -> {
                return writeDocument(b, p, limit, true, depth + 1, out);
            }
            case 0x05 -> {
                return writeBinary(b, p, limit, out);
            }
            case 0x06 -> {
                out.put(UNDEFINED);
                return p;
            }
            case 0x07 -> {
                need(p, 12, limit);
                writeObjectId(b, p, out);
                return p + 12;
            }
            case 0x08 -> {
                need(p, 1, limit);
                if (b[p] != 0 && b[p] != 1) {
                    throw new BsonSerializationException("Expected a boolean value but found " + b[p]);
                }
                out.put(b[p] == 1 ? TRUE : FALSE);
                return p + 1;
            }
            case 0x09 -> {
                need(p, 8, limit);
                writeDate(int64(b, p), out);
                return p + 8;
            }
            case 0x0A -> {
                out.put(NULL);
                return p;
            }
            case 0x0B -> {
                return regexWriter.write(b, p, limit, out);
            }
            case 0x0C -> {
                out.write(relaxed ? REF : DB_POINTER);
                if (!relaxed) {
                    out.write(REF);
                }
                int q = writeString(b, p, limit, out);
                need(q, 12, limit);
                out.write(REF_ID);
                out.ensure(StringEscaper.ROOM_AFTER_NAME);
                writeObjectId(b, q, out);
                out.writeByte('}');
                if (!relaxed) {
                    out.writeByte('}');
                }
                return q + 12;
            }
            case 0x0D, 0x0E -> {
                out.write(type == 0x0D ? CODE : SYMBOL);
                int q = writeString(b, p, limit, out);
                out.writeByte('}');
                return q;
            }
            case 0x0F -> {
                need(p, 4, limit);
                int end = p + int32(b, p);
                if (end < p + 14 || end > limit) {
                    throw new BsonSerializationException("BSON code-with-scope length at byte " + p + " is out of bounds");
                }
                out.write(CODE);
                int q = writeString(b, p + 4, end, out);
                out.write(SCOPE);
                q = writeDocument(b, q, end, false, depth + 1, out);
                if (q != end) {
                    throw new BsonSerializationException("BSON code-with-scope at byte " + p + " has inconsistent sizes");
                }
                out.writeByte('}');
                return q;
            }
            case 0x10 -> {
                need(p, 4, limit);
                writeNumber(NUMBER_INT, int32(b, p), out);
                return p + 4;
            }
            case 0x11 -> {
                need(p, 8, limit);
                out.put(TIMESTAMP);
                out.putLong(int32(b, p + 4) & 0xFFFF_FFFFL);
                out.put(TIMESTAMP_INC);
                out.putLong(int32(b, p) & 0xFFFF_FFFFL);
                out.putPair('}', '}');
                return p + 8;
            }
            case 0x12 -> {
                need(p, 8, limit);
                writeNumber(NUMBER_LONG, int64(b, p), out);
                return p + 8;
            }
            case 0x13 -> {
                need(p, 16, limit);
                // Rare in change events: exactness via the driver's own Decimal128 formatting.
                Decimal128 value = Decimal128.fromIEEE754BIDEncoding(int64(b, p + 8), int64(b, p));
                out.write(NUMBER_DECIMAL);
                out.writeAscii(value.toString());
                out.writePair('"', '}');
                return p + 16;
            }
            case -1 -> {
                out.put(MIN_KEY);
                return p;
            }
            case 0x7F -> {
                out.put(MAX_KEY);
                return p;
            }
            default -> throw new BsonSerializationException(
                    String.format("Unknown BSON type 0x%02X at byte %d", type & 0xff, p - 1));
        }
    }

    private void writeNumber(byte[] canonicalPrefix, long value, Utf8Sink out) {
        if (relaxed) {
            out.putLong(value);
        } else {
            out.put(canonicalPrefix);
            out.putLong(value);
            out.putPair('"', '}');
        }
    }

    private void writeDouble(double value, Utf8Sink out) {
        if (relaxed && !Double.isNaN(value) && !Double.isInfinite(value)) {
            DoubleFormatter.write(value, out);
        } else {
            out.put(NUMBER_DOUBLE);
            DoubleFormatter.write(value, out);
            out.putPair('"', '}');
        }
    }

    private void writeDate(long millis, Utf8Sink out) {
        if (relaxed && IsoDateFormatter.inRange(millis)) {
            out.put(DATE_RELAXED);
            IsoDateFormatter.write(millis, out);
            out.putPair('"', '}');
        } else {
            out.put(DATE_CANONICAL);
            out.putLong(millis);
            out.put(QUOTE_BRACES);
        }
    }

    /** A BSON string: int32 byte count (with the terminating zero), UTF-8 bytes, zero. */
    private static int writeString(byte[] b, int p, int limit, Utf8Sink out) {
        need(p, 4, limit);
        int size = int32(b, p);
        if (size <= 0) {
            throw new BsonSerializationException("While decoding a BSON string found a size that is not a positive number: " + size);
        }
        int contentStart = p + 4;
        need(contentStart, size, limit);
        int zero = contentStart + size - 1;
        if (b[zero] != 0) {
            throw new BsonSerializationException("Found a BSON string that is not null-terminated");
        }
        StringEscaper.writeQuoted(b, contentStart, size - 1, out);
        return zero + 1;
    }

    /** An object id in a value's room (see {@link #writeValue}); the DBPointer's own id makes room first. */
    private static void writeObjectId(byte[] b, int p, Utf8Sink out) {
        out.put(OID);
        byte[] dst = out.buf;
        int d = out.size;
        for (int i = 0; i < 12; i++) {
            int v = b[p + i] & 0xff;
            dst[d++] = HEX[v >>> 4];
            dst[d++] = HEX[v & 0xf];
        }
        dst[d] = '"';
        dst[d + 1] = '}';
        out.size = d + 2;
    }

    private static int writeBinary(byte[] b, int p, int limit, Utf8Sink out) {
        need(p, 5, limit);
        int size = int32(b, p);
        int subtype = b[p + 4] & 0xff;
        int data = p + 5;
        if (size < 0) {
            throw new BsonSerializationException("BSON binary size " + size + " at byte " + p + " is negative");
        }
        need(data, size, limit);
        int end = data + size;
        if (subtype == 0x02) {
            // The legacy "old binary" subtype repeats the length inside the data; the driver strips it.
            if (size < 4 || int32(b, data) != size - 4) {
                throw new BsonSerializationException("Binary sub type OldBinary has inconsistent sizes");
            }
            data += 4;
        }
        out.write(BINARY);
        Base64Writer.write(b, data, end - data, out);
        out.write(BINARY_SUBTYPE);
        out.ensure(2);
        out.buf[out.size++] = HEX_UPPER[subtype >>> 4];
        out.buf[out.size++] = HEX_UPPER[subtype & 0xf];
        out.write(QUOTE_BRACES);
        return end;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
