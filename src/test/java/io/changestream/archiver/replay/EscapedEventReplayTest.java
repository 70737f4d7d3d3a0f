package io.changestream.archiver.replay;

import static io.changestream.archiver.replay.HandMadeArchive.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.UpdateOneModel;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.store.LocalArchiveStore;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 13, finding 7, at replay: events whose documents hold keys that look like type wrappers are archived as
 * escaped lines, and replay applies them with exactly the documents the server sent, in either mode.
 */
class EscapedEventReplayTest {
    private static final String FULL = "{_id: 1, ref: {'$oid': 'not-an-oid'}, n: {'$numberLong': '5'},"
            + " list: [{'$date': {'$numberLong': '5'}}, {'$regex': 'a', '$options': 'i'}], plain: 'x'}";

    @TempDir
    Path root;

    @ParameterizedTest
    @EnumSource(JsonMode.class)
    void replayAppliesEscapedEventsWithTheExactOriginalDocuments(JsonMode mode) {
        // BsonDocument.parse reads JSON, so the wrapper-looking documents are built as documents first.
        BsonDocument fullDocument = documentWithWrapperKeys();
        ChangeEvent insert = withFullDocument(event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}}"),
                fullDocument);
        ChangeEvent update = withUpdatedFields(event(2, 1, "{operationType: 'update', documentKey: {_id: 1}}"),
                new BsonDocument("a.b", fullDocument.get("ref")).append("c", fullDocument.get("n")));
        List<ChangeEvent> events = List.of(insert, update);
        SegmentEncoder.Encoded encoded = new SegmentEncoder(mode, Compression.NONE).encode(events);
        assertThat(encoded.escaped()).isEqualTo(2);
        new HandMadeArchive(root).appendBytes("people", Compression.NONE, insert.clusterTime(),
                Arrays.copyOf(encoded.data(), encoded.length()));
        RecordingTarget target = new RecordingTarget();

        ReplaySummary summary = new Replayer(new ArchiveCatalog(new LocalArchiveStore(root), ""), target,
                Clock.systemUTC(), null).replay(new ReplayOptions(List.of("people"), ReplayWindow.ALL, Map.of(),
                DdlPolicy.STOP, 2));

        assertThat(summary.succeeded()).as(ReplaySummaryText.render(summary)).isTrue();
        assertThat(target.writes).hasSize(2);
        RawBsonDocument replacement = (RawBsonDocument) ((ReplaceOneModel<RawBsonDocument>) target.writes.get(0))
                .getReplacement();
        assertThat(bytes(replacement)).isEqualTo(bytes(new RawBsonDocument(fullDocument, new BsonDocumentCodec())));
        BsonDocument set = ((BsonDocument) ((UpdateOneModel<RawBsonDocument>) target.writes.get(1)).getUpdate())
                .getDocument("$set");
        assertThat(set).isEqualTo(new BsonDocument("a.b", fullDocument.get("ref")).append("c", fullDocument.get("n")));
    }

    private static BsonDocument documentWithWrapperKeys() {
        // Parsed as JSON, {'$oid': ...} would become an ObjectId: rebuild each wrapper-looking value as a document.
        BsonDocument parsed = BsonDocument.parse(FULL.replace("'$", "'_$"));
        return (BsonDocument) undoPrefix(parsed);
    }

    private static org.bson.BsonValue undoPrefix(org.bson.BsonValue value) {
        if (value.isDocument()) {
            BsonDocument copy = new BsonDocument();
            value.asDocument().forEach((k, v) -> copy.put(k.startsWith("_$") ? k.substring(1) : k, undoPrefix(v)));
            return copy;
        }
        if (value.isArray()) {
            List<org.bson.BsonValue> values = new ArrayList<>();
            value.asArray().forEach(v -> values.add(undoPrefix(v)));
            return new org.bson.BsonArray(values);
        }
        return value;
    }

    private static ChangeEvent withFullDocument(ChangeEvent event, BsonDocument fullDocument) {
        BsonDocument e = event.raw().decode(new BsonDocumentCodec());
        e.put("fullDocument", fullDocument);
        return ChangeEvent.of(new RawBsonDocument(e, new BsonDocumentCodec()));
    }

    private static ChangeEvent withUpdatedFields(ChangeEvent event, BsonDocument updatedFields) {
        BsonDocument e = event.raw().decode(new BsonDocumentCodec());
        e.put("updateDescription", new BsonDocument("updatedFields", updatedFields)
                .append("removedFields", new org.bson.BsonArray()));
        return ChangeEvent.of(new RawBsonDocument(e, new BsonDocumentCodec()));
    }

    private static byte[] bytes(RawBsonDocument document) {
        var buffer = document.getByteBuffer();
        return Arrays.copyOfRange(buffer.array(), buffer.position(), buffer.position() + buffer.remaining());
    }
}
