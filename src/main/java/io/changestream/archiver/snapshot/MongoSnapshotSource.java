package io.changestream.archiver.snapshot;

import com.mongodb.ClientSessionOptions;
import com.mongodb.ReadConcern;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Sorts;
import com.mongodb.reactivestreams.client.ClientSession;
import com.mongodb.reactivestreams.client.FindPublisher;
import com.mongodb.reactivestreams.client.MongoClient;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.changestream.archiver.capture.ClusterClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bson.BsonTimestamp;
import org.bson.BsonType;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * Reads a snapshot from the source cluster with the reactive driver, a batch at a time.
 *
 * <p><b>At least T0.</b> Every cursor runs in a causally consistent session whose operation time is advanced to T0,
 * with read concern {@code majority}: the driver then sends {@code afterClusterTime: T0}, so a lagging secondary
 * waits until it has applied T0 instead of answering with older data, and nothing read can be rolled back. Reads
 * follow the client's read preference ({@code readPreference} in {@code MONGODB_URI}), so they may go to a
 * secondary. A server without sessions (the in-process test server) is read without one: it has no replication
 * either, so there is nothing older to read.
 *
 * <p><b>{@code _id} order across types.</b> MongoDB compares values of different types by a fixed type order
 * (MinKey, null, numbers, strings, documents, binary, ObjectId, boolean, date, timestamp, regex, MaxKey), but a
 * query's {@code $gt} matches only values of the bound's own type bracket. "After the last {@code _id}" is therefore
 * {@code $gt} within its bracket <i>or</i> any type of a later bracket, sorted by {@code _id}. (The deprecated
 * {@code undefined} type is not looked for: no server should hold such an {@code _id}.)
 */
public final class MongoSnapshotSource implements SnapshotSource {
    private static final Logger log = LoggerFactory.getLogger(MongoSnapshotSource.class);
    private static final Duration TIMEOUT = Duration.ofSeconds(60);
    static final int BATCH = 1000;
    /**
     * The brackets of MongoDB's comparison order that an {@code _id} can be of, as {@code $type} numbers (numbers
     * rather than aliases, which older servers and the test server do not all know).
     */
    private static final List<List<Integer>> BRACKETS = List.of(List.of(-1), List.of(10), List.of(16, 18, 1, 19),
            List.of(2), List.of(3), List.of(5), List.of(7), List.of(8), List.of(9), List.of(17), List.of(11),
            List.of(127));

    private final MongoClient client;
    private final String database;
    private final ClusterClock clock;
    private volatile Boolean sessions;

    public MongoSnapshotSource(MongoClient client, String database, Clock clock) {
        this.client = client;
        this.database = database;
        this.clock = new ClusterClock(client.getDatabase(database), clock);
    }

    @Override
    public BsonTimestamp operationTime() {
        return clock.now();
    }

    @Override
    public long estimatedCount(String collection) {
        Long n = Mono.from(client.getDatabase(database).getCollection(collection).estimatedDocumentCount())
                .block(TIMEOUT);
        return n == null ? 0 : n;
    }

    @Override
    public Documents documents(String collection, Optional<BsonValue> after, BsonTimestamp atLeast) {
        MongoCollection<RawBsonDocument> coll = client.getDatabase(database)
                .getCollection(collection, RawBsonDocument.class);
        Bson filter = after.map(MongoSnapshotSource::after).orElse(new org.bson.BsonDocument());
        ClientSession session = session(atLeast);
        FindPublisher<RawBsonDocument> find = session == null ? coll.find(filter)
                : coll.withReadConcern(ReadConcern.MAJORITY).find(session, filter);
        Stream<RawBsonDocument> stream = Flux.from(find.sort(Sorts.ascending("_id")).batchSize(BATCH))
                .toStream(BATCH);
        return Documents.of(stream.iterator(), () -> {
            stream.close();
            if (session != null) {
                session.close();
            }
        });
    }

    private ClientSession session(BsonTimestamp atLeast) {
        if (sessions == null) {
            clock.now(); // one round trip, so the driver knows the servers it talks to
            sessions = client.getClusterDescription().getLogicalSessionTimeoutMinutes() != null;
            if (!sessions) {
                log.info("the source cluster does not support sessions; snapshot reads go without afterClusterTime "
                        + "(a standalone server, which has nothing older to read)");
            }
        }
        if (!sessions) {
            return null;
        }
        ClientSession s = Mono.from(client.startSession(ClientSessionOptions.builder().causallyConsistent(true)
                .build())).block(TIMEOUT);
        s.advanceOperationTime(atLeast);
        return s;
    }

    /** Every {@code _id} after {@code last} in MongoDB's order: see the class comment. */
    static Bson after(BsonValue last) {
        int bracket = bracketOf(last.getBsonType());
        List<Bson> any = new ArrayList<>();
        any.add(Filters.gt("_id", last));
        List<Integer> later = BRACKETS.subList(bracket + 1, BRACKETS.size()).stream().flatMap(List::stream).toList();
        for (int type : later) { // one $type each: the test server knows no list of types
            // strings and symbols are one bracket: $gte "" holds both, where $type 2 would miss the symbols
            any.add(type == 2 ? Filters.gte("_id", "")
                    : Filters.type("_id", org.bson.BsonType.findByValue(type == -1 ? 0xFF : type)));
        }
        return any.size() == 1 ? any.get(0) : Filters.or(any);
    }

    static int bracketOf(BsonType type) {
        return switch (type) {
            case MIN_KEY -> 0;
            case NULL, UNDEFINED -> 1;
            case INT32, INT64, DOUBLE, DECIMAL128 -> 2;
            case STRING, SYMBOL -> 3;
            case DOCUMENT -> 4;
            case BINARY -> 5;
            case OBJECT_ID -> 6;
            case BOOLEAN -> 7;
            case DATE_TIME -> 8;
            case TIMESTAMP -> 9;
            case REGULAR_EXPRESSION -> 10;
            case MAX_KEY -> 11;
            default -> throw new IllegalArgumentException("an _id cannot be of type " + type);
        };
    }
}
