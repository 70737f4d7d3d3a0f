package io.changestream.archiver.bench;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.WriteModel;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonValue;

/**
 * A stand-in for the replay engine ({@code io.changestream.archiver.replay}, built on another branch and not on
 * main yet), so that {@code bench/run} can measure replay's apply path now. It does per event what that engine's
 * {@code Replayer} does, with the classes main has: read each hour file of the collection from the
 * {@link ArchiveStore} in order, cut it into lines ({@link ArchiveLines}), decode each line back to raw BSON
 * ({@link ExtendedJsonDecoder}, the decoder the engine's {@code LineDecoder} is meant to switch to; today it parses
 * with the same driver {@code JsonReader}), wrap it as a {@link ChangeEvent}, plan its writes as the engine's
 * {@code WritePlanner} does (insert and replace: replace by {@code _id} with upsert; update with
 * {@code updateDescription}: {@code $set} of {@code updatedFields} and {@code $unset} of {@code removedFields};
 * delete: delete by {@code documentKey}), and send them in ordered bulk writes of {@link #BATCH_SIZE}, the engine's
 * default. Per-event accounting and DDL handling, which the benchmark's events do not exercise, are left out.
 *
 * <p>Once the replay engine is on main, {@link ReplayRatio} should drive its {@code Replayer} instead and this
 * class should go.
 */
final class InterimReplayPath {
    static final int BATCH_SIZE = 1000;
    private static final ExtendedJsonDecoder DECODER = new ExtendedJsonDecoder();
    private static final BulkWriteOptions ORDERED = new BulkWriteOptions().ordered(true);
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

    private InterimReplayPath() {
    }

    /** Replays every archived event of {@code collection} into {@code target}; returns how many events it applied. */
    static long replay(ArchiveStore store, ArchiveLayout layout, String collection,
                       MongoCollection<BsonDocument> target) {
        long events = 0;
        List<WriteModel<BsonDocument>> batch = new ArrayList<>(BATCH_SIZE);
        for (ArchiveFile file : store.list(layout.folder(collection))) {
            for (ArchiveLines.Unit unit : ArchiveLines.split(readAll(store, file), layout.compression()).units()) {
                for (byte[] line : unit.lines()) {
                    plan(ChangeEvent.of(DECODER.decodeLine(line, 0, line.length)), batch);
                    events++;
                    if (batch.size() >= BATCH_SIZE) {
                        target.bulkWrite(batch, ORDERED);
                        batch.clear();
                    }
                }
            }
        }
        if (!batch.isEmpty()) {
            target.bulkWrite(batch, ORDERED);
        }
        return events;
    }

    private static void plan(ChangeEvent event, List<WriteModel<BsonDocument>> into) {
        BsonDocument raw = event.raw();
        BsonValue id = raw.getDocument("documentKey").get("_id");
        switch (event.operationType()) {
            case "insert", "replace" ->
                    into.add(new ReplaceOneModel<>(Filters.eq("_id", id), raw.getDocument("fullDocument"), UPSERT));
            case "update" -> {
                BsonDocument description = raw.getDocument("updateDescription");
                BsonDocument update = new BsonDocument();
                BsonDocument updated = description.getDocument("updatedFields");
                if (!updated.isEmpty()) {
                    update.append("$set", updated);
                }
                BsonDocument unset = new BsonDocument();
                for (BsonValue field : description.getArray("removedFields", new BsonArray())) {
                    unset.append(field.asString().getValue(), new BsonInt32(1));
                }
                if (!unset.isEmpty()) {
                    update.append("$unset", unset);
                }
                into.add(new UpdateOneModel<>(Filters.eq("_id", id), update));
            }
            case "delete" -> into.add(new DeleteOneModel<>(raw.getDocument("documentKey")));
            default -> throw new IllegalArgumentException("the benchmark stream has no " + event.operationType());
        }
    }

    private static byte[] readAll(ArchiveStore store, ArchiveFile file) {
        try (InputStream in = store.read(file, 0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " failed", e);
        }
    }
}
