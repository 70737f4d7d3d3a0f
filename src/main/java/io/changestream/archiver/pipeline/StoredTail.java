package io.changestream.archiver.pipeline;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.capture.StreamContinuation;
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
import java.util.Optional;

/**
 * What a file holds beyond a position, read back as change events: the recovery step's view of bytes the
 * checkpoint does not cover. Only complete units count (whole lines; whole gzip members); anything after the last
 * one is a torn tail. Every complete line must be a change event that continues the stream
 * ({@link StreamContinuation}, the rule {@code verify} applies too); the first that is not is a conflict naming the
 * file and the line's offset (its gzip member's, for gzip), and nothing of the tail is adopted.
 *
 * @param from           where the tail starts in the file
 * @param bytes          the stored bytes from {@code from} to the file's end
 * @param completeLength how many of them form complete units
 * @param events         the change events of the complete units, in order
 */
record StoredTail(long from, byte[] bytes, long completeLength, List<ChangeEvent> events) {
    private static final ExtendedJsonDecoder DECODER = new ExtendedJsonDecoder();

    /**
     * Reads the tail and holds each line against {@code continuation}, which moves past every accepted event.
     *
     * @throws StoreConflictException a complete line is not a change event, or does not continue the stream
     */
    static StoredTail read(ArchiveStore store, ArchiveFile file, long from, Compression compression,
                           StreamContinuation continuation) {
        byte[] bytes;
        try (InputStream in = store.read(file, from)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " from offset " + from + " failed", e);
        }
        ArchiveLines.Units units = ArchiveLines.split(bytes, compression);
        List<ChangeEvent> events = new ArrayList<>();
        for (ArchiveLines.Unit unit : units.units()) {
            long offset = from + unit.offset();
            for (byte[] line : unit.lines()) {
                ChangeEvent event;
                try {
                    event = ChangeEvent.of(DECODER.decodeLine(line, 0, line.length));
                } catch (RuntimeException notAnEvent) { // decoding is pure: whatever fails is the line's fault
                    throw new StoreConflictException(file + " at offset " + offset + " holds a line beyond the "
                            + "checkpoint that is not a change event: " + reason(notAnEvent), from + bytes.length,
                            notAnEvent);
                }
                String before = continuation.position();
                Optional<String> refusal = continuation.accept(event);
                if (refusal.isPresent()) {
                    throw new StoreConflictException(file + " at offset " + offset + " holds a line beyond the "
                            + "checkpoint that does not continue the stream after " + before + ": "
                            + refusal.get(), from + bytes.length, null);
                }
                events.add(event);
                if (compression != Compression.GZIP) {
                    offset += line.length + 1;
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
