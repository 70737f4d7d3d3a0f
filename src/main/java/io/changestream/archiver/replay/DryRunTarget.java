package io.changestream.archiver.replay;

import com.mongodb.client.model.WriteModel;
import java.util.List;
import org.bson.RawBsonDocument;

/** {@code --dry-run}: every event is read, decoded, planned and counted; nothing is written anywhere. */
public final class DryRunTarget implements ReplayTarget {
    @Override
    public BulkOutcome write(String collection, List<WriteModel<RawBsonDocument>> writes) {
        return new BulkOutcome(0, 0, 0, List.of(), false);
    }

    @Override
    public InsertOutcome insert(String collection, List<RawBsonDocument> documents) {
        return new InsertOutcome(documents.size(), 0, List.of());
    }

    @Override
    public void drop(String collection) {
        // a dry run changes nothing
    }

    @Override
    public void rename(String collection, String newName) {
        // a dry run changes nothing
    }

    @Override
    public boolean writes() {
        return false;
    }

    @Override
    public String describe() {
        return "nothing (dry run)";
    }
}
