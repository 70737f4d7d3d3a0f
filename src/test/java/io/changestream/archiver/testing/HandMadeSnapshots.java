package io.changestream.archiver.testing;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import org.bson.BsonTimestamp;

/**
 * Snapshot folders written by hand into a plain (not gzipped) archive, in the layout and manifest format
 * {@code snapshot/SnapshotWriter} uses, with any start and end: a complete one-document snapshot whose manifest
 * verify accepts, or a folder holding a part and no manifest. The tracker is not touched; a test records what it
 * needs there itself.
 */
public final class HandMadeSnapshots {
    private final ArchiveStore store;
    private final SnapshotLayout layout;

    public HandMadeSnapshots(ArchiveStore store, SnapshotCatalog catalog) {
        this.store = store;
        this.layout = catalog.layout();
    }

    /** A complete one-document snapshot of {@code collection} from {@code start} to {@code end}. */
    public SnapshotManifest complete(String collection, BsonTimestamp start, BsonTimestamp end) {
        String id = SnapshotLayout.id(start);
        byte[] line = ("{\"_id\": {\"$numberLong\": \"" + start.getValue() + "\"}}\n")
                .getBytes(StandardCharsets.UTF_8);
        ArchiveFile part = layout.part(collection, id, 0);
        store.append(part, 0, line, 0, line.length);
        Instant at = Instant.ofEpochSecond(start.getTime() & 0xFFFF_FFFFL);
        SnapshotManifest m = new SnapshotManifest(collection, id, start, end, JsonMode.CANONICAL, Compression.NONE,
                List.of(new SnapshotManifest.Part(part.fileName(), 1, line.length,
                        SegmentEncoder.sha256Hex(line, 0, line.length))), at, at);
        byte[] json = m.toJson();
        store.append(layout.manifest(collection, id), 0, json, 0, json.length);
        return m;
    }

    /** A snapshot folder of {@code collection} starting at {@code start} with one part and no manifest; its id. */
    public String incomplete(String collection, BsonTimestamp start) {
        String id = SnapshotLayout.id(start);
        byte[] line = "{\"_id\": 1}\n".getBytes(StandardCharsets.UTF_8);
        store.append(layout.part(collection, id, 0), 0, line, 0, line.length);
        return id;
    }
}
