package io.changestream.archiver.replay;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Sorts;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Compares collections of two databases document by document, with BSON equality: two documents are equal when
 * their BSON bytes are, so field order and types count ({@code 1} as int32, int64 and double are three different
 * values, as are {@code -0.0} and {@code 0.0}). Used by the demo and the replay tests to prove a replay rebuilt the
 * source. Holds one target collection in memory at a time: a tool for demos and tests, not for production sizes.
 */
public final class DatabaseComparison {
    /** Differences described; the rest are only counted. */
    public static final int SHOWN = 20;

    private DatabaseComparison() {
    }

    /** One document that differs: missing on one side, or with other content. */
    public record Difference(String collection, String id, String what) {
        @Override
        public String toString() {
            return collection + " _id " + id + ": " + what;
        }
    }

    /**
     * The outcome: how many documents were compared and the differences found.
     *
     * @param documents   source documents compared
     * @param count       differences found
     * @param differences the first {@link #SHOWN} of them
     */
    public record Result(long documents, long count, List<Difference> differences) {
        public boolean equal() {
            return count == 0;
        }
    }

    /** Compares each source collection (key) with its target collection (value). */
    public static Result compare(MongoDatabase source, MongoDatabase target, Map<String, String> collections) {
        long documents = 0;
        long count = 0;
        List<Difference> shown = new ArrayList<>();
        for (Map.Entry<String, String> pair : collections.entrySet()) {
            Map<BsonValue, RawBsonDocument> remaining = load(target.getCollection(pair.getValue(),
                    RawBsonDocument.class));
            for (RawBsonDocument doc : sorted(source.getCollection(pair.getKey(), RawBsonDocument.class))) {
                documents++;
                BsonValue id = doc.get("_id");
                RawBsonDocument other = remaining.remove(id);
                String what = other == null ? "missing in " + target.getName() + "." + pair.getValue()
                        : sameBytes(doc, other) ? null : firstDifference(doc, other, "");
                if (what != null) {
                    count++;
                    add(shown, new Difference(pair.getKey(), Replayer.idText(id), what));
                }
            }
            for (BsonValue extra : remaining.keySet()) {
                count++;
                add(shown, new Difference(pair.getKey(), Replayer.idText(extra), "only in " + target.getName() + "."
                        + pair.getValue()));
            }
        }
        return new Result(documents, count, shown);
    }

    private static void add(List<Difference> shown, Difference d) {
        if (shown.size() < SHOWN) {
            shown.add(d);
        }
    }

    private static Iterable<RawBsonDocument> sorted(MongoCollection<RawBsonDocument> c) {
        return c.find().sort(Sorts.ascending("_id"));
    }

    private static Map<BsonValue, RawBsonDocument> load(MongoCollection<RawBsonDocument> c) {
        Map<BsonValue, RawBsonDocument> byId = new LinkedHashMap<>();
        for (RawBsonDocument d : sorted(c)) {
            byId.put(d.get("_id"), d);
        }
        return byId;
    }

    private static boolean sameBytes(RawBsonDocument a, RawBsonDocument b) {
        ByteBuffer x = a.getByteBuffer().asNIO();
        ByteBuffer y = b.getByteBuffer().asNIO();
        return x.equals(y);
    }

    /** The first field where two documents differ, by path: a value, a type, or the order of fields. */
    static String firstDifference(BsonDocument a, BsonDocument b, String path) {
        String found = difference(a, b, path);
        return found == null ? "same fields and values, different bytes" : found;
    }

    private static String difference(BsonDocument a, BsonDocument b, String path) {
        Iterator<Map.Entry<String, BsonValue>> left = a.entrySet().iterator();
        Iterator<Map.Entry<String, BsonValue>> right = b.entrySet().iterator();
        while (left.hasNext() || right.hasNext()) {
            if (!left.hasNext() || !right.hasNext()) {
                return (left.hasNext() ? "field " + path + left.next().getKey() + " only in the source"
                        : "field " + path + right.next().getKey() + " only in the target");
            }
            Map.Entry<String, BsonValue> l = left.next();
            Map.Entry<String, BsonValue> r = right.next();
            if (!l.getKey().equals(r.getKey())) {
                return "fields differ at " + path + l.getKey() + " (source) vs " + path + r.getKey() + " (target)";
            }
            BsonValue x = l.getValue();
            BsonValue y = r.getValue();
            if (x.getBsonType() != y.getBsonType()) {
                return path + l.getKey() + " is " + x.getBsonType() + " in the source, " + y.getBsonType()
                        + " in the target";
            }
            if (x.isDocument()) {
                String inner = difference(x.asDocument(), y.asDocument(), path + l.getKey() + ".");
                if (inner != null) {
                    return inner;
                }
            } else if (!x.equals(y)) {
                return path + l.getKey() + " is " + x + " in the source, " + y + " in the target";
            }
        }
        return null;
    }
}
