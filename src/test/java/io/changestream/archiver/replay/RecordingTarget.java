package io.changestream.archiver.replay;

import com.mongodb.client.model.WriteModel;
import java.util.ArrayList;
import java.util.List;
import org.bson.RawBsonDocument;

/**
 * The replay tests' target: it keeps every write and every inserted (snapshot) document replay hands it, in order,
 * and answers each bulk write as the test says ({@link #allApplied} unless told otherwise), so a test can refuse
 * some writes or end the replay part way. Inserts succeed (a test that needs another answer overrides
 * {@link #insert}; a snapshot load calls it from a thread of its own, one batch at a time, and the list is complete
 * when the load returns); drops and renames change nothing. Unlike
 * {@link DryRunTarget} it {@linkplain #writes() writes}, so replay plans, batches and counts as for a database.
 */
public class RecordingTarget implements ReplayTarget {

    /** How the target answers one bulk write; it may throw, as a write an interrupt ends does. */
    @FunctionalInterface
    interface WriteAnswer {
        BulkOutcome answer(String collection, List<WriteModel<RawBsonDocument>> writes);
    }

    final List<WriteModel<RawBsonDocument>> writes = new ArrayList<>();
    public final List<RawBsonDocument> inserted = new ArrayList<>();
    private final WriteAnswer answer;

    /** Every write applied. */
    public RecordingTarget() {
        this(RecordingTarget::allApplied);
    }

    RecordingTarget(WriteAnswer answer) {
        this.answer = answer;
    }

    /** The answer of a target that applied every write (counted as upserts), and refused none. */
    static BulkOutcome allApplied(String collection, List<WriteModel<RawBsonDocument>> writes) {
        return new BulkOutcome(0, writes.size(), 0, List.of(), true);
    }

    @Override
    public BulkOutcome write(String collection, List<WriteModel<RawBsonDocument>> batch) {
        BulkOutcome outcome = answer.answer(collection, batch);
        writes.addAll(batch);
        return outcome;
    }

    @Override
    public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
        inserted.addAll(documents);
        return new InsertOutcome(documents.size(), 0, List.of());
    }

    @Override
    public void drop(String collection) {
    }

    @Override
    public void rename(String collection, String newName) {
    }

    @Override
    public boolean writes() {
        return true;
    }

    @Override
    public String describe() {
        return "recording";
    }
}
