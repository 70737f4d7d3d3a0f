package io.changestream.archiver.snapshot;

import java.util.function.LongSupplier;

/**
 * {@code SNAPSHOT_MAX_MB_PER_SECOND}: keeps a snapshot's reads at or below a rate, to spare the source cluster.
 * After each document the reader calls {@link #pause}, which returns how long to sleep so that the bytes read since
 * the start of the run divided by the time taken do not exceed the rate. Unlimited (rate 0) never pauses.
 *
 * <p>Time comes from a nanosecond supplier ({@code System::nanoTime} in service), so tests drive it by hand.
 * Not thread-safe: one per snapshot run.
 */
public final class ReadThrottle {
    private final long bytesPerSecond;
    private final LongSupplier nanoTime;
    private long startedAt = -1;
    private long bytes;

    /** @param megabytesPerSecond MB (10^6 bytes) per second; 0 for unlimited */
    public ReadThrottle(long megabytesPerSecond, LongSupplier nanoTime) {
        if (megabytesPerSecond < 0) {
            throw new IllegalArgumentException("read rate must be >= 0 MB/s, got " + megabytesPerSecond);
        }
        this.bytesPerSecond = megabytesPerSecond * 1_000_000L;
        this.nanoTime = nanoTime;
    }

    /** Counts {@code read} bytes; returns the nanoseconds to wait before reading on (0: go on). */
    public long pause(long read) {
        if (bytesPerSecond == 0) {
            return 0;
        }
        long now = nanoTime.getAsLong();
        if (startedAt < 0) {
            startedAt = now;
        }
        bytes += read;
        long due = startedAt + (long) (bytes * 1e9 / bytesPerSecond);
        return Math.max(0, due - now);
    }

    /** {@link #pause}, and sleeps it. */
    public void acquire(long read) throws InterruptedException {
        long wait = pause(read);
        if (wait > 0) {
            java.util.concurrent.TimeUnit.NANOSECONDS.sleep(wait);
        }
    }
}
