package io.changestream.archiver.bench;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;

import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.types.ObjectId;

/**
 * Change events shaped like what a MongoDB server sends for an e-commerce collection: resume token,
 * operation type, cluster time, wall time, namespace, document key, an update description for
 * updates, and a full document of mixed types. Deterministic for a given seed, so benchmark runs
 * compare like with like.
 *
 * <p>{@link #events} gives independent inserts and updates (the encoder benchmarks' input);
 * {@link #stream} gives a coherent history of one collection with every operation type, which can
 * also be replayed.
 */
public final class ChangeEventSamples {
    private static final String[] WORDS = {"order", "customer", "shipped", "pending", "Zürich", "café", "express",
        "warehouse", "returned", "gift", "priority", "北京", "standard", "invoice", "naïve", "discount"};
    private static final long BASE_MILLIS = 1_717_000_000_000L;

    private final Random random;

    public ChangeEventSamples(long seed) {
        this.random = new Random(seed);
    }

    /** {@code count} events whose full documents carry {@code lineItems} order lines each. */
    public List<RawBsonDocument> events(int count, int lineItems) {
        List<RawBsonDocument> events = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            events.add(new RawBsonDocument(event(i, lineItems), new BsonDocumentCodec()));
        }
        return events;
    }

    /**
     * A coherent history of {@code count} events of one collection, one event per second: about 30%
     * inserts, 50% updates (with {@code updateDescription} and the looked-up post-image as
     * {@code fullDocument}, as with {@code fullDocument: updateLookup}), 10% replaces and 10% deletes
     * (no {@code fullDocument}), each update, replace and delete of a document inserted earlier and
     * not yet deleted. Applying the events in order to an empty collection gives each document its
     * last post-image.
     */
    public List<RawBsonDocument> stream(int count, int lineItems) {
        List<RawBsonDocument> events = new ArrayList<>(count);
        List<BsonDocument> live = new ArrayList<>();
        for (int sequence = 0; sequence < count; sequence++) {
            int dice = random.nextInt(100);
            BsonDocument event;
            if (live.isEmpty() || dice < 30) {
                ObjectId id = new ObjectId(new java.util.Date(BASE_MILLIS + sequence * 1000L), random.nextInt(1 << 24));
                BsonDocument full = fullDocument(id, lineItems);
                live.add(full);
                event = header(sequence, "insert", full.get("_id")).append("fullDocument", full);
            } else {
                int pick = random.nextInt(live.size());
                BsonDocument current = live.get(pick);
                BsonValue id = current.get("_id");
                if (dice < 80) {
                    BsonDocument changed = new BsonDocument("status", new BsonString(word()))
                            .append("updatedAt", new BsonDateTime(millis()));
                    BsonDocument post = current.clone();
                    post.putAll(changed);
                    post.remove("holdReason");
                    live.set(pick, post);
                    event = header(sequence, "update", id)
                            .append("updateDescription", new BsonDocument("updatedFields", changed)
                                    .append("removedFields", new BsonArray(List.of(new BsonString("holdReason"))))
                                    .append("truncatedArrays", new BsonArray()))
                            .append("fullDocument", post);
                } else if (dice < 90) {
                    BsonDocument replacement = fullDocument(id.asObjectId().getValue(), lineItems);
                    live.set(pick, replacement);
                    event = header(sequence, "replace", id).append("fullDocument", replacement);
                } else {
                    live.set(pick, live.get(live.size() - 1));
                    live.remove(live.size() - 1);
                    event = header(sequence, "delete", id);
                }
            }
            events.add(new RawBsonDocument(event, new BsonDocumentCodec()));
        }
        return events;
    }

    private BsonDocument header(int sequence, String operationType, BsonValue documentId) {
        long clusterSeconds = BASE_MILLIS / 1000 + sequence;
        return new BsonDocument("_id", new BsonDocument("_data", new BsonString(resumeToken())))
                .append("operationType", new BsonString(operationType))
                .append("clusterTime", new BsonTimestamp((int) clusterSeconds, 1 + random.nextInt(20)))
                .append("wallTime", new BsonDateTime(clusterSeconds * 1000 + random.nextInt(1000)))
                .append("ns", new BsonDocument("db", new BsonString("shop")).append("coll", new BsonString("orders")))
                .append("documentKey", new BsonDocument("_id", documentId));
    }

    private BsonDocument event(int sequence, int lineItems) {
        ObjectId id = new ObjectId(new java.util.Date(BASE_MILLIS + sequence * 1000L), random.nextInt(1 << 24));
        boolean update = sequence % 3 != 0;
        long clusterSeconds = BASE_MILLIS / 1000 + sequence;
        BsonDocument event = new BsonDocument("_id", new BsonDocument("_data", new BsonString(resumeToken())))
                .append("operationType", new BsonString(update ? "update" : "insert"))
                .append("clusterTime", new BsonTimestamp((int) clusterSeconds, 1 + random.nextInt(20)))
                .append("wallTime", new BsonDateTime(clusterSeconds * 1000 + random.nextInt(1000)))
                .append("ns", new BsonDocument("db", new BsonString("shop")).append("coll", new BsonString("orders")))
                .append("documentKey", new BsonDocument("_id", new BsonObjectId(id)));
        if (update) {
            event.append("updateDescription", new BsonDocument("updatedFields",
                    new BsonDocument("status", new BsonString(word())).append("updatedAt", new BsonDateTime(millis())))
                    .append("removedFields", new BsonArray(List.of(new BsonString("holdReason"))))
                    .append("truncatedArrays", new BsonArray()));
        }
        return event.append("fullDocument", fullDocument(id, lineItems));
    }

    private BsonDocument fullDocument(ObjectId id, int lineItems) {
        List<BsonValue> items = new ArrayList<>();
        for (int i = 0; i < lineItems; i++) {
            items.add(new BsonDocument("sku", new BsonString("SKU-" + (100_000 + random.nextInt(900_000))))
                    .append("name", new BsonString(word() + " " + word()))
                    .append("qty", new BsonInt32(1 + random.nextInt(5)))
                    .append("price", new BsonDouble(price()))
                    .append("addedAt", new BsonDateTime(millis())));
        }
        BsonDocument document = new BsonDocument("_id", new BsonObjectId(id))
                .append("orderNo", new BsonInt64(10_000_000_000L + random.nextInt(1_000_000)))
                .append("status", new BsonString(word()))
                .append("total", new BsonDouble(price() * 3))
                .append("createdAt", new BsonDateTime(millis()))
                .append("tags", new BsonArray(List.of(new BsonString(word()), new BsonString(word()))));
        if (lineItems > 0) {
            // A small event is a status change on a lean document; a large one carries the whole order.
            document.append("customer", new BsonDocument("name", new BsonString("Jane " + word()))
                            .append("email", new BsonString("jane." + random.nextInt(10_000) + "@example.com"))
                            .append("vip", BsonBoolean.valueOf(random.nextBoolean())))
                    .append("note", random.nextBoolean() ? BsonNull.VALUE : new BsonString("Leave at the door, \"thanks\"\n"))
                    .append("items", new BsonArray(items));
        }
        return document;
    }

    private String resumeToken() {
        byte[] token = new byte[57];
        random.nextBytes(token);
        return "82" + HexFormat.of().withUpperCase().formatHex(token) + "04";
    }

    private String word() {
        return WORDS[random.nextInt(WORDS.length)];
    }

    private double price() {
        return (100 + random.nextInt(100_000)) / 100.0;
    }

    private long millis() {
        return BASE_MILLIS + random.nextInt(1_000_000_000);
    }
}
