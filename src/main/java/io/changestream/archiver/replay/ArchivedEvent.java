package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;
import java.util.Objects;

/**
 * A change event read back from the archive, with where it was read: what failures and DDL reports point at.
 *
 * @param event  the decoded change event
 * @param file   the archive file
 * @param line   1-based line number in the file's (decompressed) lines
 * @param offset byte offset in the stored file where the line starts (for gzip, where its member starts); -1 unknown
 */
public record ArchivedEvent(ChangeEvent event, StoredFile file, long line, long offset) {
    public ArchivedEvent {
        Objects.requireNonNull(event, "event");
        Objects.requireNonNull(file, "file");
    }

    public ArchivedEvent(ChangeEvent event, StoredFile file, long line) {
        this(event, file, line, -1);
    }

    /** {@code orders/2026-01-01-10.json:42}. */
    public String location() {
        return file.path() + ":" + line;
    }

    /** {@code orders/2026-01-01-10.json:42 @8211}: the line and its byte offset, for findings about the bytes. */
    public String position() {
        return location() + (offset >= 0 ? " @" + offset : "");
    }
}
