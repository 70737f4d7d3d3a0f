package io.changestream.archiver.snapshot;

import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;

/**
 * A collection with integer {@code _id}s in memory, read live like a cursor: changes made while a read is under way
 * are seen by the part of the read that has not passed them yet, as on a real server. The operation time advances
 * by one increment per call.
 */
final class ScriptedSnapshotSource implements SnapshotSource {
    final ConcurrentSkipListMap<Integer, BsonDocument> documents = new ConcurrentSkipListMap<>();
    private final AtomicInteger clock = new AtomicInteger(1);
    volatile Runnable afterEachRead = () -> { };
    int opened;

    ScriptedSnapshotSource fill(int count) {
        for (int i = 0; i < count; i++) {
            documents.put(i, new BsonDocument("_id", new BsonInt32(i)).append("payload",
                    new org.bson.BsonString("document number " + i + " ".repeat(i % 17))));
        }
        return this;
    }

    @Override
    public BsonTimestamp operationTime() {
        return new BsonTimestamp(1_700_000_000, clock.getAndIncrement());
    }

    @Override
    public long estimatedCount(String collection) {
        return documents.size();
    }

    @Override
    public Documents documents(String collection, Optional<BsonValue> after, BsonTimestamp atLeast) {
        opened++;
        Iterator<Map.Entry<Integer, BsonDocument>> it = (after.isPresent()
                ? documents.tailMap(after.get().asInt32().getValue(), false) : documents).entrySet().iterator();
        return new Documents() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public RawBsonDocument next() {
                RawBsonDocument doc = new RawBsonDocument(it.next().getValue(), new BsonDocumentCodec());
                afterEachRead.run();
                return doc;
            }

            @Override
            public void close() {
            }
        };
    }
}
