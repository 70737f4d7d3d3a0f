package io.changestream.archiver.store;

/** A store operation failed. Messages name the file and never contain credentials. */
public abstract class StoreException extends RuntimeException {
    protected StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
