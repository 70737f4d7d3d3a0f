package io.changestream.archiver.pipeline;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a file holds beyond a position, read back as change events: the recovery step's view of bytes the
 * checkpoint does not cover. Only complete units count (whole lines; whole gzip members); anything after the last
 * one is a torn tail. A complete line that is not a change event is not ours to adopt: a conflict.
 *
 * @param from           where the tail starts in the file
 * @param bytes          the stored bytes from {@code from} to the file's end
 * @param completeLength how many of them form complete units
 * @param events         the change events of the complete units, in order
 */
record StoredTail(long from, byte[] bytes, long completeLength, List<ChangeEvent> events) {
    private static final ExtendedJsonDecoder DECODER = new ExtendedJsonDecoder();

    static StoredTail read(ArchiveStore store, ArchiveFile file, long from, Compression compression) {
        byte[] bytes;
        try (InputStream in = store.read(file, from)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " from offset " + from + " failed", e);
        }
        ArchiveLines.Units units = ArchiveLines.split(bytes, compression);
        List<ChangeEvent> events = new ArrayList<>();
        boolean gzip = compression == Compression.GZIP;
        for (ArchiveLines.Unit unit : units.units()) {
            long at = from + unit.offset(); // the line's first byte; for gzip, its member's
            for (byte[] line : unit.lines()) {
                try {
                    events.add(ChangeEvent.of(DECODER.decodeLine(line, 0, line.length)));
                } catch (RuntimeException notAnEvent) { // decoding is pure: whatever fails is the line's fault
                    throw new StoreConflictException(file + " holds a line " + (gzip ? "in the gzip member at offset "
                            : "at offset ") + at + ", beyond the checkpoint's " + from + ", that is not a change "
                            + "event: " + reason(notAnEvent), from + bytes.length, notAnEvent);
                }
                if (!gzip) {
                    at += line.length + 1;
                }
            }
        }
        return new StoredTail(from, bytes, units.completeLength(), List.copyOf(events));
    }

    /** The failure's words on one printable line (the driver quotes a bad name, NUL included), cut short. */
    private static String reason(RuntimeException e) {
        String message = e.getMessage() == null ? "" : e.getMessage().replaceAll("\\p{Cntrl}", "?");
        return e.getClass().getSimpleName() + ": "
                + (message.length() > 300 ? message.substring(0, 300) + "..." : message);
    }

    /** The file length up to the end of the last complete unit. */
    long completeEnd() {
        return from + completeLength;
    }

    boolean torn() {
        return completeLength < bytes.length;
    }
}
