package io.changestream.archiver.checkpoint;

import io.changestream.archiver.store.StoreConflictException;

/**
 * Builds the refusal of a flush log entry that would replace a different range at the same file and offset: the
 * same conflict a store raises for bytes that are not what the writer expects, so the writer treats both alike.
 */
public final class FlushLogConflict {
    private FlushLogConflict() {
    }

    /** {@code existing} is the logged entry, or null when it vanished meanwhile. */
    public static StoreConflictException of(FlushRecord wanted, FlushRecord existing) {
        String logged = existing == null ? "another range" : existing.events() + " events, " + existing.length()
                + " bytes, SHA-256 " + existing.sha256();
        return new StoreConflictException(wanted.file() + " at offset " + wanted.offset() + " is logged in the flush "
                + "log of " + wanted.collection() + " as " + logged + "; refusing to replace it with " + wanted.events()
                + " events, " + wanted.length() + " bytes, SHA-256 " + wanted.sha256() + ": the archive file was "
                + "written anew (a missing file or volume?)", -1, null);
    }

    /** True when {@code a} and {@code b} log the same range: the same bytes at the same place. */
    public static boolean sameRange(FlushRecord a, FlushRecord b) {
        return a.file().equals(b.file()) && a.offset() == b.offset() && a.length() == b.length()
                && a.events() == b.events() && a.sha256().equalsIgnoreCase(b.sha256());
    }
}
