package io.changestream.archiver.encode;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/**
 * Turns a run of events bound for one file into the bytes appended to it, and their SHA-256 for the flush log: one
 * Extended JSON line per event, in order, each ending in {@code \n}; with gzip, the whole run as one complete gzip
 * member, so the file stays a valid multi-member gzip stream after every flush.
 *
 * <p>Lines are written straight from each event's raw BSON into one reused buffer by {@link ExtendedJsonEncoder}
 * (byte-identical to the driver's writer), so encoding allocates nothing per event. The output is hashed (and, with
 * gzip, compressed) a {@value #CHUNK}-byte chunk at a time as it is written, while the chunk is still in the CPU's
 * caches: hashing a flush of many megabytes after the fact would read it all back from memory. Not thread-safe:
 * each collection's writer owns one, and its flushes never overlap.
 */
public final class SegmentEncoder {
    /** Bytes of output hashed or compressed at a time: well inside a core's L2 cache. */
    static final int CHUNK = 32 * 1024;
    private final ExtendedJsonEncoder lines;
    private final Compression compression;
    private final Utf8Sink plain = new Utf8Sink(64 * 1024);
    private final Buffer gzipped = new Buffer();
    private final MessageDigest sha256 = newSha256();

    /**
     * Bytes ready to append, {@code data[0, length)}, valid until the next {@link #encode} call, their SHA-256, and
     * how many of the events were written as {@link EscapedLine escapes}.
     */
    public record Encoded(byte[] data, int length, String sha256, int escaped) {
    }

    public SegmentEncoder(JsonMode mode, Compression compression) {
        this.lines = new ExtendedJsonEncoder(mode == JsonMode.RELAXED
                ? org.bson.json.JsonMode.RELAXED : org.bson.json.JsonMode.EXTENDED);
        this.compression = compression;
    }

    public Encoded encode(List<ChangeEvent> events) {
        plain.reset();
        sha256.reset();
        int escaped = 0;
        if (compression == Compression.NONE) {
            int hashed = 0;
            for (ChangeEvent e : events) {
                if (lines.encodeLine(e.array(), e.arrayOffset(), e.byteSize(), plain)) {
                    escaped++;
                }
                if (plain.size() - hashed >= CHUNK) {
                    sha256.update(plain.array(), hashed, plain.size() - hashed);
                    hashed = plain.size();
                }
            }
            sha256.update(plain.array(), hashed, plain.size() - hashed);
            return new Encoded(plain.array(), plain.size(), hex(sha256), escaped);
        }
        gzipped.reset();
        try (GZIPOutputStream gz = new GZIPOutputStream(gzipped, CHUNK)) {
            for (ChangeEvent e : events) {
                if (lines.encodeLine(e.array(), e.arrayOffset(), e.byteSize(), plain)) {
                    escaped++;
                }
                if (plain.size() >= CHUNK) {
                    plain.writeTo(gz);
                    plain.reset();
                }
            }
            plain.writeTo(gz);
        } catch (IOException e) {
            throw new UncheckedIOException("gzip of an in-memory buffer failed", e);
        }
        sha256.update(gzipped.array(), 0, gzipped.size());
        return new Encoded(gzipped.array(), gzipped.size(), hex(sha256), escaped);
    }

    /**
     * The flush log's SHA-256, in lower-case hex, of {@code length} bytes at {@code data[offset]}: what
     * {@link Encoded#sha256()} holds for encoded bytes, for bytes found in the store.
     */
    public static String sha256Hex(byte[] data, int offset, int length) {
        MessageDigest digest = newSha256();
        digest.update(data, offset, length);
        return hex(digest);
    }

    /** Completes a digest fed bytes by bytes (a streamed file) into the flush log's lower-case hex. */
    public static String hex(MessageDigest digest) {
        return HexFormat.of().formatHex(digest.digest());
    }

    /** A fresh SHA-256 digest, for hashing stored bytes as they stream by; complete it with {@link #hex}. */
    public static MessageDigest newSha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
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
