package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.replay.verify.ArchiveLedger;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.replay.verify.LoggedRanges;
import io.changestream.archiver.store.ArchiveStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.zip.ZipException;

/**
 * One collection's archived events inside a window, in change-stream order, read file after file as a stream.
 *
 * <p>Order: files are read hour by hour; lines within a file are in change-stream order, which is {@code clusterTime}
 * order, so the first event past the window ends the history without reading further. An hour stored in both a
 * plain and a gzip file (compression changed during that hour) is merged by {@code clusterTime}.
 *
 * <p>What cannot be read is reported to the {@link Listener} and passed over, so one damaged line does not hide the
 * rest of the history: a line that does not decode, a damaged gzip member (the rest of that file is lost to the
 * replay), a torn tail. A store that fails is an {@link UncheckedIOException}: the replay cannot go on.
 *
 * <p>Given the collection's {@link ArchiveLedger} (the tracker's flush log), each file is also held against it as it
 * streams by ({@link LoggedRanges}): the bytes are hashed per logged range on their way to the line reader, lines are
 * counted per range, and lines after the last logged range (a pending tail) are passed on only when the service's
 * next start would adopt them. Only the ranges that hold events of the window are checked (a restore to before a
 * damaged range stays possible); a file left inside such a range (the window ends there) is read on through the
 * hashes when closed, so each of them is checked whole. Differences go to the listener.
 */
final class CollectionHistory implements AutoCloseable {

    /** What the history passes over, for the replay summary. */
    interface Listener {
        void unreadable(StoredFile file, long line, String reason);

        /** An incomplete last line or member of {@code bytes} bytes at {@code offset}. */
        void tornTail(StoredFile file, long offset, long bytes, Tail tail);

        /** A difference between the file and the flush log. */
        void mismatch(Finding finding);

        /** Complete lines after the last logged range that the service's next start adopts. */
        void pendingTail(StoredFile file, long offset, long events);

        /** A line after the last logged range that the service would not adopt: not passed on as an event. */
        void notAdopted(ArchivedEvent event, String reason);
    }

    /** What a torn tail is, as far as the flush log tells. */
    enum Tail {
        /** After the checkpoint and every logged range: an append cut short, which the next start cuts off. */
        PENDING,
        /** Inside a logged range or before the checkpoint: the file was damaged after it was archived. */
        DAMAGED,
        /** No flush log to tell. */
        UNVERIFIED
    }

    private final ArchiveStore store;
    private final List<StoredFile> files;
    private final ReplayWindow window;
    private final Listener listener;
    private final ArchiveLedger ledger;
    private final List<Cursor> open = new ArrayList<>();
    private int nextFile;
    private int filesDone;
    private long bytesOfClosedFiles;
    private boolean pastWindow;

    /** @param ledger the collection's flush log to hold the files against, or null to read them unverified */
    CollectionHistory(ArchiveStore store, List<StoredFile> files, ReplayWindow window, Listener listener,
                      ArchiveLedger ledger) {
        this.store = store;
        this.ledger = ledger;
        this.files = files.stream().filter(f -> window.overlaps(f.slot())).sorted().toList();
        this.window = window;
        this.listener = listener;
    }

    /** The files chosen for the window, by name. */
    List<StoredFile> files() {
        return files;
    }

    int filesDone() {
        return filesDone;
    }

    /** Stored bytes read so far, over every file: what the ETA is measured in. */
    long storedBytesRead() {
        long reading = 0;
        for (Cursor c : open) {
            reading += c.reader.storedRead();
        }
        return bytesOfClosedFiles + reading;
    }

    /** The next event in the window, or null when the window or the archive is exhausted. */
    ArchivedEvent next() {
        while (!pastWindow) {
            if (open.isEmpty() && !openNextHour()) {
                return null;
            }
            Cursor earliest = null;
            for (Cursor c : open) {
                if (c.peeked != null && (earliest == null
                        || c.peeked.event().clusterTime().compareTo(earliest.peeked.event().clusterTime()) < 0)) {
                    earliest = c;
                }
            }
            if (earliest == null) {
                closeAll();
                continue;
            }
            ArchivedEvent event = earliest.peeked;
            earliest.advance();
            ChangeEvent e = event.event();
            if (window.after(e.clusterTime())) {
                pastWindow = true;
                closeAll();
                return null;
            }
            if (!window.before(e.clusterTime())) {
                return event;
            }
        }
        return null;
    }

