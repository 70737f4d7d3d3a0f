package io.changestream.archiver.testing;

import com.mongodb.MongoWriteException;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * The workload of the restore tests, on the in-process server ({@code SnapshotRestoreWireTest}) and on real MongoDB
 * ({@code RealMongoSnapshotRestoreTest}): one collection filled with documents holding every BSON type, nested, then
 * changed at random by inserts, updates (a field changing type, an array truncated, a path into a sub-document that
 * may have become a string), replaces and deletes. Every update also counts {@code n} up, so none is a no-op
 * without an event; a write the server refuses (a path through a value whose type changed) is not counted, so
 * {@link #writes} is the number of change events the changes caused.
 *
 * <p>The random choices come from the {@link Random} the test gives, seeded with a seed it prints on failure.
 */
public final class RestoreWorkload {
    private final MongoCollection<BsonDocument> collection;
    private final Random random;
    private final List<Integer> alive = new ArrayList<>();
    private final AtomicLong writes = new AtomicLong();

    public RestoreWorkload(MongoCollection<BsonDocument> collection, Random random) {
        this.collection = collection;
        this.random = random;
    }

    /** Inserts documents {@code 0} to {@code count - 1} in one bulk insert; these are not counted as changes. */
    public void fill(int count) {
        List<BsonDocument> documents = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            documents.add(document(i));
            alive.add(i);
        }
        collection.insertMany(documents);
    }

    /** The change events the changes so far caused. */
    public long writes() {
        return writes.get();
    }

    /** {@code times} random changes. */
    public void change(int times) {
        for (int i = 0; i < times; i++) {
            change();
        }
    }

    /** One random change: insert, update, replace or delete; counted unless the server refuses it. */
    public void change() {
        try {
            changeOnce();
            writes.incrementAndGet();
        } catch (MongoWriteException e) {
            // refused by the server ($set a.b where a became a string): nothing changed, no event
        }
    }

    private void changeOnce() {
        int kind = random.nextInt(6);
        if (alive.isEmpty() || kind == 0) {
            int id = 100_000 + (int) writes.get();
            collection.insertOne(document(id));
            alive.add(id);
            return;
        }
        int id = alive.get(random.nextInt(alive.size()));
        switch (kind) {
            case 1 -> collection.updateOne(Filters.eq("_id", id),
                    Updates.combine(Updates.set("a", "now a string " + id), Updates.inc("n", 1)));
            case 2 -> collection.updateOne(Filters.eq("_id", id),
                    Updates.combine(Updates.set("tags", List.of("t1")), Updates.inc("n", 1)));
            case 3 -> collection.updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("a.b", id * 2),
                    Updates.inc("int64", 1L), Updates.inc("n", 1)));
            case 4 -> collection.replaceOne(Filters.eq("_id", id), new BsonDocument("_id", new BsonInt32(id))
                    .append("replaced", new BsonInt64(writes.get())));
            default -> {
                collection.deleteOne(Filters.eq("_id", id));
                alive.remove(Integer.valueOf(id));
            }
        }
    }

    /** Every BSON type a document can hold, nested. */
    public static BsonDocument document(int i) {
        return new BsonDocument("_id", new BsonInt32(i))
                .append("oid", new BsonObjectId(new ObjectId(1_700_000_000 + i, i)))
                .append("name", new BsonString("order #" + i + " — ünïcødé ✓ 名前 " + "x".repeat(i % 200)))
                .append("int64", new BsonInt64(i * 1_000_000_007L))
                .append("double", new BsonDouble(i / 7.0))
                .append("negativeZero", new BsonDouble(-0.0))
                .append("decimal", new BsonDecimal128(Decimal128.parse("1234.5678" + i)))
                .append("when", new BsonDateTime(1_600_000_000_000L + i))
                .append("ts", new BsonTimestamp(1_600_000_000 + i, 1))
                .append("bin", new BsonBinary(new byte[] {1, 2, (byte) i}))
                .append("re", new BsonRegularExpression("^a" + i, "i"))
                .append("flag", BsonBoolean.valueOf(i % 2 == 0))
                .append("none", BsonNull.VALUE)
                .append("a", new BsonDocument("b", new BsonInt32(i)).append("c", new BsonString("c" + i)))
                .append("tags", new BsonArray(List.of(new BsonString("t1"), new BsonString("t2"), new BsonInt32(i),
                        new BsonDocument("deep", new BsonArray(List.of(new BsonInt64(i)))))));
    }
}
