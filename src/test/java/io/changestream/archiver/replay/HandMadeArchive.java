package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * Writes archive files by hand, as the service would (same layout and encoder), from change events shaped like
 * MongoDB's: for the events the in-process server never emits (drop, rename, updateDescription) and for damage.
 */
final class HandMadeArchive {
    /** 2024-01-11T19:06:40Z: events at {@code BASE + n} seconds fall in hour 19 for n below 3200. */
    static final int BASE = 1_705_000_000;

    final LocalArchiveStore store;

    HandMadeArchive(Path root) {
        this.store = new LocalArchiveStore(root);
    }

    /** An event at {@code BASE + second}, ordinal {@code inc}, with a unique resume token. */
    static ChangeEvent event(int second, int inc, String json) {
        BsonDocument e = BsonDocument.parse(json);
        e.put("_id", new BsonDocument("_data", new BsonString(String.format("82%08X%08X", BASE + second, inc))));
        e.put("clusterTime", new BsonTimestamp(BASE + second, inc));
        e.putIfAbsent("ns", BsonDocument.parse("{db: 'shop', coll: 'people'}"));
        return ChangeEvent.of(new RawBsonDocument(e, new BsonDocumentCodec()));
    }

    /** Appends the events to their collection's file of their hour, as one flush would. */
    ArchiveFile append(String collection, Compression compression, List<ChangeEvent> events) {
        SegmentEncoder.Encoded encoded = new SegmentEncoder(JsonMode.CANONICAL, compression).encode(events);
        byte[] bytes = java.util.Arrays.copyOf(encoded.data(), encoded.length());
        return appendBytes(collection, compression, events.get(0).clusterTime(), bytes);
    }

    ArchiveFile appendBytes(String collection, Compression compression, BsonTimestamp hourOf, byte[] bytes) {
        ArchiveFile file = new ArchiveLayout("", compression).file(collection, HourSlot.of(hourOf));
        store.append(file, store.length(file), bytes, 0, bytes.length);
        return file;
    }

    ArchiveFile appendText(String collection, BsonTimestamp hourOf, String text) {
        return appendBytes(collection, Compression.NONE, hourOf, text.getBytes(StandardCharsets.UTF_8));
    }

    static Instant at(int second) {
        return Instant.ofEpochSecond(BASE + second);
    }
}
