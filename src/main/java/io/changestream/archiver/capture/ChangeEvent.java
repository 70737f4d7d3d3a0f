package io.changestream.archiver.capture;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bson.BsonDocument;
import org.bson.BsonSerializationException;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * One change event as the server sent it, kept as raw BSON from the wire to the file. Only the fields the pipeline
 * routes on are read out of it: the resume token ({@code _id}), {@code clusterTime} and {@code operationType}.
 *
 * <h2>Memory</h2>
 * Buffers hold events by the hundred thousand, and {@code BUFFER_MAX_BYTES} counts their BSON bytes, so an event must
 * cost little more than those bytes on the heap. Hence:
 * <ul>
 *   <li>The routing fields are found by one scan over the top-level fields of the raw bytes and kept as primitives:
 *       the cluster time as its 64-bit value, the resume token as the offset of its sub-document (a
 *       {@link RawBsonDocument} view over the event's own bytes is made when asked for, as the driver's
 *       {@code get("_id")} does), the operation type as a shared constant for the types the server sends. Beside its
 *       bytes an event holds this object and the array header, about 56 bytes.</li>
 *   <li>The driver hands an event over in the array it grew while piping the event out of the reply: its output
 *       buffer grows by doubling or by 128 bytes past the need, so a small event can sit in an array a quarter or
 *       more larger than itself. {@link #of} keeps that array: in steady state an event lives for one flush, and
 *       copying every event to save that slack would cost more than it saves. Only events that stay buffered
 *       longer, because their buffer is already due for a flush that cannot keep up, are {@link #compact}ed by the
 *       buffer to their exact size, so a backlog's heap tracks its bytes.</li>
 * </ul>
 *
 * <p>Immutable. Two events are equal when their BSON bytes are.
 */
public final class ChangeEvent {
    /** The {@code operationType} of the event that ends a stream (collection dropped or renamed). */
    public static final String INVALIDATE = "invalidate";
    /** Operation types the server sends, shared instead of one decoded string per buffered event. */
    private static final String[] KNOWN_TYPES = {"insert", "update", "replace", "delete", "drop", "rename",
        "dropDatabase", INVALIDATE, "create", "createIndexes", "dropIndexes", "modify", "shardCollection",
        "refineCollectionShardKey", "reshardCollection"};
    private static final byte[][] KNOWN_TYPE_BYTES = Arrays.stream(KNOWN_TYPES)
            .map(t -> t.getBytes(StandardCharsets.UTF_8)).toArray(byte[][]::new);
    /** The routing fields' names as BSON writes them, with their terminating zero byte. */
    private static final byte[] ID = {'_', 'i', 'd', 0};
    private static final byte[] CLUSTER_TIME = "clusterTime\0".getBytes(StandardCharsets.UTF_8);
    private static final byte[] OPERATION_TYPE = "operationType\0".getBytes(StandardCharsets.UTF_8);

    private static final byte DOCUMENT = 0x03;
    private static final byte STRING = 0x02;
    private static final byte TIMESTAMP = 0x11;

    private final byte[] bytes;
    private final int offset;
    private final int tokenOffset;
    private final int byteSize;
    private final long clusterTime;
    private final String operationType;

    private ChangeEvent(byte[] bytes, int offset, int tokenOffset, int byteSize, long clusterTime,
                        String operationType) {
        this.bytes = bytes;
        this.offset = offset;
        this.tokenOffset = tokenOffset;
        this.byteSize = byteSize;
        this.clusterTime = clusterTime;
        this.operationType = operationType;
    }

    /**
     * Reads the routing fields out of a raw change event; rejects a document that is not one. Where a field name
     * repeats, its first occurrence counts, as with {@link RawBsonDocument#get}.
     *
     * @throws IllegalArgumentException  when {@code _id} is not a document, {@code clusterTime} not a timestamp or
     *                                   {@code operationType} not a string (or one is missing)
     * @throws BsonSerializationException when the top level of the document is not well-formed BSON
     */
    public static ChangeEvent of(RawBsonDocument raw) {
        return DriverBytes.read(raw, ChangeEvent::scan);
    }

    /**
     * This event in an array of its exact size when the array it sits in has more than an eighth of slack; else
     * this event. For events that will stay buffered a while.
     */
    public ChangeEvent compact() {
        if (bytes.length - byteSize <= byteSize / 8) {
            return this;
        }
        return new ChangeEvent(Arrays.copyOfRange(bytes, offset, offset + byteSize), 0, tokenOffset - offset, byteSize,
                clusterTime, operationType);
    }

    /** One pass over the top-level fields, stopping once the three routing fields have been seen. */
    private static ChangeEvent scan(byte[] b, int offset, int length) {
        if (length < 5 || int32(b, offset) != length || b[offset + length - 1] != 0) {
            throw new BsonSerializationException("not a BSON document: its size field does not match its "
                    + length + " bytes");
        }
        int end = offset + length - 1;
        int p = offset + 4;
        int idType = -1;
        int idAt = -1;
        int timeType = -1;
        int timeAt = -1;
        int opType = -1;
        int opAt = -1;
        while (p < end && (idType < 0 || timeType < 0 || opType < 0)) {
            byte type = b[p++];
            // The three names differ in their first byte, which picks the one name (zero byte included) to compare.
            byte[] routing = switch (b[p]) {
                case '_' -> ID;
                case 'c' -> CLUSTER_TIME;
                case 'o' -> OPERATION_TYPE;
                default -> null;
            };
            boolean routed = routing != null && end - p >= routing.length
                    && Arrays.equals(b, p, p + routing.length, routing, 0, routing.length);
            p = routed ? p + routing.length : cstringEnd(b, p, end) + 1;
            int value = p;
            p = skipValue(type, b, p, end);
            if (!routed) {
                continue;
            }
            if (routing == ID) {
                if (idType < 0) {
                    idType = type;
                    idAt = value;
                }
            } else if (routing == CLUSTER_TIME) {
                if (timeType < 0) {
                    timeType = type;
                    timeAt = value;
                }
            } else if (opType < 0) {
                opType = type;
                opAt = value;
            }
        }
        if (idType != DOCUMENT || timeType != TIMESTAMP || opType != STRING) {
            throw new IllegalArgumentException("not a change event (needs _id document, clusterTime timestamp and "
                    + "operationType string): fields " + new RawBsonDocument(b, offset, length).keySet());
        }
        return new ChangeEvent(b, offset, idAt, length, int64(b, timeAt), operationType(b, opAt));
    }

    /** The string at {@code p} (a BSON string: int32 size, UTF-8 bytes, zero), shared when it is a known type. */
    private static String operationType(byte[] b, int p) {
        int size = int32(b, p);
        int start = p + 4;
        int textLength = size - 1;
        for (int i = 0; i < KNOWN_TYPE_BYTES.length; i++) {
            if (KNOWN_TYPE_BYTES[i].length == textLength && named(b, start, KNOWN_TYPE_BYTES[i])) {
                return KNOWN_TYPES[i];
            }
        }
        return new String(b, start, textLength, StandardCharsets.UTF_8);
    }

    /** True when the {@code name.length} bytes at {@code b[start]} are {@code name}. */
    private static boolean named(byte[] b, int start, byte[] name) {
        for (int i = 0; i < name.length; i++) {
            if (b[start + i] != name[i]) {
                return false;
            }
        }
        return true;
    }

    /** The position after the value of BSON type {@code type} starting at {@code p}; it must end by {@code end}. */
    private static int skipValue(byte type, byte[] b, int p, int end) {
        int next = switch (type) {
            case 0x01, 0x09, 0x11, 0x12 -> p + 8;                  // double, date, timestamp, int64
            case 0x02, 0x0D, 0x0E -> stringEnd(b, p, end);         // string, code, symbol
            case 0x03, 0x04, 0x0F -> p + sizeField(b, p, end, 5, 0); // document, array, code with scope
            case 0x05 -> p + 5 + sizeField(b, p, end, 0, 5);       // binary: size, subtype, bytes
            case 0x06, 0x0A, (byte) 0xFF, 0x7F -> p;               // undefined, null, min key, max key
            case 0x07 -> p + 12;                                    // object id
            case 0x08 -> p + 1;                                     // boolean
            case 0x0B -> cstringEnd(b, cstringEnd(b, p, end) + 1, end) + 1; // regex: pattern, options
            case 0x0C -> stringEnd(b, p, end) + 12;                 // DBPointer: namespace, object id
            case 0x10 -> p + 4;                                     // int32
            case 0x13 -> p + 16;                                    // decimal128
            default -> throw new BsonSerializationException("unknown BSON type 0x"
                    + Integer.toHexString(type & 0xff) + " at byte " + (p - 1));
        };
        if (next > end || next < p) {
            throw new BsonSerializationException("a BSON value at byte " + p + " runs past the end of its document");
        }
        return next;
    }

    /** The end of the BSON string at {@code p}: int32 size (at least 1, counting the final zero), then the bytes. */
    private static int stringEnd(byte[] b, int p, int end) {
        int size = sizeField(b, p, end, 1, 4);
        if (b[p + 4 + size - 1] != 0) {
            throw new BsonSerializationException("a BSON string at byte " + p + " is not null-terminated");
        }
        return p + 4 + size;
    }

    /**
     * The int32 size at {@code p}: at least {@code min}, and the {@code header} bytes from {@code p} plus the size
     * must fit before {@code end} (a document's size counts its own size field: header 0; a string's does not:
     * header 4; a binary's neither its size nor its subtype: header 5).
     */
    private static int sizeField(byte[] b, int p, int end, int min, int header) {
        if (end - p < 4) {
            throw new BsonSerializationException("a BSON size field at byte " + p + " runs past its document");
        }
        int size = int32(b, p);
        if (size < min || size > end - p - header) {
            throw new BsonSerializationException("a BSON value at byte " + p + " has an invalid size " + size);
        }
        return size;
    }

    private static int cstringEnd(byte[] b, int p, int end) {
        for (int i = p; i < end; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        throw new BsonSerializationException("a BSON field name at byte " + p + " is not null-terminated");
    }

    private static int int32(byte[] b, int p) {
        return (b[p] & 0xff) | (b[p + 1] & 0xff) << 8 | (b[p + 2] & 0xff) << 16 | (b[p + 3] & 0xff) << 24;
    }

    private static long int64(byte[] b, int p) {
        return (int32(b, p) & 0xFFFFFFFFL) | (long) int32(b, p + 4) << 32;
    }

    /** The whole event, byte for byte: a view over the event's own bytes. */
    public RawBsonDocument raw() {
        return new RawBsonDocument(bytes, offset, byteSize);
    }

    /**
     * The array holding the event's BSON at {@link #arrayOffset()}, {@link #byteSize()} bytes long, for encoders
     * that read the bytes in place. Shared, not copied: it must not be modified.
     */
    public byte[] array() {
        return bytes;
    }

    /** Where the event's BSON starts in {@link #array()}. */
    public int arrayOffset() {
        return offset;
    }

    /** The event's {@code _id}: a view over the event's own bytes. */
    public BsonDocument resumeToken() {
        return new RawBsonDocument(bytes, tokenOffset, int32(bytes, tokenOffset));
    }

    /** The event's {@code clusterTime}; decides its hour file. */
    public BsonTimestamp clusterTime() {
        return new BsonTimestamp(clusterTime);
    }

    /** {@code insert}, {@code update}, … as sent. */
    public String operationType() {
        return operationType;
    }

    /** True for the {@code invalidate} event that ends a stream: capture goes on {@code startAfter} it. */
    public boolean isInvalidate() {
        return INVALIDATE.equals(operationType);
    }

    /** Size of the raw BSON in bytes: what buffers and memory budgets count. */
    public int byteSize() {
        return byteSize;
    }

    @Override
    public boolean equals(Object o) {
        return o == this || o instanceof ChangeEvent other
                && Arrays.equals(bytes, offset, offset + byteSize, other.bytes, other.offset, other.offset + byteSize);
    }

    @Override
    public int hashCode() {
        int hash = 1;
        for (int i = offset; i < offset + byteSize; i++) {
            hash = 31 * hash + bytes[i];
        }
        return hash;
    }

    @Override
    public String toString() {
        return "ChangeEvent[" + operationType + " at " + clusterTime() + ", " + byteSize + " bytes]";
    }
}
