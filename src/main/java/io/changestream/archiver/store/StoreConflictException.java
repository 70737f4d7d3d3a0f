package io.changestream.archiver.store;

/**
 * The file is not in the state this writer expects: its length differs from the append position, or another
 * writer committed to it. Never retried blindly; the writer re-reads the store (recovery) or stops.
 */
public final class StoreConflictException extends StoreException {
    private final long actualLength;

    public StoreConflictException(String message, long actualLength, Throwable cause) {
        super(message, cause);
        this.actualLength = actualLength;
    }

    /** The committed length the store reported, or -1 when unknown. */
    public long actualLength() {
        return actualLength;
    }
}
