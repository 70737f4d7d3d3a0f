package io.changestream.archiver.checkpoint;

import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.ReplaceOptions;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.UpdateOptions;
import com.mongodb.client.model.Updates;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.conversions.Bson;
import org.bson.types.ObjectId;

/**
 * The tracker collection ({@code TRACKER_COLLECTION}): one collection holding three kinds of document, told
 * apart by {@code type}.
 *
 * <pre>
 * { _id: "checkpoint:&lt;collection&gt;", type: "checkpoint", collection, resumeToken, clusterTime, startAfter,
 *   file, fileLength, totalEvents, totalBytes, updatedAt, epoch, owner }
 * { _id: "flush:&lt;file&gt;@&lt;offset&gt;", type: "flush", collection, file, offset, length, events,
 *   firstToken, lastToken, firstClusterTime, lastClusterTime, sha256, trigger, startedAt, durationMs }
 * { _id: ObjectId, type: "gap", collection, lastToken, lastClusterTime, detectedAt, errorCode, reason }
 * </pre>
 *
 * The flush entry's {@code _id} is derived from file and offset, so writing it twice (a retried commit, a
 * recovery after a crash between the two writes of {@link #commit}) replaces it rather than duplicating it. It is
 * replaced only by the same range (length, events, SHA-256; trigger and times may differ): the write filters on
 * them, so a different range under the same key collides on {@code _id} and is refused
 * ({@link CheckpointStore#commit}).
 * Writes use majority write concern: a checkpoint that a failover could roll back would let a restart resume
 * after events the archive does not hold, or before events it already holds.
 *
 * <p><b>Fencing</b> ({@link CheckpointStore#claim}): {@code epoch} and {@code owner} are the lease of the last
 * writer. {@link #claim} raises {@code epoch} (never lowers it; until the first position is recorded the document
 * holds only these fence fields, and {@link #load} reads it as "no checkpoint"); every checkpoint write filters on
 * {@code epoch} equal to the writer's. A refused filter makes the upsert collide on {@code _id}, and that duplicate
 * key error is the refusal: check and write are one atomic operation. The flush log entry written just before is
 * not fenced; a refused writer can leave at most one entry, for bytes it really appended at the offset where the
 * new owner's recovery starts adopting, so the new owner rewrites that same entry (same {@code _id}).
 * Lease and instance documents share this collection: see {@link MongoLeaseStore}.
 */
public final class MongoCheckpointStore implements CheckpointStore {
    private static final String TYPE = "type";
    private static final String COLLECTION = "collection";
    private static final String EPOCH = "epoch";
    private static final String OWNER = "owner";

    private final MongoClient client;
    private final MongoCollection<Document> tracker;
    private final boolean ownsClient;
    private volatile boolean indexed;

    public MongoCheckpointStore(MongoClient client, String database, String collection, boolean ownsClient) {
        this(client, database, collection, ownsClient, false);
    }

    private MongoCheckpointStore(MongoClient client, String database, String collection, boolean ownsClient,
                                 boolean readOnly) {
        this.client = client;
        this.tracker = client.getDatabase(database).getCollection(collection)
                .withWriteConcern(com.mongodb.WriteConcern.MAJORITY);
        this.ownsClient = ownsClient;
        this.indexed = readOnly;
    }

    /**
     * The tracker for the commands that only read it ({@code status}, {@code verify}, {@code replay}): it never
     * creates the indexes (nor, with them, the collection), so it works against a secondary and with a role that
     * may only {@code find}. Closes {@code client} on {@link #close}. The writing methods are never called on it.
     */
    public static MongoCheckpointStore forReading(MongoClient client, String database, String collection) {
        return new MongoCheckpointStore(client, database, collection, true, true);
    }

    /** Creates the indexes replay, verify, status and recovery read by. Idempotent; done once per process. */
    public void createIndexes() {
        tracker.createIndex(Indexes.ascending(TYPE, COLLECTION, "file", "offset"),
                new IndexOptions().name("flush_by_file"));
        tracker.createIndex(Indexes.ascending(TYPE, COLLECTION, "lastClusterTime"),
                new IndexOptions().name("flush_by_time"));
        indexed = true;
    }

