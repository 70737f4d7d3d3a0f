package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.store.ArchiveStore;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
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
 */
final class CollectionHistory implements AutoCloseable {

    /** What the history passes over, for the replay summary. */
    interface Listener {
        void unreadable(StoredFile file, long line, String reason);

        void tornTail(StoredFile file, long bytes);
    }

    private final ArchiveStore store;
    private final List<StoredFile> files;
    private final ReplayWindow window;
    private final Listener listener;
    private final List<Cursor> open = new ArrayList<>();
    private int nextFile;
    private int filesDone;
    private long bytesOfClosedFiles;
    private boolean pastWindow;

    CollectionHistory(ArchiveStore store, List<StoredFile> files, ReplayWindow window, Listener listener) {
        this.store = store;
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
        ArchivedEvent peeked;
        long line;
        boolean closed;

        Cursor(StoredFile file) {
            this.file = file;
            this.reader = new StoredLineReader(store.read(file.file(), 0), file.compression());
        }

        void advance() {
            peeked = null;
            try {
                for (byte[] bytes; (bytes = reader.next()) != null; ) {
                    line++;
                    try {
                        peeked = new ArchivedEvent(LineDecoder.decode(bytes), file, line);
                        return;
                    } catch (IllegalArgumentException e) {
                        listener.unreadable(file, line, e.getMessage());
                    }
                }
                if (reader.tornTailBytes() > 0) {
                    listener.tornTail(file, reader.tornTailBytes());
                }
            } catch (ZipException e) {
                listener.unreadable(file, line + 1, e.getMessage() + "; the rest of the file is not replayed");
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file + " failed after line " + line, e);
            }
        }

        void close() {
            if (closed) {
                return;
            }
            closed = true;
            filesDone++;
            bytesOfClosedFiles += reader.storedRead();
            try {
                reader.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing " + file + " failed", e);
            }
        }
    }
}
