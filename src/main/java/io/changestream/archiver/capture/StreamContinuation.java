package io.changestream.archiver.capture;

import java.util.HexFormat;
import java.util.Locale;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;

/**
 * Decides whether an event provably continues one collection's change stream after a known position: the rule by
 * which crash recovery adopts archived lines beyond the checkpoint
 * ({@link io.changestream.archiver.pipeline.ExactlyOnceWriter}, step 4) and by which {@code verify} calls them
 * pending. Both use this class, so the two cannot disagree. A position is a resume token and a {@code clusterTime}
 * (a checkpoint, then each accepted event); before anything was ever archived it is empty.
 *
 * <h2>The rule</h2>
 * The next event continues the stream only when all of these hold:
 * <ol>
 *   <li><b>This collection.</b> When the event has {@code ns.coll}, it is this collection. Events without it
 *       ({@code invalidate}, {@code dropDatabase}, servers that omit {@code ns}) pass.</li>
 *   <li><b>A resume token.</b> Its {@code _id} holds a {@code _data} string, as every change stream since MongoDB
 *       4.2 sends.</li>
 *   <li><b>A token that agrees with its event.</b> A MongoDB token is a KeyString in upper-case hex whose first
 *       value is the event's cluster time (type byte {@code 0x82}, then seconds and increment, big-endian): that
 *       time must equal the event's {@code clusterTime}. Once the stream has given KeyString tokens, every later
 *       token must be one: a server never changes the format within a stream.</li>
 *   <li><b>Forward, strictly.</b> {@code clusterTime} is not before the position's. When both tokens are KeyStrings,
 *       the token is also strictly greater, compared as hex strings (case-insensitively), which is byte order of
 *       the KeyString: the server sorts and resumes streams by exactly that order, clusterTime first, then
 *       token version, token type (a post-batch high-water mark sorts before events of its time), the
 *       transaction's operation index ({@code txnOpIndex}: events of one transaction share a clusterTime and
 *       differ here), then the collection's UUID and the document key (which order events of different shards
 *       at one time). An equal token is the same event again. When either token is not a KeyString (the
 *       in-process test server, hand-made tokens), their order is unknown: the event must then be strictly later
 *       in {@code clusterTime}, except right after a position without a token, which starts capture at its
 *       {@code clusterTime} inclusively.</li>
 * </ol>
 * Anything else is refused with a reason. The rule proves order and provenance as far as the lines can: a line
 * copied from later in the same stream, or a forged token that is a well-formed KeyString of the right time, cannot
 * be told from the real continuation without the server, and resuming after it is what reveals it.
 *
 * <p>Not thread-safe; one instance follows one pass over the lines.
 */
public final class StreamContinuation {
    private static final int TIMESTAMP_TYPE = 0x82;
    private static final int KEYSTRING_HEAD = 18; // hex digits: type byte and eight bytes of timestamp

    private final String collection;
    private BsonDocument token;
    private BsonTimestamp clusterTime;

    private StreamContinuation(String collection, BsonDocument token, BsonTimestamp clusterTime) {
        this.collection = collection;
        this.token = token;
        this.clusterTime = clusterTime;
    }

    /**
     * Follows {@code collection}'s stream from a position: after {@code token}, or (empty token) from
     * {@code clusterTime} inclusive. An empty {@code clusterTime} means nothing was ever archived: any first event
     * of this collection is accepted.
     */
    public static StreamContinuation after(String collection, Optional<BsonDocument> token,
                                           Optional<BsonTimestamp> clusterTime) {
        return new StreamContinuation(collection, token.orElse(null), clusterTime.orElse(null));
    }

    /**
     * Takes the next event: empty when it continues the stream (it becomes the position), else why it does not (the
     * position stays).
     */
    public Optional<String> accept(ChangeEvent event) {
        Optional<String> refusal = refusal(event);
        if (refusal.isEmpty()) {
            token = event.resumeToken();
            clusterTime = event.clusterTime();
        }
        return refusal;
    }

