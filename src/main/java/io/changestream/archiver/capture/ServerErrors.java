package io.changestream.archiver.capture;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoException;
import com.mongodb.MongoQueryException;

/**
 * Change stream failures classified by server error code and error label, never by message text.
 */
public final class ServerErrors {
    /** Older servers' "resume point may no longer be in the oplog". */
    public static final int CHANGE_STREAM_FATAL_ERROR = 280;
    /** The resume token's position has fallen off the oplog. */
    public static final int CHANGE_STREAM_HISTORY_LOST = 286;
    /** The resume token cannot be used with this stream (e.g. from another collection, or malformed). */
    public static final int INVALID_RESUME_TOKEN = 260;
    public static final int UNAUTHORIZED = 13;
    public static final int AUTHENTICATION_FAILED = 18;
    /** An event exceeded 16 MB; needs {@code $changeStreamSplitLargeEvent}. */
    public static final int BSON_OBJECT_TOO_LARGE = 10334;

    public enum Kind {
        /** The stream cannot resume from the token: HISTORY_LOST_POLICY decides. */
        HISTORY_LOST,
        /** Credentials or permissions: retried with backoff, and logged as something to fix. */
        ACCESS,
        /** Network, failover, timeouts, anything else: retried with backoff from the last received token. */
        TRANSIENT
    }

    private ServerErrors() {
    }

    public static Kind classify(Throwable error) {
        int code = code(error);
        if (code == CHANGE_STREAM_HISTORY_LOST || code == CHANGE_STREAM_FATAL_ERROR || code == INVALID_RESUME_TOKEN) {
            return Kind.HISTORY_LOST;
        }
        if (code == UNAUTHORIZED || code == AUTHENTICATION_FAILED
                || error instanceof com.mongodb.MongoSecurityException) {
            return Kind.ACCESS;
        }
        return Kind.TRANSIENT;
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
