package io.changestream.archiver.capture;

import com.mongodb.event.CommandFailedEvent;
import com.mongodb.event.CommandListener;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import org.bson.BsonDocument;
import org.bson.BsonValue;

/**
 * Watches the driver's change stream commands for what the reactive API does not expose: whether a stream's
 * {@code aggregate} succeeded (readiness), and the post-batch resume token of empty batches (so an idle
 * collection's checkpoint can move forward and its position never falls out of the oplog).
 *
 * <p>Why an empty batch's token is safe to checkpoint: the reactive driver issues the next {@code getMore} only
 * after every document of the previous batch was emitted downstream, so when an empty batch answers, every event
 * before its post-batch token has already reached the buffer. The pipeline still checks that no event arrived
 * since ({@link IdleToken#eventsSeen()}) and that the buffer is empty before using it.
 *
 * <p><b>Threads.</b> Command events arrive on driver threads, {@link #eventDelivered} on the capture thread, the
 * queries from pipelines, status and metrics on any thread. The state is per stream in a concurrent map of volatile
 * fields, each written serially (one cursor's commands follow each other), plus the concurrent map of pending
 * requests; no lock. The idle-token listener runs on the driver's thread and must not block.
 */
public final class CursorMonitor implements CommandListener {
    private static final int MONGODB_7_WIRE_VERSION = 21;

    private final String database;
    private final Map<String, Stream> streams = new ConcurrentHashMap<>();
    private final Map<Integer, String> pending = new ConcurrentHashMap<>();
    private volatile int maxWireVersion;
    private volatile BiConsumer<String, BsonDocument> idleTokenListener = (collection, token) -> { };

    /** An idle stream's post-batch token, and how many events the stream had delivered when it was seen. */
    public record IdleToken(BsonDocument token, long eventsSeen) {
    }

    private static final class Stream {
        volatile boolean open;
        volatile IdleToken idle;
        volatile long events;
    }

    public CursorMonitor(String database) {
        this.database = database;
    }

    /** Counts an event delivered to the pipeline; pairs idle tokens with the count at the time they were seen. */
    public void eventDelivered(String collection) {
        stream(collection).events++;
    }

    public boolean isOpen(String collection) {
        return stream(collection).open;
    }

    public void closed(String collection) {
        stream(collection).open = false;
    }

    public Optional<IdleToken> idleToken(String collection) {
        Stream s = stream(collection);
        IdleToken t = s.idle;
        return t != null && t.eventsSeen() == s.events ? Optional.of(t) : Optional.empty();
    }

    /**
     * Called with each idle token as its reply arrives, on the driver's thread (so it must not block): the
     * capture lag of an idle stream follows it.
     */
    public void onIdleToken(BiConsumer<String, BsonDocument> listener) {
        idleTokenListener = listener;
    }

    public long eventsDelivered(String collection) {
        return stream(collection).events;
    }

    @Override
    public void commandStarted(CommandStartedEvent event) {
        if (!database.equals(event.getDatabaseName())) {
            return;
        }
        BsonDocument command = event.getCommand();
        String collection = null;
        if ("aggregate".equals(event.getCommandName()) && isChangeStream(command)) {
            collection = command.getString("aggregate").getValue();
        } else if ("getMore".equals(event.getCommandName()) && command.isString("collection")) {
            collection = command.getString("collection").getValue();
        }
        if (collection != null) {
            pending.put(event.getRequestId(), collection);
        }
    }

    /**
     * True once a source server was seen that splits events over 16 MB with {@code $changeStreamSplitLargeEvent}
     * (MongoDB 7.0, wire version 21, or later). Learned from the connection of any successful command.
     */
    public boolean serverSplitsLargeEvents() {
        return maxWireVersion >= MONGODB_7_WIRE_VERSION;
    }

    @Override
    public void commandSucceeded(CommandSucceededEvent event) {
        maxWireVersion = event.getConnectionDescription().getMaxWireVersion();
        String collection = pending.remove(event.getRequestId());
        if (collection == null) {
            return;
        }
        Stream s = stream(collection);
        s.open = true;
        BsonDocument response = event.getResponse();
        BsonValue cursor = response == null ? null : response.get("cursor");
        if (cursor == null || !cursor.isDocument()) {
            return;
        }
        BsonDocument c = cursor.asDocument();
        BsonValue batch = c.containsKey("nextBatch") ? c.get("nextBatch") : c.get("firstBatch");
        BsonValue token = c.get("postBatchResumeToken");
        if (batch != null && batch.isArray() && batch.asArray().isEmpty() && token != null && token.isDocument()) {
            s.idle = new IdleToken(token.asDocument().clone(), s.events);
            idleTokenListener.accept(collection, s.idle.token());
        }
    }

    @Override
    public void commandFailed(CommandFailedEvent event) {
        String collection = pending.remove(event.getRequestId());
        if (collection != null) {
            stream(collection).open = false;
        }
    }

    private Stream stream(String collection) {
        return streams.computeIfAbsent(collection, c -> new Stream());
    }

    private static boolean isChangeStream(BsonDocument command) {
        BsonValue pipeline = command.get("pipeline");
        return command.isString("aggregate") && pipeline != null && pipeline.isArray() && !pipeline.asArray().isEmpty()
                && pipeline.asArray().get(0).isDocument()
                && pipeline.asArray().get(0).asDocument().containsKey("$changeStream");
    }
}
