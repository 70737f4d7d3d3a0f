package io.changestream.archiver.app;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.zip.GZIPInputStream;
import org.bson.BsonBinary;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.UuidRepresentation;
import org.bson.types.Decimal128;
import org.bson.types.MaxKey;
import org.bson.types.MinKey;
import org.bson.types.ObjectId;

/** The demo's writes: inserts of every common BSON type, then updates, replaces and deletes, in two collections. */
final class DemoWorkload {
    static final String DATABASE = "shop";
    static final List<String> COLLECTIONS = List.of("customers", "orders");

    private final int documents;

    DemoWorkload(int documents) {
        this.documents = documents;
    }

    /** Writes the workload; returns how many change events it causes. */
    int run(MongoDatabase db) {
        int events = 0;
        for (String name : COLLECTIONS) {
            MongoCollection<Document> c = db.getCollection(name);
            for (int i = 0; i < documents; i++) {
                c.insertOne(document(name, i));
                events++;
            }
            for (int i = 0; i < documents; i += 2) {
                c.updateOne(Filters.eq("_id", i), Updates.combine(Updates.set("profile.tier", "gold"),
                        Updates.inc("visits", 1), Updates.unset("note"), Updates.push("tags", "updated")));
                events++;
            }
            for (int i = 1; i < documents; i += 5) {
                c.replaceOne(Filters.eq("_id", i), document(name, i).append("replaced", true));
                events++;
            }
            for (int i = 3; i < documents; i += 7) {
                c.deleteOne(Filters.eq("_id", i));
                events++;
            }
        }
        return events;
    }

    /**
     * Documents that exist before the archiver starts (ids from {@value #EXISTING_FROM}), a few of which the
     * workload then changes: only the initial snapshot brings them back in the replica.
     */
    static final int EXISTING_FROM = 1_000_000;

    static void existing(MongoDatabase db, int count) {
        for (String name : COLLECTIONS) {
            List<Document> docs = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                docs.add(document(name, EXISTING_FROM + i));
            }
            db.getCollection(name).insertMany(docs);
        }
    }

    /** Changes some of the documents that existed before: updates that find nothing without the snapshot. */
    int changeExisting(MongoDatabase db, int count) {
        int events = 0;
        for (String name : COLLECTIONS) {
            for (int i = 0; i < count; i += 4) {
                db.getCollection(name).updateOne(Filters.eq("_id", EXISTING_FROM + i),
                        Updates.combine(Updates.set("profile.tier", "platinum"), Updates.inc("visits", 1)));
                events++;
            }
        }
        return events;
    }

    static Document document(String collection, int i) {
        return new Document("_id", i)
                .append("oid", new ObjectId(new Date(1_700_000_000_000L + i * 1000L), i))
                .append("name", collection + " #" + i + " — ünïcødé ✓")
                .append("int32", i)
                .append("int64", 9_000_000_000L + i)
                .append("double", i + 0.25)
                .append("decimal", Decimal128.parse("1234567890.123456789" + i))
                .append("active", i % 2 == 0)
                .append("created", Date.from(Instant.parse("1969-07-20T20:17:40Z").plusSeconds(i * 86_400L)))
                .append("note", i % 3 == 0 ? null : "note " + i)
                .append("tags", List.of("a", "b" + i, List.of(i, (long) i, (double) i)))
                .append("profile", new Document("tier", "silver").append("address",
                        new Document("city", "Zürich").append("zip", "80" + i)))
                .append("bytes", new BsonBinary(new byte[] {1, 2, 3, (byte) i}))
                .append("uuid", new BsonBinary(new UUID(i, i * 31L), UuidRepresentation.STANDARD))
                .append("ts", new BsonTimestamp(1_700_000_000 + i, 1))
                .append("min", new MinKey()).append("max", new MaxKey())
                .append("visits", 0);
    }

    static List<Path> archiveFiles(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            return walk.filter(Files::isRegularFile).filter(f -> !f.toString().contains("snapshots"))
                    .sorted().toList();
        }
    }

    static long countLines(Path file) {
        try (InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(Files.newInputStream(file))
                : Files.newInputStream(file)) {
            long lines = 0;
            byte[] chunk = new byte[64 * 1024];
            for (int n; (n = in.read(chunk)) > 0; ) {
                for (int i = 0; i < n; i++) {
                    if (chunk[i] == '\n') {
                        lines++;
                    }
                }
            }
            return lines;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
