package io.changestream.archiver.replay;

import com.mongodb.client.model.DeleteOneModel;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.WriteModel;
import io.changestream.archiver.capture.ChangeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.conversions.Bson;

/**
 * Turns a change event into the writes that reproduce it on the target, so that applying a collection's events in
 * order rebuilds each document, and applying them again (a re-run, overlapping windows) changes nothing more.
 *
 * <ul>
 *   <li><b>insert, replace</b>: replace the document by {@code _id}, with upsert. Idempotent: the result is the
 *       event's {@code fullDocument} whatever was there.</li>
 *   <li><b>update</b> with {@code updateDescription}: applied exactly, as the diff it is. First each entry of
 *       {@code truncatedArrays} becomes {@code $push: {field: {$each: [], $slice: newSize}}}, only where the field
 *       is an array (it is in the pre- and post-image; a re-run over a newer document must not fail on it); then one
 *       update with {@code $set} of {@code updatedFields} (dotted paths, array indexes like {@code tags.3} included)
 *       and {@code $unset} of {@code removedFields}. The diff sets absolute values, so applying it to the pre-image
 *       or to the post-image gives the post-image. No upsert: a diff applied to a missing document would invent a
 *       partial one.</li>
 *   <li><b>update</b> without {@code updateDescription}: the {@code fullDocument} replaces the document, with
 *       upsert. A {@code null} {@code fullDocument} (updateLookup found the document deleted later) is skipped: the
 *       later delete is in the archive too.</li>
 *   <li><b>delete</b>: delete by {@code documentKey} (the {@code _id} plus any shard key).</li>
 *   <li><b>drop, rename, dropDatabase, invalidate</b>: {@link WritePlan.Ddl}, for {@link DdlPolicy}.</li>
 * </ul>
 *
 * <p>A change to a field whose name holds a {@code .} or starts with {@code $} (allowed since MongoDB 5.0, reported
 * through {@code disambiguatedPaths}) cannot be addressed by an update operator's path and is rejected, never
 * applied to the wrong field.
 *
 * <p>The document's {@code _id} comes from {@code documentKey}. A server whose {@code documentKey} is not a key
 * (mongo-java-server puts an update's specification there: it has {@code $}-operators) is tolerated by taking the
 * {@code _id} of {@code fullDocument}.
 */
public final class WritePlanner {
    private static final ReplaceOptions UPSERT = new ReplaceOptions().upsert(true);

    private WritePlanner() {
    }

    public static WritePlan plan(ChangeEvent event) {
        BsonDocument raw = event.raw();
        Operation op = Operation.of(event.operationType());
        return switch (op) {
            case INSERT, REPLACE -> replace(op, raw);
            case UPDATE -> update(raw);
            case DELETE -> delete(raw);
            case RENAME -> new WritePlan.Ddl(op, renamedTo(raw));
            case DROP, DROP_DATABASE, INVALIDATE -> new WritePlan.Ddl(op, Optional.empty());
            case OTHER -> new WritePlan.Skip(op, event.operationType() + " changes no document");
        };
    }

    private static WritePlan replace(Operation op, BsonDocument raw) {
        Optional<BsonDocument> full = fullDocument(raw);
        if (full.isEmpty()) {
            return new WritePlan.Reject(op, op.type() + " without fullDocument");
        }
        Optional<BsonValue> id = documentId(raw, full);
        if (id.isEmpty()) {
            return new WritePlan.Reject(op, op.type() + " without _id in documentKey or fullDocument");
        }
        return new WritePlan.Writes(op, id.get(), List.of(new ReplaceOneModel<>(Filters.eq("_id", id.get()),
                raw(full.get()), UPSERT)));
    }

    private static WritePlan update(BsonDocument raw) {
        BsonValue description = raw.get("updateDescription");
        Optional<BsonDocument> full = fullDocument(raw);
        if (description == null || !description.isDocument()) {
            if (full.isEmpty() || !full.get().containsKey("_id")) {
                return new WritePlan.Skip(Operation.UPDATE, "update without updateDescription and without a "
                        + "post-image (the document was deleted before the lookup)");
            }
            return replace(Operation.UPDATE, raw);
        }
        Optional<BsonValue> id = documentId(raw, full);
        if (id.isEmpty()) {
            return new WritePlan.Reject(Operation.UPDATE, "update without _id in documentKey");
        }
        Optional<String> ambiguous = unaddressablePath(description.asDocument());
        if (ambiguous.isPresent()) {
            return new WritePlan.Reject(Operation.UPDATE, "update of field " + ambiguous.get() + ", whose name holds "
                    + "a '.' or starts with '$': an update operator cannot address it by path");
        }
        List<WriteModel<RawBsonDocument>> writes = updateWrites(id.get(), description.asDocument());
        return writes.isEmpty() ? new WritePlan.Skip(Operation.UPDATE, "update that changed no field")
                : new WritePlan.Writes(Operation.UPDATE, id.get(), writes);
    }