    @Override
    public Optional<Checkpoint> load(String collection) {
        if (!indexed) {
            createIndexes(); // on the first start-up read, which is retried until the tracker answers; never forReading
        }
        Document d = tracker.find(Filters.eq("_id", checkpointId(collection))).first();
        if (d == null || d.get("clusterTime") == null) {
            return Optional.empty(); // nothing recorded yet, or only the fence of a claim
        }
        return Optional.of(new Checkpoint(collection,
                Optional.ofNullable(d.get("resumeToken", Document.class)).map(MongoCheckpointStore::toBson),
                d.get("clusterTime", BsonTimestamp.class), Optional.ofNullable(d.getString("file")),
                number(d, "fileLength"), number(d, "totalEvents"), number(d, "totalBytes"),
                Boolean.TRUE.equals(d.getBoolean("startAfter")), d.getDate("updatedAt").toInstant()));
    }

    @Override
    public void claim(Lease lease) {
        Bson notNewer = Filters.and(Filters.eq("_id", checkpointId(lease.collection())),
                Filters.not(Filters.gt(EPOCH, lease.epoch())));
        try {
            tracker.updateOne(notNewer, Updates.combine(Updates.set(TYPE, "checkpoint"),
                    Updates.set(COLLECTION, lease.collection()), Updates.set(EPOCH, lease.epoch()),
                    Updates.set(OWNER, lease.owner())), new UpdateOptions().upsert(true));
        } catch (MongoWriteException e) {
            throw fencedOrRethrow(e, lease, "claim");
        }
    }

    @Override
    public void commit(FlushRecord range, Checkpoint checkpoint, Lease lease) {
        Document entry = new Document("_id", "flush:" + range.file() + "@" + range.offset())
                .append(TYPE, "flush").append(COLLECTION, range.collection())
                .append("file", range.file()).append("offset", range.offset()).append("length", range.length())
                .append("events", range.events())
                .append("firstToken", range.firstToken()).append("lastToken", range.lastToken())
                .append("firstClusterTime", range.firstClusterTime()).append("lastClusterTime", range.lastClusterTime())
                .append("sha256", range.sha256()).append("trigger", range.trigger().tag())
                .append("startedAt", Date.from(range.startedAt())).append("durationMs", range.duration().toMillis());
        // Rewritten only with the same range: a different one under the same key has the upsert collide on _id.
        Bson sameRange = Filters.and(Filters.eq("_id", entry.get("_id")), Filters.eq("length", range.length()),
                Filters.eq("events", range.events()), Filters.eq("sha256", range.sha256()));
        try {
            tracker.replaceOne(sameRange, entry, new ReplaceOptions().upsert(true));
        } catch (MongoWriteException e) {
            if (!MongoLeaseStore.duplicateKey(e)) {
                throw e;
            }
            Document logged = tracker.find(Filters.eq("_id", entry.get("_id"))).first();
            throw FlushLogConflict.of(range, logged == null ? null : flushRecord(range.collection(), logged));
        }
        advance(checkpoint, lease);
    }

    @Override
    public void advance(Checkpoint c, Lease lease) {
        Document doc = new Document("_id", checkpointId(c.collection())).append(TYPE, "checkpoint")
                .append(COLLECTION, c.collection()).append("resumeToken", c.resumeToken().orElse(null))
                .append("clusterTime", c.clusterTime()).append("startAfter", c.startAfter())
                .append("file", c.file().orElse(null)).append("fileLength", c.fileLength())
                .append("totalEvents", c.totalEvents()).append("totalBytes", c.totalBytes())
                .append("updatedAt", Date.from(c.updatedAt()))
                .append(EPOCH, lease.epoch()).append(OWNER, lease.owner());
        try {
            tracker.replaceOne(Filters.and(Filters.eq("_id", doc.get("_id")), Filters.eq(EPOCH, lease.epoch())), doc,
                    new ReplaceOptions().upsert(true));
        } catch (MongoWriteException e) {
            throw fencedOrRethrow(e, lease, "checkpoint write");
        }
    }

    private static RuntimeException fencedOrRethrow(MongoWriteException e, Lease lease, String what) {
        if (!MongoLeaseStore.duplicateKey(e)) {
            return e;
        }
        return new LeaseLostException(lease.collection(), lease.epoch(), what + " of " + lease.collection()
                + " refused: the tracker holds a newer lease epoch than " + lease.epoch() + " of " + lease.owner()
                + " (another instance took the collection over)");
    }

    @Override
    public long loggedEnd(String collection, String file) {
        Document last = tracker.find(Filters.and(Filters.eq(TYPE, "flush"), Filters.eq(COLLECTION, collection),
                Filters.eq("file", file))).sort(Sorts.descending("offset")).limit(1).first();
        return last == null ? 0 : number(last, "offset") + number(last, "length");
    }

    @Override
    public long deleteFlushLog(String collection, String file) {
        return tracker.deleteMany(Filters.and(Filters.eq(TYPE, "flush"), Filters.eq(COLLECTION, collection),
                Filters.eq("file", file))).getDeletedCount();
    }

