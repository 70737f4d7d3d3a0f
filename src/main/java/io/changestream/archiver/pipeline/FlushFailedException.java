package io.changestream.archiver.pipeline;

/**
 * A flush could not make its events durable after every attempt. The events stay buffered; the next trigger
 * tries again. {@link #archivedBeforeFailure()} tells how many were archived before the failure (a flush that
 * spans hours commits file by file).
 */
public final class FlushFailedException extends RuntimeException {
    private final String collection;
    private final int archivedBeforeFailure;
    private final boolean conflict;

    FlushFailedException(String collection, int archivedBeforeFailure, boolean conflict, String message, Throwable cause) {
        super(message, cause);
        this.collection = collection;
        this.archivedBeforeFailure = archivedBeforeFailure;
        this.conflict = conflict;
    }

    public String collection() {
        return collection;
    }

    public int archivedBeforeFailure() {
        return archivedBeforeFailure;
    }

    /** True when this instance lost the collection's lease: it must stop writing; another instance takes over. */
    public boolean leaseLost() {
        return getCause() instanceof io.changestream.archiver.checkpoint.LeaseLostException;
    }

    /** True when another writer (or lost state) makes writing unsafe; retrying will not help. */
    public boolean conflict() {
        return conflict;
    }
}
