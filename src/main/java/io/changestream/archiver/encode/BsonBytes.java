package io.changestream.archiver.encode;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

import org.bson.BsonSerializationException;

/**
 * Bounds-checked reads of BSON's little-endian primitives straight from a byte array.
 *
 * <p>Every read that could run past the current value takes the {@code limit} (exclusive end) of
 * the enclosing value, and a violation is a {@link BsonSerializationException} with the byte
 * offset, in the driver's wording where it has one. This is what keeps malformed input from
 * turning into index errors or garbage output in {@link ExtendedJsonEncoder}.
 */
final class BsonBytes {
    private static final VarHandle INT32 = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT64 = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private BsonBytes() {
    }

    /** Fails unless {@code n} bytes starting at {@code p} lie before {@code limit}. */
    static void need(int p, int n, int limit) {
        if (n > limit - p) {
            throw new BsonSerializationException("While decoding a BSON document " + n + " bytes were required at byte "
                    + p + ", but only " + Math.max(0, limit - p) + " remain");
        }
    }

    /** Index of the zero byte ending the C string at {@code p}; it must lie before {@code limit}. */
    static int cstringEnd(byte[] b, int p, int limit) {
        int i = p;
        // Eight bytes at a time while none of them is zero; then byte by byte to find which one.
        while (limit - i >= 8 && !hasZeroByte(int64(b, i))) {
            i += 8;
        }
        for (; i < limit; i++) {
            if (b[i] == 0) {
                return i;
            }
        }
        throw new BsonSerializationException("Found a BSON string that is not null-terminated at byte " + p);
    }

    /** True when any of the eight bytes of {@code x} is zero (exact, whatever the other bytes). */
    static boolean hasZeroByte(long x) {
        return ((x - 0x0101010101010101L) & ~x & 0x8080808080808080L) != 0;
    }

    /** The int32 at {@code p}; the caller has checked the bounds. */
    static int int32(byte[] b, int p) {
        return (int) INT32.get(b, p);
    }

    /** The int64 at {@code p}; the caller has checked the bounds. */
    static long int64(byte[] b, int p) {
        return (long) INT64.get(b, p);
    }

    /** Stores eight bytes as read by {@link #int64}, so a get/put pair copies them unchanged. */
    static void putInt64(byte[] b, int p, long v) {
        INT64.set(b, p, v);
    }
}
