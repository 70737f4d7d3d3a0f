package io.changestream.archiver.bench;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeEvent;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import java.util.List;
import org.bson.RawBsonDocument;
import org.bson.codecs.RawBsonDocumentCodec;

/**
 * Retained heap per byte of buffered BSON: what {@code BUFFER_MAX_BYTES} really costs in heap.
 *
 * <p>A {@link CollectionBuffer} is filled with {@code targetBytes} of change events, each obtained
 * exactly as the driver's change stream cursor hands it over: {@code RawBsonDocument.decode(new
 * RawBsonDocumentCodec())} of the event, which pipes it into a fresh growing output buffer and
 * wraps that buffer's array, slack included. Each goes through {@link ChangeEvent#of} and
 * {@link CollectionBuffer#add}, as capture does, into a buffer with the default flush thresholds
 * ({@code FLUSH_MAX_EVENTS}, {@code FLUSH_MAX_BYTES}) that is never flushed: a buffer only grows past
 * them while its store is down or slow, which is when its heap matters. The heap in use is read after forcing full
 * collections ({@code System.gc()} until the figure settles) before and after the fill; the
 * difference, over the buffered BSON bytes ({@link CollectionBuffer#bytes()}), is the result.
 * Everything the buffer holds counts: event bytes and their arrays' slack, the objects around them,
 * the deque.
 */
final class BufferHeap {
    private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
    private static final RawBsonDocumentCodec RAW = new RawBsonDocumentCodec();

    private BufferHeap() {
    }

    static double bytesPerBufferedByte(List<RawBsonDocument> samples, long targetBytes) {
        long before = settledHeapUsed();
        CollectionBuffer buffer = new CollectionBuffer(new MemoryBudget(Long.MAX_VALUE),
                PipelineThroughput.FLUSH_MAX_EVENTS, PipelineThroughput.FLUSH_MAX_BYTES);
        for (int i = 0; buffer.bytes() < targetBytes; i = i + 1 == samples.size() ? 0 : i + 1) {
            buffer.add(ChangeEvent.of(samples.get(i).decode(RAW)));
        }
        long after = settledHeapUsed();
        double perByte = (after - before) / (double) buffer.bytes();
        Reference.reachabilityFence(buffer);
        return perByte;
    }

    /** Heap in use after full collections, repeated until two readings agree within 0.1%. */
    private static long settledHeapUsed() {
        long previous = Long.MAX_VALUE;
        for (int i = 0; i < 10; i++) {
            System.gc();
            long used = MEMORY.getHeapMemoryUsage().getUsed();
            if (Math.abs(previous - used) < used / 1000) {
                return used;
            }
            previous = used;
        }
        return previous;
    }
}
