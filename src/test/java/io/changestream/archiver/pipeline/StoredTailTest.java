package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.capture.StreamContinuation;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Recovery's reading of what lies beyond the checkpoint: change events are adopted, anything else is a conflict. */
class StoredTailTest {
    private static final int BASE = 1_705_000_000;
    private static final ArchiveFile FILE = new ArchiveFile("people/2024-01-11-19.json");

    @TempDir
    Path root;

    /**
     * Issue 13, finding 1: recovery refused such lines as "not a change event" and left the collection stuck. Where
     * the reader's buffer grows depends on what precedes the array, so every length up to 1400 is tried, one line
     * each, in one tail.
     */
    @Test
    void finding1_linesWithLongArraysOfTinyValuesBeyondTheCheckpointAreAdopted() {
        java.io.ByteArrayOutputStream lines = new java.io.ByteArrayOutputStream();
        BsonArray letters = new BsonArray();
        for (int n = 1; n <= 1400; n++) {
            letters.add(new BsonString(String.valueOf((char) ('a' + n % 26))));
            lines.writeBytes(encoded(event(n, new BsonDocument("letters", letters))));
        }
        LocalArchiveStore store = store(lines.toByteArray());

        StoredTail tail = StoredTail.read(store, FILE, 0, Compression.NONE, fromTheStart());

        assertThat(tail.events()).hasSize(1400);
        assertThat(tail.events().get(1399).raw().getDocument("fullDocument").getArray("letters")).isEqualTo(letters);
    }

    /** Issue 13, finding 6: a line no reader can read beyond the checkpoint is a conflict naming file, offset, why. */
    @Test
    void finding6_anUnreadableLineBeyondTheCheckpointIsAConflictNamingFileOffsetAndReason() {
        String[][] cases = {
            {"{\"a\\u0000b\": \"x\"}", "null character"},
            {"{\"r\": {\"$regularExpression\": {\"pattern\": \"a\\u0000\", \"options\": \"\"}}}", "null character"},
            {"{\"deep\": " + "[".repeat(1100) + "]".repeat(1100) + "}", "Maximum serialization depth"},
            {"{\"_id\": {\"$oid\": \"not-hex\"}}", "hexString"},
        };
        for (String[] c : cases) {
            byte[] good = encoded(event(1, new BsonDocument()));
            byte[] bad = line(2, c[0]).getBytes(StandardCharsets.UTF_8);
            LocalArchiveStore store = store(good, bad);

            assertThatThrownBy(() -> StoredTail.read(store, FILE, 0, Compression.NONE, fromTheStart())).as(c[0])
                    .isInstanceOf(StoreConflictException.class)
                    .hasMessageContaining(FILE.toString())
                    .hasMessageContaining("offset " + good.length)
                    .hasMessageContaining(c[1]);
        }
    }

    private static StreamContinuation fromTheStart() {
        return StreamContinuation.after("people", Optional.empty(), Optional.empty());
    }

    private LocalArchiveStore store(byte[]... lines) {
        LocalArchiveStore store = new LocalArchiveStore(root);
        if (store.length(FILE) > 0) {
            store.truncate(FILE, 0);
        }
        for (byte[] line : lines) {
            store.append(FILE, store.length(FILE), line, 0, line.length);
        }
        return store;
    }

    private static ChangeEvent event(int second, BsonDocument fullDocument) {
        BsonDocument e = new BsonDocument("_id", new BsonDocument("_data",
                new BsonString(String.format("82%08X%08X", BASE + second, 1))))
                .append("operationType", new BsonString("insert"))
                .append("clusterTime", new BsonTimestamp(BASE + second, 1))
                .append("ns", BsonDocument.parse("{db: 'shop', coll: 'people'}"))
                .append("documentKey", new BsonDocument("_id", new BsonInt32(second)))
                .append("fullDocument", fullDocument);
        return ChangeEvent.of(new RawBsonDocument(e, new BsonDocumentCodec()));
    }

    private static byte[] encoded(ChangeEvent event) {
        SegmentEncoder.Encoded encoded = new SegmentEncoder(JsonMode.CANONICAL, Compression.NONE)
                .encode(List.of(event));
        return Arrays.copyOf(encoded.data(), encoded.length());
    }

    /** A canonical insert event whose full document is the JSON {@code fullDocument}, plus "\n". */
    private static String line(int second, String fullDocument) {
        return "{\"_id\": {\"_data\": \"" + String.format("82%08X%08X", BASE + second, 1)
                + "\"}, \"operationType\": \"insert\", \"clusterTime\": {\"$timestamp\": {\"t\": "
                + (BASE + second) + ", \"i\": 1}}, \"ns\": {\"db\": \"shop\", \"coll\": \"people\"}, "
                + "\"documentKey\": {\"_id\": {\"$numberInt\": \"" + second + "\"}}, \"fullDocument\": " + fullDocument
                + "}\n";
    }
}
