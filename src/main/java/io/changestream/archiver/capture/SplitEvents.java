package io.changestream.archiver.capture;

import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import reactor.core.publisher.Flux;

/**
 * Reassembles change events that MongoDB 7.0+ split with {@code $changeStreamSplitLargeEvent} because they exceed
 * 16 MB. Fragments arrive consecutively, each with {@code splitEvent: {fragment: i, of: n}} and a disjoint share of
 * the event's top-level fields; the archive gets one whole event per line, as if it had never been split.
 *
 * <p>The whole event takes the <i>last</i> fragment's {@code _id}: resuming after it continues after the whole
 * event, while a stream interrupted between fragments resumes after the last fragment received and the server sends
 * the remaining ones (this operator sits downstream of the re-subscription, so the fragments already received are
 * kept). Events that are not fragments pass through untouched, byte for byte.
 */
public final class SplitEvents {
    private static final String SPLIT = "splitEvent";

    private SplitEvents() {
    }

    public static Flux<RawBsonDocument> reassemble(Flux<RawBsonDocument> events) {
        return events.bufferUntil(SplitEvents::completesAnEvent).map(SplitEvents::merge);
    }

    private static boolean completesAnEvent(RawBsonDocument event) {
        BsonValue split = event.get(SPLIT);
        if (split == null || !split.isDocument()) {
            return true;
        }
        BsonDocument s = split.asDocument();
        return s.getNumber("fragment").intValue() >= s.getNumber("of").intValue();
    }

    private static RawBsonDocument merge(List<RawBsonDocument> fragments) {
        if (fragments.size() == 1 && !fragments.get(0).containsKey(SPLIT)) {
            return fragments.get(0);
        }
        BsonDocument whole = new BsonDocument("_id", fragments.get(fragments.size() - 1).get("_id"));
        for (RawBsonDocument fragment : fragments) {
            for (var field : fragment.entrySet()) {
                if (!field.getKey().equals("_id") && !field.getKey().equals(SPLIT)) {
                    whole.put(field.getKey(), field.getValue());
                }
            }
        }
        return new RawBsonDocument(whole, new BsonDocumentCodec());
    }
}
