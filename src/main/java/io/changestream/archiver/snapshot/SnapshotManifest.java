package io.changestream.archiver.snapshot;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.json.JsonWriterSettings;

/**
 * A complete snapshot's {@code manifest.json}, written last: its presence is what makes the snapshot usable. One
 * relaxed Extended JSON document (timestamps as {@code {"$timestamp": {"t", "i"}}}):
 *
 * <pre>
 * {"format": 1, "collection": "orders", "snapshot": "20261203T210823Z-0000000005",
 *  "start": {"$timestamp": ...}, "end": {"$timestamp": ...}, "jsonMode": "canonical", "compression": "gzip",
 *  "parts": [{"file": "part-00000.json.gz", "documents": 51234, "bytes": 9123456, "sha256": "…"}, …],
 *  "documents": 51234, "bytes": 9123456, "startedAt": {"$date": …}, "completedAt": {"$date": …}}
 * </pre>
 *
 * @param start T0: every document was read at or after it, and the archive holds every event from it
 * @param end   a cluster time at or after every read: the snapshot serves restores to any time at or after it
 */
public record SnapshotManifest(String collection, String id, BsonTimestamp start, BsonTimestamp end,
                               JsonMode jsonMode, Compression compression, List<Part> parts,
                               Instant startedAt, Instant completedAt) {
    static final int FORMAT = 1;
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder()
            .outputMode(org.bson.json.JsonMode.RELAXED).build();

    /** One part file, named relative to the snapshot's folder. */
    public record Part(String file, long documents, long bytes, String sha256) {
    }

    public SnapshotManifest {
        parts = List.copyOf(parts);
        if (end.compareTo(start) < 0) {
            throw new IllegalArgumentException("snapshot " + id + " of " + collection + " ends before it starts");
        }
    }

    public long documents() {
        return parts.stream().mapToLong(Part::documents).sum();
    }

    public long bytes() {
        return parts.stream().mapToLong(Part::bytes).sum();
    }

    public byte[] toJson() {
        BsonArray list = new BsonArray();
        for (Part p : parts) {
            list.add(new BsonDocument("file", new BsonString(p.file())).append("documents", new BsonInt64(p.documents()))
                    .append("bytes", new BsonInt64(p.bytes())).append("sha256", new BsonString(p.sha256())));
        }
        BsonDocument d = new BsonDocument("format", new BsonInt32(FORMAT))
                .append("collection", new BsonString(collection)).append("snapshot", new BsonString(id))
                .append("start", start).append("end", end)
                .append("jsonMode", new BsonString(jsonMode.name().toLowerCase(Locale.ROOT)))
                .append("compression", new BsonString(compression.name().toLowerCase(Locale.ROOT)))
                .append("parts", list).append("documents", new BsonInt64(documents()))
                .append("bytes", new BsonInt64(bytes()))
                .append("startedAt", new BsonDateTime(startedAt.toEpochMilli()))
                .append("completedAt", new BsonDateTime(completedAt.toEpochMilli()));
        return (d.toJson(RELAXED) + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /** @throws IllegalArgumentException naming what is wrong when the bytes are not a manifest */
    public static SnapshotManifest parse(byte[] json) {
        try {
            BsonDocument d = BsonDocument.parse(new String(json, StandardCharsets.UTF_8));
            if (d.getNumber("format").intValue() != FORMAT) {
                throw new IllegalArgumentException("unknown manifest format " + d.get("format"));
            }
            List<Part> parts = new ArrayList<>();
            for (BsonValue v : d.getArray("parts")) {
                BsonDocument p = v.asDocument();
                parts.add(new Part(p.getString("file").getValue(), p.getNumber("documents").longValue(),
                        p.getNumber("bytes").longValue(), p.getString("sha256").getValue()));
            }
            SnapshotManifest m = new SnapshotManifest(d.getString("collection").getValue(),
                    d.getString("snapshot").getValue(), d.getTimestamp("start"), d.getTimestamp("end"),
                    JsonMode.valueOf(d.getString("jsonMode").getValue().toUpperCase(Locale.ROOT)),
                    Compression.valueOf(d.getString("compression").getValue().toUpperCase(Locale.ROOT)), parts,
                    Instant.ofEpochMilli(d.getDateTime("startedAt").getValue()),
                    Instant.ofEpochMilli(d.getDateTime("completedAt").getValue()));
            if (m.documents() != d.getNumber("documents").longValue() || m.bytes() != d.getNumber("bytes").longValue()) {
                throw new IllegalArgumentException("its totals do not add up to its parts");
            }
            return m;
        } catch (org.bson.BsonInvalidOperationException | org.bson.json.JsonParseException | ClassCastException
                 | NullPointerException e) {
            throw new IllegalArgumentException("not a snapshot manifest: " + e.getMessage(), e);
        }
    }
}
