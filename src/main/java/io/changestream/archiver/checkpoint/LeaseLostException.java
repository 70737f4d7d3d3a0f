package io.changestream.archiver.checkpoint;

/**
 * A write was refused because its writer no longer holds the collection's lease: another instance took it over
 * (the tracker holds a newer epoch), or this instance could not renew it in time and stopped writing before it
 * expired. Retrying cannot help; the writer must stop, and the collection's current owner captures again whatever
 * the refused writer had not checkpointed.
 */
public final class LeaseLostException extends RuntimeException {
    private final String collection;
    private final long epoch;

    public LeaseLostException(String collection, long epoch, String message) {
        super(message);
        this.collection = collection;
        this.epoch = epoch;
    }

    public String collection() {
        return collection;
    }

    /** The epoch the refused writer held. */
    public long epoch() {
        return epoch;
    }
}
