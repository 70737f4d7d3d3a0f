package io.changestream.archiver.replay;

import com.mongodb.client.model.WriteModel;
import java.util.List;
import org.bson.RawBsonDocument;

/**
 * Where replayed events are written: a MongoDB database ({@link MongoReplayTarget}), or nowhere for
 * {@code --dry-run} ({@link DryRunTarget}), which goes through the same planning, batching and counting.
 */
public interface ReplayTarget {

    /**
     * Executes the writes in order. A write that fails does not stop the ones after it (they belong to other
     * documents, or to later states of the same document, which will not be more wrong for being applied).
     */
    BulkOutcome write(String collection, List<WriteModel<RawBsonDocument>> writes);

    /**
     * Inserts documents (a snapshot's) in one unordered bulk insert: a document whose {@code _id} is present already
     * is counted as a duplicate, not replaced.
     */
    InsertOutcome insert(String collection, List<RawBsonDocument> documents);

    void drop(String collection);

    void rename(String collection, String newName);

    /** False for a dry run, which writes nothing. */
    boolean writes();

    /** A short description for the summary, without credentials. */
    String describe();

    /**
     * What a bulk write did.
     *
     * @param matched  documents matched by updates and replaces (upserts not included)
     * @param upserted documents inserted by upserting replaces
     * @param deleted  documents deleted
     * @param failures the writes that failed, by index in the list given
     * @param counted  false for a dry run, which cannot know what would have matched
     */
    record BulkOutcome(long matched, long upserted, long deleted, List<WriteFailure> failures, boolean counted) {
        public BulkOutcome {
            failures = List.copyOf(failures);
        }
    }

    /**
     * What a bulk insert did.
     *
     * @param inserted   documents inserted
     * @param duplicates documents whose {@code _id} the target held already
     * @param failures   other failed inserts, by index in the list given
     */
    record InsertOutcome(long inserted, long duplicates, List<WriteFailure> failures) {
        public InsertOutcome {
            failures = List.copyOf(failures);
        }
    }

    /** One failed write: its index in the batch, and the server's error code and message. */
    record WriteFailure(int index, int code, String message) {
    }
}
