package io.changestream.archiver.capture;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import org.bson.ByteBuf;
import org.bson.RawBsonDocument;

/**
 * Where the bytes of a {@link RawBsonDocument} sit: its array, offset and length, read once per captured event.
 *
 * <p>The driver's only public way there, {@link RawBsonDocument#getByteBuffer()}, wraps the array in a fresh
 * {@code HeapByteBuffer} and {@code ByteBufNIO} on every call, and the JIT often declines to inline the
 * {@code ByteBuffer} constructors ("callee uses too much stack"), so those two objects are really allocated and
 * initialised per event. A profile put 8% of the pipeline's CPU time on 500-byte events there (much of it, it turned
 * out, the first touch of the event, which moves elsewhere); measured A against B, reading the fields is worth a few
 * percent. This class reads the document's three private final fields through {@link VarHandle}s that the JIT folds
 * into plain field loads.
 *
 * <p>That relies on the driver's field names ({@code bytes}, {@code offset}, {@code length}, unchanged since the
 * class was written) and on {@code org.bson} being open to this code, as every package on the class path is. So the
 * handles are only used after a probe at class load has shown them to give exactly what {@code getByteBuffer()}
 * gives; if anything differs or fails (a renamed field, a module that is not open), every call takes
 * {@code getByteBuffer()} instead, which is correct, only slower. {@link #readsFieldsDirectly()} tells which.
 */
final class DriverBytes {
    private static final VarHandle BYTES;
    private static final VarHandle OFFSET;
    private static final VarHandle LENGTH;
    private static final boolean DIRECT;

    static {
        VarHandle bytes = null;
        VarHandle offset = null;
        VarHandle length = null;
        boolean direct = false;
        try {
            MethodHandles.Lookup fields = MethodHandles.privateLookupIn(RawBsonDocument.class, MethodHandles.lookup());
            bytes = fields.findVarHandle(RawBsonDocument.class, "bytes", byte[].class);
            offset = fields.findVarHandle(RawBsonDocument.class, "offset", int.class);
            length = fields.findVarHandle(RawBsonDocument.class, "length", int.class);
            direct = agreesWithTheDriver(bytes, offset, length);
        } catch (ReflectiveOperationException | RuntimeException unavailable) {
            direct = false;
        }
        BYTES = bytes;
        OFFSET = offset;
        LENGTH = length;
        DIRECT = direct;
    }

    /** What is done with a document's bytes: {@code length} bytes at {@code array[offset]}, shared, not copied. */
    @FunctionalInterface
    interface Reader<T> {
        T read(byte[] array, int offset, int length);
    }

    private DriverBytes() {
    }

    /** True when documents are read through their fields, false when through {@code getByteBuffer()}. */
    static boolean readsFieldsDirectly() {
        return DIRECT;
    }

    /** Hands {@code raw}'s bytes, where they sit, to {@code reader}. */
    static <T> T read(RawBsonDocument raw, Reader<T> reader) {
        if (DIRECT) {
            return reader.read((byte[]) BYTES.get(raw), (int) OFFSET.get(raw), (int) LENGTH.get(raw));
        }
        ByteBuf buffer = raw.getByteBuffer();
        return reader.read(buffer.array(), buffer.position(), buffer.remaining());
    }

    /** A document five bytes into a larger array must show the same array, offset and length both ways. */
    private static boolean agreesWithTheDriver(VarHandle bytes, VarHandle offset, VarHandle length) {
        byte[] probe = {9, 9, 9, 9, 9, 5, 0, 0, 0, 0, 9};
        RawBsonDocument empty = new RawBsonDocument(probe, 5, 5);
        ByteBuf viaDriver = empty.getByteBuffer();
        return bytes.get(empty) == viaDriver.array() && (int) offset.get(empty) == viaDriver.position()
                && (int) length.get(empty) == viaDriver.remaining();
    }
}
