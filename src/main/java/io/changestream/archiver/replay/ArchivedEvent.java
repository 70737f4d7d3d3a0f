package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;
import java.util.Objects;

/**
 * A change event read back from the archive, with where it was read: what failures and DDL reports point at.
 *
 * @param event the decoded change event
 * @param file  the archive file
 * @param line  1-based line number in the file's (decompressed) lines
 */
public record ArchivedEvent(ChangeEvent event, StoredFile file, long line) {
    public ArchivedEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(file, "file");
    }

    /** {@code orders/2026-01-01-10.json:42}. */
    public String location() {
        return file.path() + ":" + line;
    }
}
