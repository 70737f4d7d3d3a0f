package io.changestream.archiver.capture;

import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import com.mongodb.reactivestreams.client.ChangeStreamPublisher;
import com.mongodb.reactivestreams.client.MongoCollection;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.ops.logging.LogContext;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.conversions.Bson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.util.retry.RetryBackoffSpec;

/**
 * The change stream of one collection as an endless {@link Flux} of raw events with real backpressure: the driver
 * fetches only as the subscriber requests.
 *
 * <p>Resilience: transient failures re-subscribe with exponential backoff and jitter from the last token
 * <i>received</i> (events after the checkpoint but before it are still buffered, so resuming there loses and
 * repeats nothing). After an {@code invalidate} event (collection dropped or renamed) the stream ends; it is
 * re-opened with {@code startAfter} that event's token, so capture continues when the collection comes back.
 * A failure classified {@link ServerErrors.Kind#HISTORY_LOST} is not retried here: it ends the flux with a
 * {@link HistoryLostException} for the pipeline to apply {@code HISTORY_LOST_POLICY}. Neither is a failure
 * classified {@link ServerErrors.Kind#EVENT_TOO_LARGE} from a stream that already asked the server to split such
 * events, or from a server that cannot (before MongoDB 7.0): every resume would meet the same event, so the flux
 * ends with an {@link EventTooLargeException} naming the remedy. Only a stream opened before the server's version was
 * known (without the split stage) is retried, once the server is known to split.
 *
 * <p><b>Threads.</b> Immutable, shared by every pipeline of its collection. Each {@link #events} subscription keeps
 * its own state (the position, whether it opened with the split stage) in atomics written on the delivering driver
 * thread and read when it re-subscribes, on a Reactor timer thread after the {@code RetryPolicy} backoff. Events,
 * errors and the restart callback are delivered on those threads: subscribers must not block on them.
 */
public final class ChangeStreamWatcher {
    private static final Logger log = LoggerFactory.getLogger(ChangeStreamWatcher.class);
    /** The longest pause between two re-subscriptions. */
    public static final Duration MAX_BACKOFF = Duration.ofSeconds(30);

    private final MongoCollection<RawBsonDocument> collection;
    private final String name;
    private final FullDocument fullDocument;
    private final FullDocumentBeforeChange beforeChange;
    private final RetryBackoffSpec backoff;
    private final Consumer<String> onRestart;
    private final BooleanSupplier splitLargeEvents;

    /**
     * @param backoff          the pause before each re-subscription after an error (reset by every event received);
     *                          its first delay is also the pause before re-opening after an invalidate
     * @param onRestart        told the reason (error code or type) each time the stream is re-subscribed after an error
     * @param splitLargeEvents asked at each (re-)open whether the server splits events over 16 MB
     *                         ({@code $changeStreamSplitLargeEvent}, MongoDB 7.0+); {@link SplitEvents} rejoins them
     */
    public ChangeStreamWatcher(MongoCollection<RawBsonDocument> collection, ArchiverConfig.FullDocument fullDocument,
                               ArchiverConfig.FullDocumentBeforeChange fullDocumentBeforeChange,
                               RetryBackoffSpec backoff, Consumer<String> onRestart, BooleanSupplier splitLargeEvents) {
        this.collection = collection;
        this.name = collection.getNamespace().getCollectionName();
        this.fullDocument = driverOption(fullDocument);
        this.beforeChange = driverOption(fullDocumentBeforeChange);
        this.backoff = backoff;
        this.onRestart = onRestart;
        this.splitLargeEvents = splitLargeEvents;
    }

    /**
     * The driver's {@code fullDocument} option for {@code MONGODB_FULL_DOCUMENT}. "default" (and "off" below) are the
     * server's defaults: the driver's DEFAULT leaves them unsent, so servers that predate an option
     * (fullDocumentBeforeChange needs 6.0) accept the stream.
     */
    static FullDocument driverOption(ArchiverConfig.FullDocument setting) {
        return switch (setting) {
            case DEFAULT -> FullDocument.DEFAULT;
            case UPDATE_LOOKUP -> FullDocument.UPDATE_LOOKUP;
            case WHEN_AVAILABLE -> FullDocument.WHEN_AVAILABLE;
            case REQUIRED -> FullDocument.REQUIRED;
        };
    }

    /** The driver's {@code fullDocumentBeforeChange} option for {@code MONGODB_FULL_DOCUMENT_BEFORE_CHANGE}. */
    static FullDocumentBeforeChange driverOption(ArchiverConfig.FullDocumentBeforeChange setting) {
        return switch (setting) {
            case OFF -> FullDocumentBeforeChange.DEFAULT;
            case WHEN_AVAILABLE -> FullDocumentBeforeChange.WHEN_AVAILABLE;
            case REQUIRED -> FullDocumentBeforeChange.REQUIRED;
        };
    }