    /** The position's description, for messages: its token, else its clusterTime. */
    public String position() {
        if (token != null) {
            return "token " + token.toJson();
        }
        return clusterTime == null ? "the start of the archive" : "clusterTime " + describe(clusterTime);
    }

    private Optional<String> refusal(ChangeEvent event) {
        BsonDocument raw = event.raw();
        BsonValue ns = raw.get("ns");
        if (ns != null && ns.isDocument() && ns.asDocument().isString("coll")
                && !ns.asDocument().getString("coll").getValue().equals(collection)) {
            return Optional.of("it is an event of collection " + ns.asDocument().getString("coll").getValue()
                    + ", not of " + collection);
        }
        BsonDocument next = event.resumeToken();
        if (!next.isString("_data")) {
            return Optional.of("its _id " + next.toJson() + " is not a resume token (no _data string)");
        }
        BsonTimestamp time = event.clusterTime();
        Optional<BsonTimestamp> tokenTime = keyStringTime(next);
        if (tokenTime.isPresent() && !tokenTime.get().equals(time)) {
            return Optional.of("its resume token says clusterTime " + describe(tokenTime.get()) + " but the event "
                    + "says " + describe(time) + ": a forged or damaged token");
        }
        boolean previousKeyString = token != null && keyStringTime(token).isPresent();
        if (previousKeyString && tokenTime.isEmpty()) {
            return Optional.of("its resume token " + next.toJson() + " is not a KeyString like the stream's "
                    + "tokens before it: a forged or damaged token");
        }
        if (clusterTime == null) {
            return Optional.empty();
        }
        int byTime = time.compareTo(clusterTime);
        if (byTime < 0) {
            return Optional.of("its clusterTime " + describe(time) + " is before " + describe(clusterTime)
                    + " of " + position() + ": the stream went backwards (a copied or replayed range?)");
        }
        if (previousKeyString) {
            int byToken = data(next).compareTo(data(token));
            if (byToken <= 0) {
                return Optional.of("its resume token " + next.toJson() + (byToken == 0 ? " repeats " : " sorts before ")
                        + position() + ": the stream went backwards (a copied or replayed range?)");
            }
            return Optional.empty();
        }
        if (byTime == 0 && token != null) {
            return Optional.of("it shares clusterTime " + describe(time) + " with " + position() + " and their "
                    + "tokens are not KeyStrings, so nothing proves it comes after it");
        }
        return Optional.empty();
    }

    /**
     * The cluster time a MongoDB resume token starts with, when the token is a KeyString: {@code _data} in hex, at
     * least the type byte {@code 0x82} and eight big-endian bytes (seconds, increment). Empty for any other shape.
     */
    public static Optional<BsonTimestamp> keyStringTime(BsonDocument token) {
        if (!token.isString("_data")) {
            return Optional.empty();
        }
        String data = token.getString("_data").getValue();
        if (data.length() < KEYSTRING_HEAD || data.length() % 2 != 0 || !isHex(data)) {
            return Optional.empty();
        }
        byte[] head = HexFormat.of().parseHex(data, 0, KEYSTRING_HEAD);
        if ((head[0] & 0xff) != TIMESTAMP_TYPE) {
            return Optional.empty();
        }
        long value = 0;
        for (int i = 1; i < head.length; i++) {
            value = (value << 8) | (head[i] & 0xff);
        }
        return Optional.of(new BsonTimestamp(value));
    }

    private static boolean isHex(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!(c >= '0' && c <= '9' || c >= 'A' && c <= 'F' || c >= 'a' && c <= 'f')) {
                return false;
            }
        }
        return true;
    }

    private static String data(BsonDocument token) {
        return token.getString("_data").getValue().toUpperCase(Locale.ROOT);
    }

    private static String describe(BsonTimestamp t) {
        return Integer.toUnsignedString(t.getTime()) + ":" + Integer.toUnsignedString(t.getInc());
    }
}
