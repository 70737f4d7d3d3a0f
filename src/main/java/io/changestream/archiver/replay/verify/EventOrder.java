package io.changestream.archiver.replay.verify;

import io.changestream.archiver.capture.ChangeEvent;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;

/**
 * Checks that a collection's events, read in archive order, form one history: {@code clusterTime} never goes
 * backwards, and no event appears twice.
 *
 * <p>Events of one transaction share a {@code clusterTime}, so equal times are allowed; within a run of equal times
 * the resume tokens must all differ. A copied line or range therefore shows up as a time going backwards or, when
 * everything shares one second and increment, as a repeated token. Only the current run's tokens are held, so
 * memory stays small whatever the archive's size. Resume tokens are compared for equality only, never ordered: their
 * encoding is the server's business.
 */
public final class EventOrder {
    private BsonTimestamp last;
    private final Set<BsonDocument> tokensAtLast = new HashSet<>();

    /** Takes the next event; returns the kind of break it makes, if any. */
    public Optional<Finding.Kind> accept(ChangeEvent event) {
        BsonTimestamp time = event.clusterTime();
        if (last != null && time.compareTo(last) < 0) {
            return Optional.of(Finding.Kind.TIME_BACKWARDS);
        }
        if (last == null || time.compareTo(last) > 0) {
            last = time;
            tokensAtLast.clear();
        }
        return tokensAtLast.add(event.resumeToken()) ? Optional.empty() : Optional.of(Finding.Kind.DUPLICATE_EVENT);
    }

    public Optional<BsonTimestamp> last() {
        return Optional.ofNullable(last);
    }
}
