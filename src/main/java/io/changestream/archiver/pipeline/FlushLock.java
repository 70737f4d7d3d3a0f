package io.changestream.archiver.pipeline;

import java.time.Duration;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One collection's flush lock: the writer, and with it every flush, recovery and checkpoint move of the collection,
 * runs under it, so writes to one file never interleave. The writer pauses between its attempts within a flush
 * through {@link #pauseUnlocked}, which waits with the lock released (a {@link Condition} wait), so a flush that backs
 * off does not hold up the collection's other triggers, handover or shutdown; it holds the lock again before the
 * next attempt, which recovers first whatever happened meanwhile.
 *
 * <p><b>Threads.</b> Taken on the flush scheduler only; fair to no one in particular (waiters queue in the
 * {@link ReentrantLock}'s order).
 */
final class FlushLock {
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition pause = lock.newCondition();

    <T> T locked(Supplier<T> action) {
        lock.lock();
        try {
            return action.get();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits {@code delay} without the lock (the caller holds it; every hold is given up and taken back before this
     * returns, as {@link Condition#awaitNanos} does).
     */
    void pauseUnlocked(Duration delay) throws InterruptedException {
        if (!lock.isHeldByCurrentThread()) {
            throw new IllegalStateException("pauseUnlocked called without holding the flush lock");
        }
        long left = delay.toNanos();
        while (left > 0) {
            left = pause.awaitNanos(left);
        }
    }

    /** For tests: someone holds the lock. */
    boolean isLocked() {
        return lock.isLocked();
    }
}