    /** Events after {@code start}, forever, until cancelled or history is lost. */
    public Flux<ChangeEvent> events(ResumePoint start) {
        AtomicReference<ResumePoint> position = new AtomicReference<>(start);
        AtomicBoolean openedSplitting = new AtomicBoolean();
        return Flux.defer(() -> {
                    boolean split = splitLargeEvents.getAsBoolean();
                    openedSplitting.set(split);
                    return open(position.get(), split);
                })
                .doOnNext(raw -> {
                    BsonValue op = raw.get("operationType");
                    position.set(ResumePoint.after(raw.getDocument("_id"),
                            op != null && op.isString() && ChangeEvent.INVALIDATE.equals(op.asString().getValue())));
                })
                // An invalidate ends the server's stream; open the next one after it, with a pause so a
                // collection that stays dropped does not cause a busy loop.
                .repeatWhen(done -> done.concatMap(signal -> {
                    onRestart.accept("invalidate");
                    LogContext.run(name, () -> log.info("change stream of {} ended (invalidate); re-opening with "
                            + "startAfter", name));
                    return Mono.delay(backoff.minBackoff);
                }))
                .onErrorMap(e -> switch (ServerErrors.classify(e)) {
                    case HISTORY_LOST -> new HistoryLostException(name, position.get(), e);
                    // Retried only when the stream lacked the split stage and the server is now known to split.
                    case EVENT_TOO_LARGE -> openedSplitting.get() || !splitLargeEvents.getAsBoolean()
                            ? new EventTooLargeException(name, position.get(), openedSplitting.get(), e) : e;
                    default -> e;
                })
                // transientErrors: the backoff starts over once an event arrives after a re-subscription.
                .retryWhen(backoff.transientErrors(true)
                        .filter(error -> !(error instanceof HistoryLostException)
                                && !(error instanceof EventTooLargeException))
                        .doBeforeRetry(signal -> {
                            Throwable error = signal.failure();
                            onRestart.accept(ServerErrors.reason(error));
                            LogContext.run(name, () -> logRestart(error, signal.totalRetriesInARow() + 1));
                        }))
                .transform(SplitEvents::reassemble)
                .map(ChangeEvent::of);
    }

    /** Logs a re-subscription; the pause is the backoff's nominal one, before its jitter. */
    private void logRestart(Throwable error, long failuresInARow) {
        Duration wait = backoff.minBackoff.multipliedBy(1L << Math.min(failuresInARow - 1, 30));
        if (wait.compareTo(backoff.maxBackoff) > 0) {
            wait = backoff.maxBackoff;
        }
        if (ServerErrors.classify(error) == ServerErrors.Kind.ACCESS) {
            log.error("change stream of {} is not allowed ({}): check the credentials and the "
                    + "changeStream/find privileges; retrying in about {} ms", name, ServerErrors.reason(error),
                    wait.toMillis());
        } else {
            log.warn("change stream of {} failed ({}: {}); re-subscribing in about {} ms", name,
                    ServerErrors.reason(error), error.getMessage(), wait.toMillis());
        }
    }

    private Flux<RawBsonDocument> open(ResumePoint from, boolean split) {
        List<Bson> pipeline = split
                ? List.of(new Document("$changeStreamSplitLargeEvent", new Document())) : List.of();
        ChangeStreamPublisher<RawBsonDocument> publisher = collection
                .watch(pipeline, RawBsonDocument.class)
                .fullDocument(fullDocument)
                .fullDocumentBeforeChange(beforeChange);
        if (from instanceof ResumePoint.ResumeAfter r) {
            publisher = publisher.resumeAfter(r.token());
        } else if (from instanceof ResumePoint.StartAfter s) {
            publisher = publisher.startAfter(s.token());
        } else if (from instanceof ResumePoint.StartAt at) {
            publisher = publisher.startAtOperationTime(at.operationTime());
        }
        log.debug("opening change stream of {} from {}", name, from);
        // withDocumentClass keeps each event as the raw bytes the server sent: no decoding on the hot path.
        return Flux.from(publisher.withDocumentClass(RawBsonDocument.class));
    }

    /** The stream could not resume from its token: the events in between are gone from the oplog. */
    public static final class HistoryLostException extends RuntimeException {
        private final transient ResumePoint position;
        private final int code;

        HistoryLostException(String collection, ResumePoint position, Throwable cause) {
            super("change stream history of " + collection + " is lost: the resume token is no longer in the oplog "
                    + "(server code " + ServerErrors.code(cause) + ")", cause);
            this.position = position;
            this.code = ServerErrors.code(cause);
        }

        public ResumePoint position() {
            return position;
        }

        public int code() {
            return code;
        }

        /** The token that could not be resumed from, if there was one. */
        public java.util.Optional<BsonDocument> token() {
            if (position instanceof ResumePoint.ResumeAfter r) {
                return java.util.Optional.of(r.token());
            }
            if (position instanceof ResumePoint.StartAfter s) {
                return java.util.Optional.of(s.token());
            }
            return java.util.Optional.empty();
        }
    }

    /**
     * An event over 16 MB stops the stream: the server fails it with {@code BSONObjectTooLarge} (10334) at the same
     * event on every resume. The message names the remedy; the position is the last event received before it.
     */
    public static final class EventTooLargeException extends RuntimeException {
        private final transient ResumePoint position;

        EventTooLargeException(String collection, ResumePoint position, boolean split, Throwable cause) {
            super("change stream of " + collection + " stopped: the next event after " + position + " is over 16 MB "
                    + "and the server cannot send it (server code " + ServerErrors.code(cause) + ", BSONObjectTooLarge"
                    + (split ? ", even split by $changeStreamSplitLargeEvent" : "") + "). To go on: "
                    + (split ? "" : "upgrade the source to MongoDB 7.0 or later, where the archiver splits such events "
                    + "with $changeStreamSplitLargeEvent and rejoins them, or ")
                    + "leave the pre- and post-images out of the events (MONGODB_FULL_DOCUMENT=default, "
                    + "MONGODB_FULL_DOCUMENT_BEFORE_CHANGE=off), then restart", cause);
            this.position = position;
        }

        public ResumePoint position() {
            return position;
        }
    }
}