    @Override
    public void recordGap(Gap gap) {
        tracker.insertOne(new Document("_id", new ObjectId()).append(TYPE, "gap").append(COLLECTION, gap.collection())
                .append("lastToken", gap.lastToken().orElse(null))
                .append("lastClusterTime", gap.lastClusterTime().orElse(null))
                .append("detectedAt", Date.from(gap.detectedAt())).append("errorCode", gap.errorCode())
                .append("reason", gap.reason()));
    }

    @Override
    public List<FlushRecord> flushLog(String collection) {
        List<FlushRecord> out = new ArrayList<>();
        Bson filter = Filters.and(Filters.eq(TYPE, "flush"), Filters.eq(COLLECTION, collection));
        for (Document d : tracker.find(filter).sort(Sorts.ascending("file", "offset"))) {
            out.add(flushRecord(collection, d));
        }
        return out;
    }

    /** Served by the index {@code flush_by_file} (type, collection, file, offset), as is the next method. */
    @Override
    public List<String> flushLogFiles(String collection) {
        List<String> files = new ArrayList<>();
        tracker.distinct("file", Filters.and(Filters.eq(TYPE, "flush"), Filters.eq(COLLECTION, collection)),
                String.class).into(files);
        return files.stream().sorted().distinct().toList();
    }

    @Override
    public List<FlushRecord> flushLog(String collection, String file) {
        List<FlushRecord> out = new ArrayList<>();
        Bson filter = Filters.and(Filters.eq(TYPE, "flush"), Filters.eq(COLLECTION, collection),
                Filters.eq("file", file));
        for (Document d : tracker.find(filter).sort(Sorts.ascending("offset"))) {
            out.add(flushRecord(collection, d));
        }
        return out;
    }

    @Override
    public Optional<FlushRecord> lastFlush(String collection) {
        Bson filter = Filters.and(Filters.eq(TYPE, "flush"), Filters.eq(COLLECTION, collection));
        Document d = tracker.find(filter).sort(Sorts.descending("lastClusterTime")).limit(1).first();
        return Optional.ofNullable(d).map(found -> flushRecord(collection, found));
    }

    @Override
    public List<String> collections() {
        List<String> names = new ArrayList<>();
        tracker.distinct(COLLECTION, Filters.in(TYPE, List.of("checkpoint", "flush", "gap")), String.class)
                .into(names);
        return names.stream().sorted().distinct().toList();
    }

    private static FlushRecord flushRecord(String collection, Document d) {
        return new FlushRecord(collection, d.getString("file"), number(d, "offset"), number(d, "length"),
                (int) number(d, "events"), toBson(d.get("firstToken", Document.class)),
                toBson(d.get("lastToken", Document.class)), d.get("firstClusterTime", BsonTimestamp.class),
                d.get("lastClusterTime", BsonTimestamp.class), d.getString("sha256"),
                FlushTrigger.valueOf(d.getString("trigger").toUpperCase(java.util.Locale.ROOT)),
                d.getDate("startedAt").toInstant(), Duration.ofMillis(number(d, "durationMs")));
    }

    @Override
    public List<Gap> gaps(String collection) {
        List<Gap> out = new ArrayList<>();
        Bson filter = Filters.and(Filters.eq(TYPE, "gap"), Filters.eq(COLLECTION, collection));
        for (Document d : tracker.find(filter).sort(Sorts.ascending("detectedAt"))) {
            Document token = d.get("lastToken", Document.class);
            out.add(new Gap(collection, Optional.ofNullable(token).map(MongoCheckpointStore::toBson),
                    Optional.ofNullable(d.get("lastClusterTime", BsonTimestamp.class)),
                    d.getDate("detectedAt").toInstant(), (int) number(d, "errorCode"), d.getString("reason")));
        }
        return out;
    }

    @Override
    public void ping() {
        try {
            tracker.countDocuments(Filters.eq("_id", "ping"));
        } catch (MongoException e) {
            throw new IllegalStateException("tracker unreachable: " + e.getClass().getSimpleName(), e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            client.close();
        }
    }

    private static String checkpointId(String collection) {
        return "checkpoint:" + collection;
    }

    private static long number(Document d, String field) {
        Object v = d.get(field);
        return v instanceof Number n ? n.longValue() : 0L;
    }

    private static BsonDocument toBson(Document d) {
        return d.toBsonDocument(BsonDocument.class, com.mongodb.MongoClientSettings.getDefaultCodecRegistry());
    }
}
