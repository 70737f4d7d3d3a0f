package io.changestream.archiver.replay;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.UUID;
import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.UuidRepresentation;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * Writes documents holding every BSON type the in-process server stores faithfully (Decimal128, binary subtypes 0,
 * 3 and 4, dates before 1970, int32 / int64 / double of equal value, -0.0, NaN, nested arrays, unicode keys, regex,
 * code, timestamps, min/max key), then changes them with nested {@code $set}, {@code $unset}, array pushes,
 * {@code $inc}, replaces and deletes. Every write changes exactly one live document, so it causes exactly one change
 * event, and {@link #run} can tell how many to wait for.
 */
final class TypedWorkload {
    static final List<String> COLLECTIONS = List.of("people", "orders €");

    private final TreeSet<Integer> alive = new TreeSet<>();
    private int nextId;
    private int round;

    /** One round on every collection: inserts, updates, replaces, deletes. Returns the change events caused. */
    int run(MongoDatabase db, int inserts) {
        int events = 0;
        round++;
        int firstNew = nextId;
        nextId += inserts;
        for (int i = firstNew; i < nextId; i++) {
            alive.add(i);
        }
        for (String name : COLLECTIONS) {
            MongoCollection<BsonDocument> c = db.getCollection(name, BsonDocument.class);
            for (int i = firstNew; i < nextId; i++) {
                c.insertOne(document(name, i));
                events++;
            }
            List<Integer> ids = new ArrayList<>(alive);
            for (int k = 0; k < ids.size(); k += 2) {
                int id = ids.get(k);
                c.updateOne(Filters.eq("_id", id), Updates.combine(
                        Updates.set("profile.address.city", "Genève " + id),
                        Updates.set("profile.since", new BsonDateTime(-86_400_000L * (id + 1))),
                        Updates.unset("note"),
                        Updates.push("tags", new BsonString("t" + id)),
                        Updates.inc("visits", 1L)));
                events++;
            }
            for (int k = 1; k < ids.size(); k += 5) {
                int id = ids.get(k);
                c.replaceOne(Filters.eq("_id", id), document(name, id).append("replaced", BsonBoolean.TRUE)
                        .append("round", new BsonInt32(round))
                        .append("ключ", new BsonString("значение")));
                events++;
            }
        }
        List<Integer> ids = new ArrayList<>(alive);
        for (int k = 3; k < ids.size(); k += 7) {
            for (String name : COLLECTIONS) {
                db.getCollection(name).deleteOne(Filters.eq("_id", ids.get(k)));
                events++;
            }
            alive.remove(ids.get(k));
        }
        return events;
    }

    static BsonDocument document(String collection, int i) {
        return new BsonDocument("_id", new BsonInt32(i))
                .append("oid", new BsonObjectId(new ObjectId(1_700_000_000 + i, i)))
                .append("name", new BsonString(collection + " #" + i + " — ünïcødé ✓ 名前"))
                .append("名前", new BsonString("キー " + i))
                .append("clé-é", new BsonInt32(i))
                .append("int32", new BsonInt32(1))
                .append("int64", new BsonInt64(1))
                .append("double", new BsonDouble(1))
                .append("negativeZero", new BsonDouble(-0.0))
                .append("notANumber", new BsonDouble(Double.NaN))
                .append("decimal", new BsonDecimal128(Decimal128.parse("-1234567890.12345678901234567890123" + i % 10)))
                .append("created", new BsonDateTime(-14_182_940_000L + i * 1000L))
                .append("note", i % 3 == 0 ? BsonNull.VALUE : new BsonString("note " + i))
                .append("tags", new BsonArray(List.of(new BsonString("a"),
                        new BsonArray(List.of(new BsonInt32(i), new BsonInt64(i), new BsonDouble(i),
                                new BsonArray(List.of(new BsonDocument("deep", new BsonInt32(i)))))))))
                .append("profile", new BsonDocument("tier", new BsonString("silver"))
                        .append("address", new BsonDocument("city", new BsonString("Zürich"))
                                .append("zip", new BsonString("80" + i))))
                .append("bytes", new BsonBinary(new byte[] {0, 1, 2, (byte) i}))
                .append("oldUuid", new BsonBinary(BsonBinarySubType.UUID_LEGACY, new byte[16]))
                .append("uuid", new BsonBinary(new UUID(i, 31L * i), UuidRepresentation.STANDARD))
                .append("ts", new BsonTimestamp(1_700_000_000 + i, 1))
                .append("regex", new BsonRegularExpression("^a.*" + i + "$", "i"))
                .append("code", new BsonJavaScript("function() { return " + i + "; }"))
                .append("min", new BsonMinKey()).append("max", new BsonMaxKey())
                .append("visits", new BsonInt64(0));
    }
}
