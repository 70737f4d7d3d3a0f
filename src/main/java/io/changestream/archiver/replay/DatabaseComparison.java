package io.changestream.archiver.replay;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Sorts;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonBinaryReader;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;

/**
 * Compares collections of two databases document by document, with BSON equality: types count ({@code 1} as int32,
 * int64 and double are three different values, as are {@code -0.0} and {@code 0.0}), and so does field order.
 * Used by the demo and the replay tests to prove a replay rebuilt the source. Holds one target collection in memory
 * at a time: a tool for demos and tests, not for production sizes.
 *
 * <p>Field order is reported apart from other differences ({@link Kind#FIELD_ORDER}): real MongoDB stores a
 * replacement document as given, but the in-process server used by the demo keeps a replaced document's existing
 * field order, so a source and a replica can hold the same fields and values in another order there.
 */
public final class DatabaseComparison {
    /** Differences described; the rest are only counted. */
    public static final int SHOWN = 20;
    private static final BsonDocumentCodec CODEC = new BsonDocumentCodec();

    private DatabaseComparison() {
    }

    public enum Kind {
        /** In the source only. */
        MISSING,
        /** In the target only. */
        EXTRA,
        /** A field missing on one side, or a value or type that differs. */
        VALUE,
        /** The same fields and values (types included) in another order. */
        FIELD_ORDER
    }

    /** One document that differs. */
    public record Difference(String collection, String id, Kind kind, String what) {
        @Override
        public String toString() {
            return collection + " _id " + id + ": " + what;
        }
    }

    /**
     * The outcome: how many documents were compared and the differences found, by kind.
     *
     * @param documents   source documents compared
     * @param counts      differences found, by kind
     * @param differences the first {@link #SHOWN} of them
     */
    public record Result(long documents, Map<Kind, Long> counts, List<Difference> differences) {
        public long count(Kind kind) {
            return counts.getOrDefault(kind, 0L);
        }

        /** Every document equal, byte for byte. */
        public boolean equal() {
            return counts.values().stream().allMatch(n -> n == 0);
        }

        /** Every document with the same fields, values and types, in any field order. */
        public boolean equalIgnoringFieldOrder() {
            return count(Kind.MISSING) + count(Kind.EXTRA) + count(Kind.VALUE) == 0;
        }
    }

    /** Compares each source collection (key) with its target collection (value). */
    public static Result compare(MongoDatabase source, MongoDatabase target, Map<String, String> collections) {
        long documents = 0;
        Map<Kind, Long> counts = new EnumMap<>(Kind.class);
        List<Difference> shown = new ArrayList<>();
        for (Map.Entry<String, String> pair : collections.entrySet()) {
            String targetName = target.getName() + "." + pair.getValue();
            Map<BsonValue, RawBsonDocument> remaining = load(target.getCollection(pair.getValue(),
                    RawBsonDocument.class));
            for (RawBsonDocument doc : sorted(source.getCollection(pair.getKey(), RawBsonDocument.class))) {
                documents++;
                BsonValue id = doc.get("_id");
                RawBsonDocument other = remaining.remove(id);
                if (other == null) {
                    record(counts, shown, new Difference(pair.getKey(), Replayer.idText(id), Kind.MISSING,
                            "missing in " + targetName));
                } else if (!sameBytes(doc, other)) {
                    BsonDocument a = decode(doc);
                    BsonDocument b = decode(other);
                    record(counts, shown, a.equals(b)
                            ? new Difference(pair.getKey(), Replayer.idText(id), Kind.FIELD_ORDER,
                                    "same fields and values in another order: " + a.keySet() + " vs " + b.keySet())
                            : new Difference(pair.getKey(), Replayer.idText(id), Kind.VALUE, difference(a, b, "")));
                }
            }
            for (BsonValue extra : remaining.keySet()) {
                record(counts, shown, new Difference(pair.getKey(), Replayer.idText(extra), Kind.EXTRA,
                        "only in " + targetName));
            }
        }
        return new Result(documents, counts, shown);
    }

    private static void record(Map<Kind, Long> counts, List<Difference> shown, Difference d) {
        counts.merge(d.kind(), 1L, Long::sum);
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

    private static BsonDocument decode(RawBsonDocument raw) {
        try (BsonBinaryReader reader = new BsonBinaryReader(raw.getByteBuffer().asNIO())) {
            return CODEC.decode(reader, DecoderContext.builder().build());
        }
    }

    /** The first field, by name, whose presence, type or value differs. */
    private static String difference(BsonDocument a, BsonDocument b, String path) {
        for (Map.Entry<String, BsonValue> e : a.entrySet()) {
            BsonValue x = e.getValue();
            BsonValue y = b.get(e.getKey());
            String field = path + e.getKey();
            if (y == null) {
                return "field " + field + " only in the source";
            }
            if (x.getBsonType() != y.getBsonType()) {
                return field + " is " + x.getBsonType() + " in the source, " + y.getBsonType() + " in the target";
            }
            if (x.isDocument() && !x.equals(y)) {
                return difference(x.asDocument(), y.asDocument(), field + ".");
            }
            if (!x.equals(y)) {
                return field + " is " + x + " in the source, " + y + " in the target";
            }
        }
        for (String key : b.keySet()) {
            if (!a.containsKey(key)) {
                return "field " + path + key + " only in the target";
            }
        }
        return "equal";
    }
}
