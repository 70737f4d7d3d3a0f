package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.ServerAddress;
import com.mongodb.connection.ClusterId;
import com.mongodb.connection.ConnectionDescription;
import com.mongodb.connection.ServerId;
import com.mongodb.event.CommandFailedEvent;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** Replies shaped like MongoDB's (mongo-java-server sends no post-batch tokens, so they are built by hand). */
class CursorMonitorTest {
    private static final ConnectionDescription CONNECTION =
            new ConnectionDescription(new ServerId(new ClusterId(), new ServerAddress()));
    private final CursorMonitor monitor = new CursorMonitor("shop");
    private int requestId;

    @Test
    void anEmptyBatchWithAPostBatchTokenIsAnIdleTokenUntilTheNextEventArrives() {
        getMore("orders", new BsonArray(), token("8200000001"));
        assertThat(monitor.idleToken("orders")).map(CursorMonitor.IdleToken::token).contains(token("8200000001"));

        monitor.eventDelivered("orders");
        assertThat(monitor.idleToken("orders")).as("an event arrived after the token was seen").isEmpty();

        getMore("orders", new BsonArray(), token("8200000002"));
        assertThat(monitor.idleToken("orders")).map(CursorMonitor.IdleToken::token).contains(token("8200000002"));
    }

    @Test
    void aNonEmptyBatchDoesNotYieldAnIdleToken() {
        BsonArray batch = new BsonArray();
        batch.add(new BsonDocument("_id", token("8200000003")));
        getMore("orders", batch, token("8200000003"));
        assertThat(monitor.idleToken("orders")).isEmpty();
    }

    @Test
    void aChangeStreamAggregateOpensTheStreamAndAFailedGetMoreClosesIt() {
        assertThat(monitor.isOpen("orders")).isFalse();
        BsonDocument aggregate = new BsonDocument("aggregate", new BsonString("orders")).append("pipeline",
                new BsonArray(java.util.List.of(new BsonDocument("$changeStream", new BsonDocument()))));
        int id = ++requestId;
        monitor.commandStarted(new CommandStartedEvent(null, 1, id, CONNECTION, "shop", "aggregate", aggregate));
        monitor.commandSucceeded(new CommandSucceededEvent(null, 1, id, CONNECTION, "shop", "aggregate",
                new BsonDocument("cursor", new BsonDocument("firstBatch", new BsonArray())
                        .append("id", new BsonInt64(7))), 1));
        assertThat(monitor.isOpen("orders")).isTrue();

        int failed = ++requestId;
        monitor.commandStarted(new CommandStartedEvent(null, 1, failed, CONNECTION, "shop", "getMore",
                new BsonDocument("getMore", new BsonInt64(7)).append("collection", new BsonString("orders"))));
        monitor.commandFailed(new CommandFailedEvent(null, 1, failed, CONNECTION, "shop", "getMore", 1,
                new RuntimeException("network")));
        assertThat(monitor.isOpen("orders")).isFalse();
    }

    @Test
    void commandsOfOtherDatabasesAndPlainAggregatesAreIgnored() {
        int id = ++requestId;
        monitor.commandStarted(new CommandStartedEvent(null, 1, id, CONNECTION, "other", "getMore",
                new BsonDocument("getMore", new BsonInt64(1)).append("collection", new BsonString("orders"))));
        monitor.commandSucceeded(new CommandSucceededEvent(null, 1, id, CONNECTION, "other", "getMore",
                reply(new BsonArray(), token("82")), 1));
        int plain = ++requestId;
        monitor.commandStarted(new CommandStartedEvent(null, 1, plain, CONNECTION, "shop", "aggregate",
                new BsonDocument("aggregate", new BsonString("orders")).append("pipeline", new BsonArray())));
        monitor.commandSucceeded(new CommandSucceededEvent(null, 1, plain, CONNECTION, "shop", "aggregate",
                new BsonDocument("ok", new BsonInt32(1)), 1));
        assertThat(monitor.isOpen("orders")).isFalse();
        assertThat(monitor.idleToken("orders")).isEmpty();
    }

    private void getMore(String collection, BsonArray batch, BsonDocument postBatchToken) {
        int id = ++requestId;
        monitor.commandStarted(new CommandStartedEvent(null, 1, id, CONNECTION, "shop", "getMore",
                new BsonDocument("getMore", new BsonInt64(7)).append("collection", new BsonString(collection))));
        monitor.commandSucceeded(new CommandSucceededEvent(null, 1, id, CONNECTION, "shop", "getMore",
                reply(batch, postBatchToken), 1));
    }

    private static BsonDocument reply(BsonArray batch, BsonDocument postBatchToken) {
        return new BsonDocument("cursor", new BsonDocument("nextBatch", batch)
                .append("postBatchResumeToken", postBatchToken).append("id", new BsonInt64(7)))
                .append("ok", new BsonInt32(1));
    }

    private static BsonDocument token(String data) {
        return new BsonDocument("_data", new BsonString(data));
    }
}
