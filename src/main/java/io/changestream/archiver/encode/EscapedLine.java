package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.BsonBytes.cstringEnd;
import static io.changestream.archiver.encode.BsonBytes.int32;
import static io.changestream.archiver.encode.BsonBytes.need;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import org.bson.BsonBinary;
import org.bson.BsonBinaryReader;
import org.bson.BsonBinarySubType;
import org.bson.BsonDocument;
import org.bson.BsonSerializationException;
import org.bson.BsonValue;
import org.bson.ByteBuf;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.bson.json.JsonMode;
import org.bson.json.JsonParseException;

/**
 * The archive's lossless escape: how an event that Extended JSON v2 cannot spell unambiguously is written, and how
 * it is recognised and read back.
 *
 * <h2>Why</h2>
 * Extended JSON tells a type wrapper from a document only by its first key: a reader that opens a document whose
 * first key is {@code "$oid"}, {@code "$numberLong"}, … reads it as that type. Since MongoDB 5.0 such names are legal
 * field names, so a user document {@code {"$numberLong": "5"}} is written exactly like the int64 5, and
 * {@code {"$oid": "not-an-oid"}} like nothing any reader accepts. No spelling in Extended JSON v2 says "this is a
 * document", so such an event has no faithful line of its own.
 *
 * <h2>What triggers it</h2>
 * {@link ExtendedJsonEncoder} escapes an event when a document anywhere in it (embedded documents, documents inside
 * arrays, the scope of code-with-scope) has one of {@link #KEYWORDS} as its <em>first</em> key: exactly the names
 * the driver's {@code JsonReader} (5.2) tries as a wrapper when it opens a document, {@code visitExtendedJSON};
 * a {@code $} name anywhere else, or any other {@code $} name, is read back as the field it is and needs no
 * escape. It also escapes an event whose top level has a field named {@value #FIELD}, which would otherwise read
 * back as an escape. The check costs one byte comparison per field name on the encoder's path; the keyword list is
 * only consulted for a document whose first key starts with {@code $}.
 *
 * <h2>Shape</h2>
 * One JSON line like any other, in the encoder's mode: a copy of the event's routing fields ({@link #ROUTING},
 * those present, in the event's order, each only when its own Extended JSON is unambiguous), then the whole event's
 * BSON as canonical binary under the reserved name {@value #FIELD}:
 * <pre>{"_id": {"_data": "82…"}, "operationType": "insert", "clusterTime": {"$timestamp": {"t": 1732241047, "i": 3}},
 *  "ns": {"db": "shop", "coll": "orders"}, "documentKey": {"_id": 7},
 *  "$escapedEvent": {"$binary": {"base64": "…", "subType": "00"}}}</pre>
 *
 * <h2>Reading</h2>
 * {@link #unwrap} runs on every decoded line: a line whose top-level document has a field {@value #FIELD} is an
 * escape, and decodes to the event in its binary, byte for byte. Distrust, as everywhere on the read path: the
 * binary must be one well-formed BSON document of subtype 0, the line may hold nothing but routing fields besides
 * it, and each routing field must be the event's own (as canonical or relaxed Extended JSON gives it back), so what
 * a tool reads from the line and what replay reads from the binary cannot disagree. Anything else is a
 * {@link JsonParseException} naming the problem.
 */
public final class EscapedLine {
    /** The reserved top-level field holding the escaped event's BSON. */
    public static final String FIELD = "$escapedEvent";

    /** The driver's type-wrapper keywords, as they would be spelt as a first key (the order is the driver's). */
    static final List<String> KEYWORDS = List.of("$binary", "$type", "$uuid", "$regex", "$options", "$code", "$date",
            "$maxKey", "$minKey", "$oid", "$regularExpression", "$symbol", "$timestamp", "$undefined", "$numberLong",
            "$numberInt", "$numberDouble", "$numberDecimal", "$dbPointer");

    /** Top-level fields copied into an escaped line for tools that route or filter by them. */
    static final List<String> ROUTING = List.of("_id", "operationType", "clusterTime", "wallTime", "ns",
            "documentKey");

    private static final byte[][] KEYWORD_NAMES = cstrings(KEYWORDS);
    private static final byte[][] ROUTING_NAMES = cstrings(ROUTING);
    private static final byte[] FIELD_NAME = cstrings(List.of(FIELD))[0];
    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();
    private static final DecoderContext CONTEXT = DecoderContext.builder().build();

    private EscapedLine() {
    }

    /** True when the field name (a C string) at {@code b[p]}, which starts with {@code $}, is a wrapper keyword. */
    static boolean isWrapperKeyword(byte[] b, int p, int limit) {
        for (byte[] keyword : KEYWORD_NAMES) {
            if (nameEquals(b, p, limit, keyword)) {
                return true;
            }
        }
        return false;
    }

    static boolean isReservedField(byte[] b, int p, int limit) {
        return nameEquals(b, p, limit, FIELD_NAME);
    }

    static boolean isRoutingField(byte[] b, int p, int limit) {
        for (byte[] name : ROUTING_NAMES) {
            if (nameEquals(b, p, limit, name)) {
                return true;
            }
        }
        return false;
    }