    /** The writes that apply an {@code updateDescription} to document {@code id}, in order. */
    static List<WriteModel<RawBsonDocument>> updateWrites(BsonValue id, BsonDocument description) {
        List<WriteModel<RawBsonDocument>> writes = new ArrayList<>();
        for (BsonValue t : array(description, "truncatedArrays")) {
            BsonDocument truncation = t.asDocument();
            String field = truncation.getString("field").getValue();
            BsonValue newSize = truncation.get("newSize");
            Bson filter = Filters.and(Filters.eq("_id", id), Filters.type(field, "array"));
            BsonDocument slice = new BsonDocument("$each", new BsonArray()).append("$slice", newSize);
            writes.add(new UpdateOneModel<>(filter, new BsonDocument("$push", new BsonDocument(field, slice))));
        }
        BsonDocument update = new BsonDocument();
        BsonValue updated = description.get("updatedFields");
        if (updated != null && updated.isDocument() && !updated.asDocument().isEmpty()) {
            update.append("$set", updated.asDocument());
        }
        BsonDocument unset = new BsonDocument();
        for (BsonValue field : array(description, "removedFields")) {
            unset.append(field.asString().getValue(), new BsonInt32(1));
        }
        if (!unset.isEmpty()) {
            update.append("$unset", unset);
        }
        if (!update.isEmpty()) {
            writes.add(new UpdateOneModel<>(Filters.eq("_id", id), update));
        }
        return writes;
    }

    /**
     * A changed field that no dotted path can reach: MongoDB 5.0+ allows '.' and '$' in field names, and 6.1+
     * reports such changes with {@code disambiguatedPaths} (each path as its list of components).
     */
    private static Optional<String> unaddressablePath(BsonDocument description) {
        BsonValue paths = description.get("disambiguatedPaths");
        if (paths == null || !paths.isDocument()) {
            return Optional.empty();
        }
        for (var entry : paths.asDocument().entrySet()) {
            if (entry.getValue().isArray() && entry.getValue().asArray().stream().anyMatch(c -> c.isString()
                    && (c.asString().getValue().contains(".") || c.asString().getValue().startsWith("$")))) {
                return Optional.of(entry.getKey());
            }
        }
        return Optional.empty();
    }

    private static WritePlan delete(BsonDocument raw) {
        BsonValue key = raw.get("documentKey");
        if (key == null || !key.isDocument() || !isKey(key.asDocument())) {
            return new WritePlan.Reject(Operation.DELETE, "delete without a documentKey holding _id");
        }
        BsonValue id = key.asDocument().get("_id");
        return new WritePlan.Writes(Operation.DELETE, id, List.of(new DeleteOneModel<>(key.asDocument())));
    }

    /** The document as raw BSON, so the bulk write copies its bytes instead of walking its fields again. */
    private static RawBsonDocument raw(BsonDocument doc) {
        return doc instanceof RawBsonDocument bytes ? bytes : new RawBsonDocument(doc, new BsonDocumentCodec());
    }

    private static Optional<BsonDocument> fullDocument(BsonDocument raw) {
        BsonValue full = raw.get("fullDocument");
        return full != null && full.isDocument() ? Optional.of(full.asDocument()) : Optional.empty();
    }

    /** The {@code _id} from {@code documentKey}, else (a documentKey that is not a key) from {@code fullDocument}. */
    static Optional<BsonValue> documentId(BsonDocument raw, Optional<BsonDocument> full) {
        BsonValue key = raw.get("documentKey");
        if (key != null && key.isDocument() && isKey(key.asDocument())) {
            return Optional.of(key.asDocument().get("_id"));
        }
        return full.map(d -> d.get("_id"));
    }

    private static boolean isKey(BsonDocument key) {
        return key.containsKey("_id") && key.keySet().stream().noneMatch(k -> k.startsWith("$"));
    }

    private static Optional<String> renamedTo(BsonDocument raw) {
        BsonValue to = raw.get("to");
        if (to != null && to.isDocument() && to.asDocument().get("coll") instanceof BsonString coll) {
            return Optional.of(coll.getValue());
        }
        return Optional.empty();
    }

    private static List<BsonValue> array(BsonDocument doc, String field) {
        BsonValue value = doc.get(field);
        return value != null && value.isArray() ? value.asArray().getValues() : List.of();
    }
}
