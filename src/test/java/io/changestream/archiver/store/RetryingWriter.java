package io.changestream.archiver.store;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.time.Duration;
import java.util.List;

/**
 * The exactly-once writer's store rule, reduced to what store tests need: append a segment at the committed
 * length; on {@link StoreUnavailableException} back off, re-read the length, and treat
 * {@code length == position + n} as committed, {@code length == position} as not committed (append again),
 * anything else as a broken invariant. A {@link StoreConflictException} is never retried.
 */
final class RetryingWriter {
    private final ArchiveStore store;
    private final int attempts;
    private final Duration backoff;
    private int retries;

    RetryingWriter(ArchiveStore store, int attempts, Duration backoff) {
        this.store = store;
        this.attempts = attempts;
        this.backoff = backoff;
    }

    /** Appends every segment in order, starting at the file's current length; returns the final length. */
    long write(ArchiveFile file, List<String> segments) {
        long position = lengthWithRetries(file);
        for (String segment : segments) {
            position = appendOnce(file, position, segment.getBytes(UTF_8));
        }
        return position;
    }

    long appendOnce(ArchiveFile file, long position, byte[] bytes) {
        for (int attempt = 1; ; attempt++) {
            try {
                return store.append(file, position, bytes, 0, bytes.length);
            } catch (StoreUnavailableException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                retries++;
                pause();
                long length = lengthWithRetries(file);
                if (length == position + bytes.length) {
                    return length;
                }
                if (length != position) {
                    throw new AssertionError("after an unknown outcome " + file + " has " + length
                            + " bytes, neither " + position + " nor " + (position + bytes.length), e);
                }
            }
        }
    }

    /** Store-level retries this writer needed (StoreUnavailable answers it resolved). */
    int retries() {
        return retries;
    }

    private long lengthWithRetries(ArchiveFile file) {
        for (int attempt = 1; ; attempt++) {
            try {
                return store.length(file);
            } catch (StoreUnavailableException e) {
                if (attempt >= attempts) {
                    throw e;
                }
                retries++;
                pause();
            }
        }
    }

    private void pause() {
        try {
            Thread.sleep(backoff.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