    /** True when the C string at {@code b[p]} is {@code name} (given with its zero byte). */
    private static boolean nameEquals(byte[] b, int p, int limit, byte[] name) {
        if (limit - p < name.length) {
            return false;
        }
        for (int i = 0; i < name.length; i++) {
            if (b[p + i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    /**
     * The event a decoded line stands for: {@code line} itself, or, when it is an escape, the event in its binary.
     *
     * @throws JsonParseException when the line has the reserved field but is not a valid escape
     */
    static RawBsonDocument unwrap(RawBsonDocument line) {
        ByteBuf buffer = line.getByteBuffer();
        byte[] b = buffer.array();
        int start = buffer.position();
        if (!hasTopLevelField(b, start, start + buffer.remaining())) {
            return line;
        }
        return unescape(line);
    }

    /** Walks the top-level elements of the well-formed document at {@code b[start]} looking for {@value #FIELD}. */
    private static boolean hasTopLevelField(byte[] b, int start, int end) {
        int last = end - 1;
        int p = start + 4;
        while (p < last) {
            int type = b[p++];
            if (isReservedField(b, p, last)) {
                return true;
            }
            p = valueEnd(type, b, cstringEnd(b, p, last) + 1, last);
        }
        return false;
    }

    /** The index after the value of BSON type {@code type} at {@code p}. */
    private static int valueEnd(int type, byte[] b, int p, int limit) {
        return switch (type) {
            case 0x01, 0x09, 0x11, 0x12 -> p + 8;
            case 0x02, 0x0D, 0x0E -> {
                need(p, 4, limit);
                yield p + 4 + int32(b, p);
            }
            case 0x03, 0x04, 0x0F -> {
                need(p, 4, limit);
                yield p + int32(b, p);
            }
            case 0x05 -> {
                need(p, 4, limit);
                yield p + 5 + int32(b, p);
            }
            case 0x06, 0x0A, 0x7F, -1 -> p;
            case 0x07 -> p + 12;
            case 0x08 -> p + 1;
            case 0x0B -> cstringEnd(b, cstringEnd(b, p, limit) + 1, limit) + 1;
            case 0x0C -> {
                need(p, 4, limit);
                yield p + 4 + int32(b, p) + 12;
            }
            case 0x10 -> p + 4;
            case 0x13 -> p + 16;
            default -> throw new BsonSerializationException(
                    String.format("Unknown BSON type 0x%02X at byte %d", type & 0xff, p - 1));
        };
    }

    private static RawBsonDocument unescape(RawBsonDocument line) {
        BsonBinary binary = null;
        for (Map.Entry<String, BsonValue> field : line.entrySet()) {
            if (field.getKey().equals(FIELD)) {
                if (binary != null) {
                    throw new JsonParseException("Escaped line holds the field " + FIELD + " twice");
                }
                if (!field.getValue().isBinary()
                        || field.getValue().asBinary().getType() != BsonBinarySubType.BINARY.getValue()) {
                    throw new JsonParseException("Escaped line's field " + FIELD + " is not binary of subtype 00 but "
                            + field.getValue().getBsonType());
                }
                binary = field.getValue().asBinary();
            } else if (!ROUTING.contains(field.getKey())) {
                throw new JsonParseException("Escaped line holds the field '" + field.getKey()
                        + "', which is not one of the routing fields " + ROUTING);
            }
        }
        byte[] bytes = binary.getData();
        BsonDocument event;
        try {
            if (bytes.length < 5 || int32(bytes, 0) != bytes.length) {
                throw new BsonSerializationException("the document length does not match the " + bytes.length
                        + " bytes given");
            }
            event = CODEC.decode(new BsonBinaryReader(ByteBuffer.wrap(bytes)), CONTEXT);
        } catch (RuntimeException e) {
            throw new JsonParseException("Escaped line's " + FIELD + " is not one BSON document: " + e.getMessage());
        }
        for (Map.Entry<String, BsonValue> field : line.entrySet()) {
            String name = field.getKey();
            if (!name.equals(FIELD) && !sameField(name, field.getValue(), event.get(name))) {
                throw new JsonParseException("Escaped line's routing field '" + name
                        + "' differs from the event's own");
            }
        }
        return new RawBsonDocument(bytes);
    }

    /** True when {@code copy} is {@code original} as canonical or relaxed Extended JSON gives it back. */
    private static boolean sameField(String name, BsonValue copy, BsonValue original) {
        if (original == null) {
            return false;
        }
        if (copy.equals(original)) {
            return true;
        }
        Utf8Sink relaxed = new Utf8Sink(64);
        new ExtendedJsonEncoder(JsonMode.RELAXED).encodeLine(
                new RawBsonDocument(new BsonDocument(name, original), CODEC), relaxed);
        String json = new String(relaxed.array(), 0, relaxed.size(), StandardCharsets.UTF_8);
        return copy.equals(new ExtendedJsonDecoder().decodeLine(json).get(name));
    }

    private static byte[][] cstrings(List<String> names) {
        byte[][] bytes = new byte[names.size()][];
        for (int i = 0; i < names.size(); i++) {
            byte[] name = names.get(i).getBytes(StandardCharsets.UTF_8);
            bytes[i] = java.util.Arrays.copyOf(name, name.length + 1);
        }
        return bytes;
    }
}
