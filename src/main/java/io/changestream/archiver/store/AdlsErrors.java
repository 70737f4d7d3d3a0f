package io.changestream.archiver.store;

import com.azure.core.exception.HttpResponseException;
import io.changestream.archiver.config.Secret;

/**
 * Turns Azure SDK failures into our store exceptions, classified by HTTP status and {@code x-ms-error-code}, never
 * by message text.
 *
 * <p>Sanitising is the point of this class. SDK exception messages carry the service's error body, which for a
 * failed signature quotes the signature the client sent, and transport errors can quote the request URL with its
 * SAS query. So our messages are built only from the operation, the archive path, the status and the error code,
 * and the cause chain is replaced by {@link SanitizedCause} copies: class names and stack traces for debugging,
 * messages masked, no SDK object that a logger could render in full.
 */
final class AdlsErrors {
    static final String ERROR_CODE_HEADER = "x-ms-error-code";

    static final String CONDITION_NOT_MET = "ConditionNotMet";
    static final String INVALID_FLUSH_POSITION = "InvalidFlushPosition";
    static final String PATH_ALREADY_EXISTS = "PathAlreadyExists";
    static final String CONTAINER_ALREADY_EXISTS = "ContainerAlreadyExists";

    private static final int NOT_FOUND = 404;
    private static final int CONFLICT = 409;
    private static final int PRECONDITION_FAILED = 412;
    private static final int BAD_REQUEST = 400;
    private static final int UNAUTHORIZED = 401;
    private static final int FORBIDDEN = 403;

    private AdlsErrors() {
    }

    /** The HTTP status of an SDK service error, or -1 when the failure had no answer (timeout, I/O, interrupt). */
    static int status(RuntimeException e) {
        return e instanceof HttpResponseException http && http.getResponse() != null
                ? http.getResponse().getStatusCode() : -1;
    }

    /** The {@code x-ms-error-code} of an SDK service error, or an empty string. */
    static String code(RuntimeException e) {
        if (e instanceof HttpResponseException http && http.getResponse() != null) {
            String code = http.getResponse().getHeaderValue(ERROR_CODE_HEADER);
            return code == null ? "" : code;
        }
        return "";
    }

    static boolean isNotFound(RuntimeException e) {
        return status(e) == NOT_FOUND;
    }

    static boolean isAlreadyExists(RuntimeException e) {
        return status(e) == CONFLICT
                && (PATH_ALREADY_EXISTS.equals(code(e)) || CONTAINER_ALREADY_EXISTS.equals(code(e)));
    }

    /**
     * The service refused a write because the file is not in the state the request assumed: the ETag moved
     * ({@code 412 ConditionNotMet}) or the data is not contiguous with the committed length
     * ({@code 400 InvalidFlushPosition}). Either our own earlier try committed, or another writer did.
     */
    static boolean isRejectedByFileState(RuntimeException e) {
        return (status(e) == PRECONDITION_FAILED && CONDITION_NOT_MET.equals(code(e)))
                || (status(e) == BAD_REQUEST && INVALID_FLUSH_POSITION.equals(code(e)));
    }

    /**
     * A client error that a change of the file could explain (400, 404, 409, 412): worth comparing the file with
     * what this writer last saw before calling it a plain failure. The service's exact code for an append below
     * the committed length is not documented, so the state decides, not the code.
     */
    static boolean mayReflectFileState(RuntimeException e) {
        int status = status(e);
        return status == BAD_REQUEST || status == NOT_FOUND || status == CONFLICT || status == PRECONDITION_FAILED;
    }

    /** A failure whose cause a user fixes by changing credentials or permissions. */
    static boolean isAuthFailure(RuntimeException e) {
        return status(e) == UNAUTHORIZED || status(e) == FORBIDDEN;
    }

    /** {@code cannot <what>: ADLS answered HTTP 503 ServerBusy}, with a hint for credential problems. */
    static StoreUnavailableException unavailable(String what, RuntimeException e) {
        restoreInterrupt(e);
        return new StoreUnavailableException(describe(what, e), SanitizedCause.of(e));
    }

    /** Reactor's {@code block()} turns an interrupt into an exception and clears the flag; put it back. */
    private static void restoreInterrupt(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InterruptedException) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    static String describe(String what, RuntimeException e) {
        int status = status(e);
        if (status < 0) {
            return "cannot " + what + ": no answer from ADLS (" + SanitizedCause.summary(e) + ")";
        }
        String text = "cannot " + what + ": ADLS answered HTTP " + status
                + (code(e).isEmpty() ? "" : " " + code(e));
        if (isAuthFailure(e)) {
            text += " - the credentials were refused; check AZURE_STORAGE_ACCOUNT_KEY, AZURE_STORAGE_SAS_TOKEN "
                    + "or the identity's role assignment on the file system";
        }
        return text;
    }

    /**
     * A stand-in for an SDK exception in our cause chains: same class name and stack trace, message reduced to
     * what cannot carry a secret.
     */
    static final class SanitizedCause extends RuntimeException {
        private SanitizedCause(String message, Throwable cause) {
            super(message, cause);
        }

        static SanitizedCause of(Throwable e) {
            if (e == null) {
                return null;
            }
            SanitizedCause copy = new SanitizedCause(summary(e), e.getCause() == e ? null : of(e.getCause()));
            copy.setStackTrace(e.getStackTrace());
            return copy;
        }

        /** Class name, plus status and code for service errors, or the URL-masked message for transport errors. */
        static String summary(Throwable e) {
            if (e instanceof HttpResponseException http && http.getResponse() != null) {
                String code = http.getResponse().getHeaderValue(ERROR_CODE_HEADER);
                return e.getClass().getName() + ": HTTP " + http.getResponse().getStatusCode()
                        + (code == null ? "" : " " + code);
            }
            String message = e.getMessage();
            return e.getClass().getName() + (message == null ? "" : ": " + maskUrls(message));
        }

        /** Transport messages may quote the request URL; keep only scheme, host and path, never the query. */
        private static String maskUrls(String message) {
            return Secret.maskUri(message).replaceAll("(https?://[^\\s?\"']*)\\?[^\\s\"']*", "$1?****");
        }
    }
}
