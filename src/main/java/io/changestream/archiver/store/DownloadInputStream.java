package io.changestream.archiver.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Iterator;
import java.util.stream.Stream;
import reactor.core.publisher.Flux;

/**
 * An ADLS download as a blocking {@link InputStream}: pulls the body's buffers as the caller reads (bounded
 * prefetch, so a large file is never held in memory), cancels the download on {@link #close()}, and reports a
 * failed download as an {@link IOException} that names the archive path and carries only a sanitized cause (see
 * {@link AdlsErrors}): the SDK's error text is not ours to pass on.
 */
final class DownloadInputStream extends InputStream {
    private static final int PREFETCH_BUFFERS = 16;

    private final Stream<ByteBuffer> buffers;
    private final Iterator<ByteBuffer> iterator;
    private final String path;
    private ByteBuffer current = ByteBuffer.allocate(0);

    DownloadInputStream(Flux<ByteBuffer> body, String path) {
        this.buffers = body.toStream(PREFETCH_BUFFERS);
        this.iterator = buffers.iterator();
        this.path = path;
    }

    @Override
    public int read() throws IOException {
        return nextReadable() ? current.get() & 0xFF : -1;
    }

    @Override
    public int read(byte[] target, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (!nextReadable()) {
            return -1;
        }
        int count = Math.min(length, current.remaining());
        current.get(target, offset, count);
        return count;
    }

    @Override
    public void close() {
        buffers.close();
    }

    private boolean nextReadable() throws IOException {
        try {
            while (!current.hasRemaining()) {
                if (!iterator.hasNext()) {
                    return false;
                }
                current = iterator.next();
            }
            return true;
        } catch (RuntimeException e) {
            throw new IOException(AdlsErrors.describe("read " + path, e), AdlsErrors.SanitizedCause.of(e));
        }
    }
}
