package io.changestream.archiver.capture;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoQueryException;
import com.mongodb.MongoSecurityException;

/**
 * Change stream failures classified by error label and server error code, never by message text (as the MongoDB
 * Kafka connector does).
 *
 * <p>Order of the rules: a failure that carries the server's {@value #RESUMABLE_CHANGE_STREAM_ERROR} label is
 * {@link Kind#TRANSIENT} whatever its code: the server itself says resuming from the last token works. Otherwise the
 * named codes decide; anything else (network errors, timeouts, failover, codes not named here) is
 * {@link Kind#TRANSIENT} as well and is retried with backoff.
 */
public final class ServerErrors {
    /** The label MongoDB 4.4+ attaches to a change stream error that the stream can resume from. */
    public static final String RESUMABLE_CHANGE_STREAM_ERROR = "ResumableChangeStreamError";
    /** Older servers' "resume point may no longer be in the oplog". */
    public static final int CHANGE_STREAM_FATAL_ERROR = 280;
    /** The resume token's position has fallen off the oplog. */
    public static final int CHANGE_STREAM_HISTORY_LOST = 286;
    /** The resume token cannot be used with this stream (e.g. from another collection, or malformed). */
    public static final int INVALID_RESUME_TOKEN = 260;
    public static final int UNAUTHORIZED = 13;
    public static final int AUTHENTICATION_FAILED = 18;
    /**
     * {@code BSONObjectTooLarge}: an event exceeded 16 MB. MongoDB 7.0+ splits such events when the stream asks with
     * {@code $changeStreamSplitLargeEvent} ({@link SplitEvents}); before 7.0 the server fails the stream at the same
     * event on every resume.
     */
    public static final int BSON_OBJECT_TOO_LARGE = 10334;

    public enum Kind {
        /** The stream cannot resume from the token: HISTORY_LOST_POLICY decides. */
        HISTORY_LOST,
        /**
         * An event over 16 MB the server could not send: retrying meets the same event again, so the stream stops
         * unless it can reopen with {@code $changeStreamSplitLargeEvent} (see {@link ChangeStreamWatcher}).
         */
        EVENT_TOO_LARGE,
        /** Credentials or permissions: retried with backoff, and logged as something to fix. */
        ACCESS,
        /** Network, failover, timeouts, anything else: retried with backoff from the last received token. */
        TRANSIENT
    }

    private ServerErrors() {
    }

    public static Kind classify(Throwable error) {
        if (resumable(error)) {
            return Kind.TRANSIENT;
        }
        int code = code(error);
        if (code == CHANGE_STREAM_HISTORY_LOST || code == CHANGE_STREAM_FATAL_ERROR || code == INVALID_RESUME_TOKEN) {
            return Kind.HISTORY_LOST;
        }
        if (code == BSON_OBJECT_TOO_LARGE) {
            return Kind.EVENT_TOO_LARGE;
        }
        if (code == UNAUTHORIZED || code == AUTHENTICATION_FAILED || error instanceof MongoSecurityException) {
            return Kind.ACCESS;
        }
        return Kind.TRANSIENT;
    }

    /** True when a MongoDB failure in the cause chain carries the {@value #RESUMABLE_CHANGE_STREAM_ERROR} label. */
    public static boolean resumable(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof MongoException m && m.hasErrorLabel(RESUMABLE_CHANGE_STREAM_ERROR)) {
                return true;
            }
        }
        return false;
    }

    /** The server error code of a failure, or -1 when it has none. */
    public static int code(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof MongoCommandException c) {
                return c.getErrorCode();
            }
            if (t instanceof MongoQueryException q) {
                return q.getErrorCode();
            }
            if (t instanceof MongoException m && m.getCode() > 0) {
                return m.getCode();
            }
        }
        return -1;
    }

    /** A metric-safe short reason: the error code, or the exception type. */
    public static String reason(Throwable error) {
        int code = code(error);
        return code > 0 ? "code_" + code : error.getClass().getSimpleName();
    }
}
