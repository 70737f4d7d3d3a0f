package io.changestream.archiver.replay;

import com.mongodb.client.model.WriteModel;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.bson.RawBsonDocument;
import org.bson.BsonValue;

/** What applying one change event to the target amounts to, decided by {@link WritePlanner}. */
public sealed interface WritePlan {

    Operation operation();

    /** Writes to the event's document, to be executed in this order (and after every earlier event's writes). */
    record Writes(Operation operation, BsonValue documentId, List<WriteModel<RawBsonDocument>> models)
            implements WritePlan {
        public Writes {
            Objects.requireNonNull(documentId, "documentId");
            models = List.copyOf(models);
            if (models.isEmpty()) {
                throw new IllegalArgumentException("a write plan needs at least one write");
            }
        }
    }

    /** Nothing to write, for a reason that is not a failure (a deleted document's missing post-image). */
    record Skip(Operation operation, String reason) implements WritePlan {
    }

    /** A DDL event; {@link DdlPolicy} decides. {@code renamedTo} is the new collection name of a rename. */
    record Ddl(Operation operation, Optional<String> renamedTo) implements WritePlan {
    }

    /** The event cannot be applied: it lacks what its type needs. Counts as a failure. */
    record Reject(Operation operation, String reason) implements WritePlan {
    }
}
