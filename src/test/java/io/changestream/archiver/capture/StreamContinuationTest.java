package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;

/**
 * The rule by which recovery adopts, and verify calls pending, a line after the checkpoint (issue 13, findings 2
 * and 5), case by case: what a real stream sends passes, everything else is refused with a reason.
 */
class StreamContinuationTest {
    private static final int T = 1_767_225_600; // 2026-01-01T00:00:00Z

    @Test
    void eventsOfOneTransactionShareAClusterTimeAndFollowEachOtherByTxnOpIndex() {
        StreamContinuation c = after(keyString(T, 1, 0, 0));

        assertThat(c.accept(event("orders", keyString(T, 1, 1, 7), T, 1))).isEmpty();
        assertThat(c.accept(event("orders", keyString(T, 1, 2, 3), T, 1))).isEmpty();
        assertThat(c.accept(event("orders", keyString(T, 2, 0, 1), T, 2))).isEmpty();
    }

    @Test
    void anEventAtTheTimeOfAPostBatchHighWaterMarkCheckpointFollowsIt() {
        // Token type 0 (high-water mark) sorts before type 128 (event) at the same clusterTime.
        String hwm = String.format("82%08X%08X2B0200", T, 5);
        StreamContinuation c = after(new BsonDocument("_data", new BsonString(hwm)));

        assertThat(c.accept(event("orders", keyString(T, 5, 0, 1), T, 5))).isEmpty();
    }

    @Test
    void theSameEventAgainOrAnEarlierOneOfTheTransactionIsRefused() {
        BsonDocument checkpoint = keyString(T, 1, 4, 9);

        assertThat(after(checkpoint).accept(event("orders", checkpoint, T, 1))).get().asString()
                .contains("repeats");
        assertThat(after(checkpoint).accept(event("orders", keyString(T, 1, 3, 9), T, 1))).get().asString()
                .contains("sorts before");
        assertThat(after(checkpoint).accept(event("orders", keyString(T - 1, 1, 0, 9), T - 1, 1))).get().asString()
                .contains("went backwards");
    }

    @Test
    void aTokenThatDisagreesWithItsClusterTimeOrLeavesTheKeyStringFormatIsRefused() {
        StreamContinuation c = after(keyString(T, 1, 0, 0));

        assertThat(c.accept(event("orders", keyString(T + 9, 1, 0, 0), T + 1, 1))).get().asString()
                .contains("forged");
        assertThat(c.accept(event("orders", new BsonDocument("_data", new BsonString("forged")), T + 1, 1)))
                .get().asString().contains("not a KeyString");
        assertThat(c.accept(event("orders", new BsonDocument("x", new BsonInt32(1)), T + 1, 1))).get().asString()
                .contains("not a resume token");
    }

    @Test
    void anotherCollectionsEventIsRefusedAndEventsWithoutNsPass() {
        assertThat(after(keyString(T, 1, 0, 0)).accept(event("users", keyString(T + 1, 1, 0, 0), T + 1, 1)))
                .get().asString().contains("collection users");
        assertThat(after(keyString(T, 1, 0, 0)).accept(event(null, keyString(T + 1, 1, 0, 0), T + 1, 1)))
                .isEmpty();
    }

    @Test
    void tokensOfUnknownShapeNeedAStrictlyLaterClusterTimeExceptAfterAStartAtOperationTime() {
        BsonDocument opaque = new BsonDocument("_data", new BsonString("6774b60000000001"));
        BsonDocument next = new BsonDocument("_data", new BsonString("6774b60000000002"));

        assertThat(after(opaque).accept(event("orders", next, T, 1))).get().asString()
                .contains("nothing proves");
        assertThat(after(opaque).accept(event("orders", next, T, 2))).isEmpty();
        StreamContinuation startAt = StreamContinuation.after("orders", Optional.empty(),
                Optional.of(new BsonTimestamp(T, 1)));
        assertThat(startAt.accept(event("orders", next, T, 1))).as("startAtOperationTime is inclusive").isEmpty();
    }

    @Test
    void withNothingArchivedAnyFirstEventOfTheCollectionIsAccepted() {
        StreamContinuation fresh = StreamContinuation.after("orders", Optional.empty(), Optional.empty());

        assertThat(fresh.accept(event("orders", keyString(T, 1, 0, 0), T, 1))).isEmpty();
        assertThat(fresh.accept(event("orders", keyString(T, 1, 0, 0), T, 1))).get().asString().contains("repeats");
    }

    @Test
    void theKeyStringTimeIsReadFromUpperOrLowerCaseHexOnly() {
        assertThat(StreamContinuation.keyStringTime(keyString(T, 7, 0, 0))).contains(new BsonTimestamp(T, 7));
        assertThat(StreamContinuation.keyStringTime(new BsonDocument("_data",
                new BsonString(keyString(T, 7, 0, 0).getString("_data").getValue().toLowerCase()))))
                .contains(new BsonTimestamp(T, 7));
        assertThat(StreamContinuation.keyStringTime(new BsonDocument("_data", new BsonString("82" + "Z".repeat(16)))))
                .isEmpty();
        assertThat(StreamContinuation.keyStringTime(new BsonDocument("_data", new BsonString("8266")))).isEmpty();
    }

    private static StreamContinuation after(BsonDocument token) {
        return StreamContinuation.after("orders", Optional.of(token), Optional.of(
                StreamContinuation.keyStringTime(token).orElse(new BsonTimestamp(T, 1))));
    }

    /** A KeyString-shaped token: cluster time, version 2, event token type, txnOpIndex, document key. */
    private static BsonDocument keyString(int seconds, int inc, int txnOpIndex, int documentKey) {
        return new BsonDocument("_data", new BsonString(String.format("82%08X%08X2B0280%04X1E%08X04", seconds, inc,
                txnOpIndex, documentKey)));
    }

    private static ChangeEvent event(String collection, BsonDocument token, int seconds, int inc) {
        BsonDocument e = new BsonDocument("_id", token).append("operationType", new BsonString("insert"))
                .append("clusterTime", new BsonTimestamp(seconds, inc));
        if (collection != null) {
            e.append("ns", new BsonDocument("db", new BsonString("shop")).append("coll", new BsonString(collection)));
        }
        e.append("documentKey", new BsonDocument("_id", new BsonInt32(1)));
        return ChangeEvent.of(new RawBsonDocument(e, new BsonDocumentCodec()));
    }
}
