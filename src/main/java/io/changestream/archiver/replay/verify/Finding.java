package io.changestream.archiver.replay.verify;

import java.util.Locale;
import java.util.Objects;

/**
 * One thing verify found about a collection's archive.
 *
 * @param severity whether it makes the archive inconsistent
 * @param kind     what was found, as a stable machine-readable name
 * @param file     the archive file concerned, or empty for the collection as a whole
 * @param offset   byte offset in the file, or -1
 * @param message  one line for a human, with the numbers that explain it
 */
public record Finding(Severity severity, Kind kind, String file, long offset, String message) {
    public Finding {
        Objects.requireNonNull(severity, "severity");
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(message, "message");
    }

    public enum Severity {
        /** The archive is not what the tracker says, or not a valid history: verify exits 1. */
        PROBLEM,
        /**
         * Not (yet) in the flush log, but explained by a flush in progress or a crash the next start recovers; or
         * flush-log entries of a file a {@code prune} removed before it stopped, which its next run removes.
         */
        PENDING,
        /** History the service knowingly lost (HISTORY_LOST_POLICY=resume-from-now): reported, not a failure. */
        GAP;

        public String text() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public enum Kind {
        /** A file the flush log has ranges in is not in the store. */
        MISSING_FILE,
        /**
         * A file the flush log has ranges in is not in the store, but every range ends before the oldest complete
         * snapshot's start and the file is before the checkpoint's: removed by a {@code prune} that stopped before it
         * removed the file's flush-log entries (pending: the next prune removes them).
         */
        PRUNED_FILE,
        /** Bytes between two logged ranges (or before the first) that no range covers. */
        HOLE,
        /** Two logged ranges share bytes: a range written twice, or a damaged log. */
        OVERLAP,
        /** A logged range ends beyond the file's end. */
        TRUNCATED,
        /** The bytes of a logged range do not have the logged SHA-256. */
        CHECKSUM,
        /** A logged range does not end at a line (member, for gzip) boundary, or holds a damaged gzip member. */
        RANGE_BOUNDARY,
        /** A logged range holds a different number of lines than events logged. */
        EVENT_COUNT,
        /** A line is not a change event in Extended JSON. */
        UNPARSABLE,
        /** A range's first or last line is not the event the log names: the ranges do not continue each other. */
        CONTINUITY,
        /** A line's clusterTime is before the line before it in the collection's history. */
        TIME_BACKWARDS,
        /** The same event (resume token) appears twice. */
        DUPLICATE_EVENT,
        /** A line's clusterTime is not in the hour its file is named after. */
        WRONG_HOUR,
        /** Bytes after the last logged range, before the checkpoint: nothing will ever log them. */
        UNLOGGED_BYTES,
        /** Complete lines after the checkpoint, not yet logged, that the next start adopts. */
        PENDING_TAIL,
        /**
         * A complete line after the checkpoint that the next start would refuse to adopt, stopping the collection:
         * another collection's event, an event repeated or out of order, a forged token.
         */
        NOT_A_CONTINUATION,
        /** An incomplete last line or gzip member: an append cut short, cut off by the next start. */
        TORN_TAIL,
        /** The checkpoint points where the archive has no end of a logged range. */
        CHECKPOINT,
        /** History lost; the gap recorded by the service. */
        HISTORY_GAP;

        /** The kebab-case name used in the outputs: {@code missing-file}. */
        public String text() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }
}
