package io.changestream.archiver.replay;

import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoNamespace;
import com.mongodb.bulk.BulkWriteError;
import com.mongodb.bulk.BulkWriteResult;
import com.mongodb.client.MongoDatabase;
import com.mongodb.client.model.BulkWriteOptions;
import com.mongodb.client.model.RenameCollectionOptions;
import com.mongodb.client.model.WriteModel;
import java.util.ArrayList;
import java.util.List;
import org.bson.RawBsonDocument;

/**
 * Writes replayed events into a MongoDB database with ordered bulk writes.
 *
 * <p>Ordered, because a batch may hold several writes to one document and they must land in archive order. An
 * ordered bulk write stops at its first failed write; the failure is recorded and the rest of the batch is sent
 * again from the write after it, so one bad document does not hold back the others.
 */
public final class MongoReplayTarget implements ReplayTarget {
    private static final int DUPLICATE_KEY = 11000;
    private static final BulkWriteOptions ORDERED = new BulkWriteOptions().ordered(true);

    private final MongoDatabase database;

    public MongoReplayTarget(MongoDatabase database) {
        this.database = database;
    }

    @Override
    public BulkOutcome write(String collection, List<WriteModel<RawBsonDocument>> writes) {
        long matched = 0;
        long upserted = 0;
        long deleted = 0;
        List<WriteFailure> failures = new ArrayList<>();
        int from = 0;
        while (from < writes.size()) {
            List<WriteModel<RawBsonDocument>> rest = writes.subList(from, writes.size());
            try {
                BulkWriteResult result = database.getCollection(collection, RawBsonDocument.class)
                        .bulkWrite(rest, ORDERED);
                matched += result.getMatchedCount();
                upserted += result.getUpserts().size();
                deleted += result.getDeletedCount();
                break;
            } catch (MongoBulkWriteException e) {
                BulkWriteResult partial = e.getWriteResult();
                matched += partial.getMatchedCount();
                upserted += partial.getUpserts().size();
                deleted += partial.getDeletedCount();
                if (e.getWriteErrors().isEmpty()) {
                    throw e; // a write concern error: nothing says which writes are durable
                }
                BulkWriteError first = e.getWriteErrors().get(0);
                failures.add(new WriteFailure(from + first.getIndex(), first.getCode(), first.getMessage()));
                from += first.getIndex() + 1;
            }
        }
        return new BulkOutcome(matched, upserted, deleted, failures, true);
    }

    @Override
    public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
        if (documents.isEmpty()) {
            return new InsertOutcome(0, 0, List.of());
        }
        try {
            database.getCollection(collection, RawBsonDocument.class).insertMany(documents,
                    new com.mongodb.client.model.InsertManyOptions().ordered(false));
            return new InsertOutcome(documents.size(), 0, List.of());
        } catch (MongoBulkWriteException e) {
            if (e.getWriteErrors().isEmpty()) {
                throw e; // a write concern error: nothing says which inserts are durable
            }
            long duplicates = 0;
            List<WriteFailure> failures = new ArrayList<>();
            for (BulkWriteError error : e.getWriteErrors()) {
                if (error.getCode() == DUPLICATE_KEY) {
                    duplicates++;
                } else {
                    failures.add(new WriteFailure(error.getIndex(), error.getCode(), error.getMessage()));
                }
            }
            return new InsertOutcome(e.getWriteResult().getInsertedCount(), duplicates, failures);
        }
    }

    @Override
    public void drop(String collection) {
        database.getCollection(collection).drop();
    }

    @Override
    public void rename(String collection, String newName) {
        database.getCollection(collection).renameCollection(new MongoNamespace(database.getName(), newName),
                new RenameCollectionOptions().dropTarget(false));
    }

    @Override
    public boolean writes() {
        return true;
    }

    @Override
    public String describe() {
        return "database " + database.getName();
    }
}
