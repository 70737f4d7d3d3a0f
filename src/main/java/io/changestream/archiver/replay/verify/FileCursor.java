package io.changestream.archiver.replay.verify;

import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * Reads byte ranges of one stored file as streams, front to back with one open stream, so a file of many ranges is
 * read once; a range that starts behind the current position (overlapping ranges) reopens the file there.
 */
final class FileCursor implements AutoCloseable {
    private final ArchiveStore store;
    private final ArchiveFile file;
    private InputStream in;
    private long position;

    FileCursor(ArchiveStore store, ArchiveFile file) {
        this.store = store;
        this.file = file;
    }

    /**
     * The bytes {@code [offset, offset+length)}, as far as the file has them. Valid until the next call: reading
     * it advances this cursor.
     */
    InputStream range(long offset, long length) {
        try {
            if (in == null || offset < position) {
                close();
                in = store.read(file, offset);
                position = offset;
            } else if (offset > position) {
                position += in.skip(offset - position);
                while (position < offset && in.read() >= 0) {
                    position++;
                }
            }
            return new Window(length);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + " at " + offset + " failed", e);
        }
    }

    @Override
    public void close() {
        if (in != null) {
            try {
                in.close();
            } catch (IOException e) {
                throw new UncheckedIOException("closing " + file + " failed", e);
            } finally {
                in = null;
            }
        }
    }

    /** At most {@code length} bytes from the current position; closing it leaves the file open. */
    private final class Window extends InputStream {
        private long left;

        Window(long length) {
            this.left = length;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int b = in.read();
            if (b >= 0) {
                left--;
                position++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = in.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
                position += n;
            }
            return n;
        }

        @Override
        public void close() {
            // the file stays open for the next range
        }
    }
}
