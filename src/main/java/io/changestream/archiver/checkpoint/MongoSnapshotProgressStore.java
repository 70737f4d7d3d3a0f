package io.changestream.archiver.checkpoint;

import static java.util.Locale.ROOT;

import com.mongodb.MongoWriteException;
import com.mongodb.WriteConcern;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * Snapshot records in the tracker collection, beside checkpoints and the flush log:
 *
 * <pre>
 * { _id: "snapshot:&lt;collection&gt;:&lt;id&gt;", type: "snapshot", collection, snapshot: &lt;id&gt;, state: "running"|"complete",
 *   start: Timestamp, compression: "none"|"gzip", jsonMode: "canonical"|"relaxed", end: Timestamp|null,
 *   parts: [{ number, documents, bytes, sha256, lastId }], documents, bytes, startedAt, updatedAt, epoch, owner }
 * </pre>
 *
 * {@code compression} and {@code jsonMode} are the snapshot's {@link SnapshotFormat}, written since it is recorded;
 * a record without both (written by an earlier version) reads back with an empty format, anything else there is
 * refused naming the record.
 *
 * Written with majority write concern, replaced whole after every part. The write filters on {@code epoch} not
 * above the writer's, with upsert: a record of a newer epoch makes the upsert collide on {@code _id}, and that
 * duplicate key error is the refusal ({@link LeaseLostException}), check and write in one atomic operation, as in
 * {@link MongoCheckpointStore}.
 */
public final class MongoSnapshotProgressStore implements SnapshotProgressStore {
    private static final String TYPE = "type";
    private static final String COLLECTION = "collection";
    private static final String EPOCH = "epoch";
    private static final String COMPRESSION = "compression";
    private static final String JSON_MODE = "jsonMode";

    private final MongoCollection<BsonDocument> tracker;

    public MongoSnapshotProgressStore(MongoClient client, String database, String collection) {
        this.tracker = client.getDatabase(database).getCollection(collection, BsonDocument.class)
                .withWriteConcern(WriteConcern.MAJORITY);
    }

    @Override
    public List<SnapshotProgress> snapshots(String collection) {
        List<SnapshotProgress> out = new ArrayList<>();
        for (BsonDocument d : tracker.find(Filters.and(Filters.eq(TYPE, "snapshot"), Filters.eq(COLLECTION, collection)))
                .sort(Sorts.ascending("snapshot"))) {
            out.add(read(d));
        }
        return out;
    }

    @Override
    public void save(SnapshotProgress p, Lease lease) {
        BsonArray parts = new BsonArray();
        for (SnapshotPart part : p.parts()) {
            parts.add(new BsonDocument("number", new BsonInt32(part.number()))
                    .append("documents", new BsonInt64(part.documents())).append("bytes", new BsonInt64(part.bytes()))
                    .append("sha256", new BsonString(part.sha256())).append("lastId", part.lastId()));
        }
        String id = "snapshot:" + p.collection() + ":" + p.id();
        BsonDocument doc = new BsonDocument("_id", new BsonString(id)).append(TYPE, new BsonString("snapshot"))
                .append(COLLECTION, new BsonString(p.collection())).append("snapshot", new BsonString(p.id()))
                .append("state", new BsonString(p.state().tag())).append("start", p.start());
        p.format().ifPresent(f -> doc.append(COMPRESSION, new BsonString(f.compression().name().toLowerCase(ROOT)))
                .append(JSON_MODE, new BsonString(f.jsonMode().name().toLowerCase(ROOT))));
        doc.append("end", p.end().<BsonValue>map(t -> t).orElse(org.bson.BsonNull.VALUE))
                .append("parts", parts).append("documents", new BsonInt64(p.documents()))
                .append("bytes", new BsonInt64(p.bytes()))
                .append("startedAt", new BsonDateTime(p.startedAt().toEpochMilli()))
                .append("updatedAt", new BsonDateTime(p.updatedAt().toEpochMilli()))
                .append(EPOCH, new BsonInt64(lease.epoch())).append("owner", new BsonString(lease.owner()));
        try {
            tracker.replaceOne(Filters.and(Filters.eq("_id", id), Filters.lte(EPOCH, lease.epoch())), doc,
                    new ReplaceOptions().upsert(true));
        } catch (MongoWriteException e) {
            if (!MongoLeaseStore.duplicateKey(e)) {
                throw e;
            }
            throw new LeaseLostException(lease.collection(), lease.epoch(), "progress of snapshot " + p.id() + " of "
                    + p.collection() + " refused: the tracker holds it under a newer lease epoch than "
                    + lease.epoch() + " of " + lease.owner() + " (another instance took the collection over)");
        }
    }

    private static SnapshotProgress read(BsonDocument d) {
        List<SnapshotPart> parts = new ArrayList<>();
        for (BsonValue v : d.getArray("parts", new BsonArray())) {
            BsonDocument part = v.asDocument();
            parts.add(new SnapshotPart(part.getNumber("number").intValue(), part.getNumber("documents").longValue(),
                    part.getNumber("bytes").longValue(), part.getString("sha256").getValue(), part.get("lastId")));
        }
        BsonValue end = d.get("end");
        return new SnapshotProgress(d.getString(COLLECTION).getValue(), d.getString("snapshot").getValue(),
                d.getTimestamp("start"), format(d), end != null && end.isTimestamp() ? Optional.of(end.asTimestamp())
                : Optional.<BsonTimestamp>empty(),
                SnapshotProgress.State.valueOf(d.getString("state").getValue().toUpperCase(ROOT)),
                parts, Instant.ofEpochMilli(d.getDateTime("startedAt").getValue()),
                Instant.ofEpochMilli(d.getDateTime("updatedAt").getValue()));
    }

    /** The recorded format; empty for a record of an earlier version, which has neither field. */
    private static Optional<SnapshotFormat> format(BsonDocument d) {
        if (!d.containsKey(COMPRESSION) && !d.containsKey(JSON_MODE)) {
            return Optional.empty();
        }
        try {
            return Optional.of(new SnapshotFormat(
                    Compression.valueOf(d.getString(COMPRESSION).getValue().toUpperCase(ROOT)),
                    JsonMode.valueOf(d.getString(JSON_MODE).getValue().toUpperCase(ROOT))));
        } catch (org.bson.BsonInvalidOperationException | IllegalArgumentException e) {
            throw new IllegalStateException("tracker record " + d.get("_id") + " has no readable snapshot format ("
                    + COMPRESSION + " " + d.get(COMPRESSION) + ", " + JSON_MODE + " " + d.get(JSON_MODE)
                    + "; expected none|gzip and canonical|relaxed)", e);
        }
    }
}
