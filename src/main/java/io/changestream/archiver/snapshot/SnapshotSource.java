package io.changestream.archiver.snapshot;

import java.util.Iterator;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;

/**
 * Where a snapshot reads from: the source cluster ({@link MongoSnapshotSource}), or a scripted source in tests,
 * which can interleave changes with the reads as a live cluster would.
 */
public interface SnapshotSource {

    /**
     * The cluster's current operation time, read after every earlier read of this source completed: T0 when taken
     * first, the snapshot's end when taken after the last read. Blocking.
     */
    BsonTimestamp operationTime();

    /**
     * The collection's documents in {@code _id} order (MongoDB's comparison order across BSON types), starting
     * after {@code after} when given, each read observing at least {@code atLeast}. Batches are fetched as the
     * iterator advances, so memory stays bounded by a batch.
     */
    Documents documents(String collection, Optional<BsonValue> after, BsonTimestamp atLeast);

    /** About how many documents the collection holds (from metadata, not a count), for progress estimates. */
    long estimatedCount(String collection);

    /** A cursor; close it when done or abandoned. */
    interface Documents extends Iterator<RawBsonDocument>, AutoCloseable {
        @Override
        void close();

        /** The documents {@code it} yields, as a cursor whose {@link #close} runs {@code onClose}. */
        static Documents of(Iterator<RawBsonDocument> it, Runnable onClose) {
            return new Documents() {
                @Override
                public boolean hasNext() {
                    return it.hasNext();
                }

                @Override
                public RawBsonDocument next() {
                    return it.next();
                }

                @Override
                public void close() {
                    onClose.run();
                }
            };
        }
    }
}
