package io.changestream.archiver.encode;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPOutputStream;
import org.bson.json.JsonWriterSettings;

/**
 * Turns a run of events bound for one file into the bytes appended to it: one Extended JSON line per event, in
 * order, each ending in {@code \n}; with gzip, the whole run as one complete gzip member, so the file stays a valid
 * multi-member gzip stream after every flush.
 */
public final class SegmentEncoder {
    private final JsonWriterSettings settings;
    private final Compression compression;

    public SegmentEncoder(JsonMode mode, Compression compression) {
        this.settings = JsonWriterSettings.builder()
                .outputMode(mode == JsonMode.RELAXED ? org.bson.json.JsonMode.RELAXED : org.bson.json.JsonMode.EXTENDED)
                .build();
        this.compression = compression;
    }

    public byte[] encode(List<ChangeEvent> events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(events.size() * 512);
        for (ChangeEvent e : events) {
            out.writeBytes(e.raw().toJson(settings).getBytes(StandardCharsets.UTF_8));
            out.write('\n');
        }
        return compression == Compression.GZIP ? gzip(out.toByteArray()) : out.toByteArray();
    }

    private static byte[] gzip(byte[] plain) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(plain.length / 4 + 64);
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 64 * 1024)) {
            gz.write(plain);
        } catch (IOException e) {
            throw new UncheckedIOException("gzip of an in-memory buffer failed", e);
        }
        return out.toByteArray();
    }
}