    @Override
    public void close() {
        closeAll();
    }

    private boolean openNextHour() {
        if (nextFile >= files.size()) {
            return false;
        }
        StoredFile first = files.get(nextFile);
        while (nextFile < files.size() && files.get(nextFile).slot().equals(first.slot())) {
            Cursor c = new Cursor(files.get(nextFile++));
            c.advance();
            open.add(c);
        }
        return true;
    }

    private void closeAll() {
        for (Cursor c : open) {
            c.close();
        }
        open.clear();
    }

    /** One open file with its next decoded event. */
    private final class Cursor {
        final StoredFile file;
        final StoredLineReader reader;
        final LoggedRanges logged;
        final InputStream stream;
        ArchivedEvent peeked;
        long line;
        long pendingEvents;
        long pendingFrom = -1;
        boolean closed;

        Cursor(StoredFile file) {
            this.file = file;
            this.logged = ledger == null ? null : ledger.ranges(file);
            InputStream raw = store.read(file.file(), 0);
            this.stream = logged == null ? raw : logged.hashing(raw);
            this.reader = new StoredLineReader(stream, file.compression());
        }

        void advance() {
            peeked = null;
            try {
                for (byte[] bytes; (bytes = reader.next()) != null; ) {
                    line++;
                    long start = reader.lineStart();
                    ChangeEvent event;
                    try {
                        event = LineDecoder.decode(bytes);
                    } catch (IllegalArgumentException e) {
                        if (logged != null) {
                            logged.line(start, null);
                        }
                        listener.unreadable(file, line, (file.compression() == Compression.GZIP
                                ? "in the gzip member at byte " : "at byte ") + start + ": " + e.getMessage());
                        continue;
                    }
                    ArchivedEvent archived = new ArchivedEvent(event, file, line, start);
                    if (logged != null && !pending(archived)) {
                        continue;
                    }
                    peeked = archived;
                    return;
                }
                long torn = reader.tornTailBytes();
                if (torn > 0) {
                    long at = reader.linesEnd();
                    listener.tornTail(file, at, torn, logged == null ? Tail.UNVERIFIED
                            : !logged.logged(at) && ledger.beyondCheckpoint(file, at) ? Tail.PENDING : Tail.DAMAGED);
                }
            } catch (ZipException e) {
                listener.unreadable(file, line + 1, e.getMessage() + "; the rest of the file is not replayed");
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file + " failed after line " + line, e);
            }
        }

        /** Counts a verified line in its range; false for a line of the tail that the service would not adopt. */
        private boolean pending(ArchivedEvent archived) {
            logged.line(archived.offset(), archived.event());
            if (logged.logged(archived.offset())) {
                return true;
            }
            Optional<String> conflict = ledger.adoptionConflict(archived.event());
            if (conflict.isPresent()) {
                listener.notAdopted(archived, conflict.get());
                return false;
            }
            if (pendingEvents++ == 0) {
                pendingFrom = archived.offset();
            }
            return true;
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            filesDone++;
            try {
                if (logged != null) {
                    long linesEnd = reader.linesEnd();
                    long needed = logged.end(r -> ArchiveLedger.reaches(window, r));
                    byte[] sink = new byte[64 * 1024];
                    while (logged.streamed() < needed && stream.read(sink) >= 0) {
                        // completes the hashes of the ranges the window reaches
                    }
                    logged.findings(linesEnd, r -> ArchiveLedger.reaches(window, r)).forEach(listener::mismatch);
                    if (pendingEvents > 0) {
                        listener.pendingTail(file, pendingFrom, pendingEvents);
                    }
                }
                bytesOfClosedFiles += reader.storedRead();
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing " + file + " failed", e);
            }
        }
    }
}
