package io.changestream.archiver.store;

/**
 * The store could not be reached or failed transiently. For {@link ArchiveStore#append} the outcome is unknown:
 * the caller re-reads the file's length to learn whether the bytes were committed.
 */
public final class StoreUnavailableException extends StoreException {
    public StoreUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
