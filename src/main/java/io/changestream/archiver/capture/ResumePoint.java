package io.changestream.archiver.capture;

import java.util.Objects;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * Where a change stream starts: after a token ({@code resumeAfter}), after an invalidate event's token
 * ({@code startAfter}, the only option that can pass an invalidate), at an operation time
 * ({@code startAtOperationTime}, inclusive), or at the present.
 */
public sealed interface ResumePoint {
    record StartAt(BsonTimestamp operationTime) implements ResumePoint {
        public StartAt {
            Objects.requireNonNull(operationTime, "operationTime");
        }
    }

    record Now() implements ResumePoint {
    }

    record ResumeAfter(BsonDocument token) implements ResumePoint {
        public ResumeAfter {
            Objects.requireNonNull(token, "token");
        }
    }

    record StartAfter(BsonDocument token) implements ResumePoint {
        public StartAfter {
            Objects.requireNonNull(token, "token");
        }
    }

    static ResumePoint after(BsonDocument token, boolean invalidate) {
        return invalidate ? new StartAfter(token) : new ResumeAfter(token);
    }
}
