package io.changestream.archiver.encode;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Turns a run of events bound for one file into the bytes appended to it: one Extended JSON line per event, in
 * order, each ending in {@code \n}; with gzip, the whole run as one complete gzip member, so the file stays a valid
 * multi-member gzip stream after every flush.
 *
 * <p>Lines are written straight from each event's raw BSON into one reused buffer by {@link ExtendedJsonEncoder}
 * (byte-identical to the driver's writer), so encoding allocates nothing per event. Not thread-safe: each
 * collection's writer owns one, and its flushes never overlap.
 */
public final class SegmentEncoder {
    private final ExtendedJsonEncoder lines;
    private final Compression compression;
    private final Utf8Sink plain = new Utf8Sink(64 * 1024);
    private final Buffer gzipped = new Buffer();

    /** Bytes ready to append: {@code data[0, length)}. Valid until the next {@link #encode} call. */
    public record Encoded(byte[] data, int length) {
    }

    public SegmentEncoder(JsonMode mode, Compression compression) {
        this.lines = new ExtendedJsonEncoder(mode == JsonMode.RELAXED
                ? org.bson.json.JsonMode.RELAXED : org.bson.json.JsonMode.EXTENDED);
        this.compression = compression;
    }

    public Encoded encode(List<ChangeEvent> events) {
        plain.reset();
        for (ChangeEvent e : events) {
            lines.encodeLine(e.raw(), plain);
        }
        if (compression == Compression.NONE) {
            return new Encoded(plain.array(), plain.size());
        }
        gzipped.reset();
        try (GZIPOutputStream gz = new GZIPOutputStream(gzipped, 64 * 1024)) {
            gz.write(plain.array(), 0, plain.size());
        } catch (IOException e) {
            throw new UncheckedIOException("gzip of an in-memory buffer failed", e);
        }
        return new Encoded(gzipped.array(), gzipped.size());
    }

    /** A reusable output buffer whose array can be handed out without a copy. */
    private static final class Buffer extends ByteArrayOutputStream {
        Buffer() {
            super(64 * 1024);
        }

        byte[] array() {
            return buf;
        }
    }
}
