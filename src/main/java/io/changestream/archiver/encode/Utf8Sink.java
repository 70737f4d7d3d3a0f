package io.changestream.archiver.encode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A growable, reusable byte buffer that the encoders write UTF-8 text into.
 *
 * <p>Design: one sink is owned by one thread and reused for many events ({@link #reset()} between
 * batches), so steady-state encoding allocates nothing once the array has grown to the largest
 * batch. The bytes {@code [0, size())} of {@link #array()} are the content; nothing past
 * {@code size()} is meaningful.
 *
 * <p>Invariants: {@code 0 <= size <= buf.length}; the buffer only grows (doubling, so appends are
 * amortised O(1)); the content is always what was written, in order. The package-private
 * {@code write} helpers make room for what they write; the {@code put} helpers (and the others where
 * that is stated) assume the caller has already called {@link #ensure(int)} for it, which keeps the
 * hot paths free of a capacity check per write.
 *
 * <p>Not thread-safe.
 */
public final class Utf8Sink {
    /** Largest array the JVM reliably allocates; growth stops here with a clear error. */
    private static final int MAX_CAPACITY = Integer.MAX_VALUE - 8;
    private static final byte[] LONG_MIN_DIGITS = "-9223372036854775808".getBytes(StandardCharsets.US_ASCII);
    /** The longest decimal form of a {@code long}: {@code Long.MIN_VALUE}'s. */
    static final int MAX_LONG_LENGTH = 20;
    /** "00".."99": two digits per table look-up halves the divisions when printing numbers. */
    private static final byte[] DIGIT_PAIRS = new byte[200];
    /** 10^i for i from 1 to 18; index 0 holds 0, not 1, so that {@link #digitCount} counts 0 as one digit. */
    private static final long[] POWERS_OF_TEN = new long[19];

    static {
        for (int i = 0; i < 100; i++) {
            DIGIT_PAIRS[2 * i] = (byte) ('0' + i / 10);
            DIGIT_PAIRS[2 * i + 1] = (byte) ('0' + i % 10);
        }
        POWERS_OF_TEN[1] = 10;
        for (int i = 2; i < POWERS_OF_TEN.length; i++) {
            POWERS_OF_TEN[i] = POWERS_OF_TEN[i - 1] * 10;
        }
    }

    byte[] buf;
    int size;

    /** Creates a sink with a 64 KiB initial capacity, enough for a typical flush without growth. */
    public Utf8Sink() {
        this(64 * 1024);
    }

    /**
     * Creates a sink with the given initial capacity.
     *
     * @param initialCapacity bytes to allocate up front; must be positive
     */
    public Utf8Sink(int initialCapacity) {
        if (initialCapacity <= 0) {
            throw new IllegalArgumentException("initialCapacity must be positive, got " + initialCapacity);
        }
        this.buf = new byte[initialCapacity];
    }

    /** Forgets the content but keeps the allocated array for reuse. */
    public void reset() {
        size = 0;
    }

    /** Number of content bytes. */
    public int size() {
        return size;
    }

    /**
     * Cuts the content back to {@code newSize} bytes, for example to drop a partly written line.
     *
     * @param newSize between 0 and {@link #size()}
     */
    public void truncate(int newSize) {
        if (newSize < 0 || newSize > size) {
            throw new IllegalArgumentException("newSize must be between 0 and " + size + ", got " + newSize);
        }
        size = newSize;
    }

    /**
     * The backing array, valid in {@code [0, size())}. It is shared, not copied, and is replaced when
     * the sink grows, so do not keep it across writes.
     */
    public byte[] array() {
        return buf;
    }

    /** A copy of the content. */
    public byte[] toByteArray() {
        return Arrays.copyOf(buf, size);
    }

    /** Writes the content to {@code out}; the sink is left unchanged. */
    public void writeTo(OutputStream out) throws IOException {
        out.write(buf, 0, size);
    }

    /** Makes room for {@code extra} more bytes after {@link #size()}. */
    void ensure(int extra) {
        if (extra > buf.length - size) {
            grow(extra);
        }
    }

    private void grow(int extra) {
        long needed = (long) size + extra;
        if (needed > MAX_CAPACITY) {
            throw new IllegalStateException("Utf8Sink cannot hold " + needed + " bytes; the limit is " + MAX_CAPACITY);
        }
        long doubled = Math.max((long) buf.length * 2, needed);
        buf = Arrays.copyOf(buf, (int) Math.min(doubled, MAX_CAPACITY));
    }

    void writeByte(int b) {
        ensure(1);
        buf[size++] = (byte) b;
    }

    /** Appends two ASCII chars, the {@code ", "} and {@code ": "} separators, without an array copy. */
    void writePair(char first, char second) {
        ensure(2);
        putPair(first, second);
    }

    /** {@link #writePair} where the caller has already ensured the room. */
    void putPair(char first, char second) {
        buf[size] = (byte) first;
        buf[size + 1] = (byte) second;
        size += 2;
    }

    /** Appends bytes that are already valid output (ASCII literals, raw UTF-8). */
    void write(byte[] src) {
        write(src, 0, src.length);
    }

    void write(byte[] src, int off, int len) {
        ensure(len);
        System.arraycopy(src, off, buf, size, len);
        size += len;
    }

    /** {@link #write(byte[])} where the caller has already ensured the room. */
    void put(byte[] src) {
        System.arraycopy(src, 0, buf, size, src.length);
        size += src.length;
    }

    /** Appends an ASCII-only string, used only off the hot path (fallback number formats). */
    void writeAscii(String ascii) {
        int len = ascii.length();
        ensure(len);
        for (int i = 0; i < len; i++) {
            buf[size + i] = (byte) ascii.charAt(i);
        }
        size += len;
    }

    /** Appends the decimal form of {@code v}, exactly as {@link Long#toString(long)} prints it. */
    void writeLong(long v) {
        ensure(MAX_LONG_LENGTH);
        putLong(v);
    }

    /** {@link #writeLong} where the caller has already ensured {@value #MAX_LONG_LENGTH} bytes of room. */
    void putLong(long v) {
        if (v == Long.MIN_VALUE) {
            put(LONG_MIN_DIGITS);
            return;
        }
        if (v < 0) {
            buf[size++] = '-';
            v = -v;
        }
        int digits = digitCount(v);
        writeDigits(v, size + digits);
        size += digits;
    }

    /**
     * Writes the digits of non-negative {@code v} so that the last one lands at {@code end - 1},
     * zero-padding on the left down to wherever the caller started; capacity must be ensured.
     */
    void writeDigits(long v, int end) {
        int p = end;
        while (v > Integer.MAX_VALUE) {
            // One long division per eight digits; the eight are then written with int arithmetic, which is cheaper.
            long high = v / 100_000_000;
            int low = (int) (v - high * 100_000_000);
            int upper = low / 10_000;
            int lower = low - upper * 10_000;
            p = writeFourDigits(lower, p);
            p = writeFourDigits(upper, p);
            v = high;
        }
        int i = (int) v;
        while (i >= 100) {
            int pair = i % 100;
            i /= 100;
            buf[--p] = DIGIT_PAIRS[2 * pair + 1];
            buf[--p] = DIGIT_PAIRS[2 * pair];
        }
        if (i >= 10) {
            buf[--p] = DIGIT_PAIRS[2 * i + 1];
            buf[--p] = DIGIT_PAIRS[2 * i];
        } else {
            buf[--p] = (byte) ('0' + i);
        }
    }

    /** Writes exactly four digits of {@code v} (0 to 9999) so that the last lands at {@code end - 1}; returns the first. */
    private int writeFourDigits(int v, int end) {
        int upper = v / 100;
        int lower = v - upper * 100;
        buf[end - 1] = DIGIT_PAIRS[2 * lower + 1];
        buf[end - 2] = DIGIT_PAIRS[2 * lower];
        buf[end - 3] = DIGIT_PAIRS[2 * upper + 1];
        buf[end - 4] = DIGIT_PAIRS[2 * upper];
        return end - 4;
    }

    /** Appends exactly two digits of {@code v} (0 to 99); capacity must be ensured. */
    void writeTwoDigits(int v) {
        buf[size] = DIGIT_PAIRS[2 * v];
        buf[size + 1] = DIGIT_PAIRS[2 * v + 1];
        size += 2;
    }

    /** Appends exactly {@code width} digits of {@code v}, zero-padded; capacity must be ensured. */
    void writePadded(long v, int width) {
        int end = size + width;
        for (int p = size; p < end; p++) {
            buf[p] = '0';
        }
        if (v != 0) {
            writeDigits(v, end);
        }
        size = end;
    }

    /** Decimal digits of non-negative {@code v}: from its bit length, corrected by one comparison. */
    static int digitCount(long v) {
        // 1233 / 4096 is just above log10(2), so guess is floor(log10(v)) or one more than it.
        int guess = ((64 - Long.numberOfLeadingZeros(v | 1)) * 1233) >>> 12;
        return guess + (v >= POWERS_OF_TEN[guess] ? 1 : 0);
    }
}
