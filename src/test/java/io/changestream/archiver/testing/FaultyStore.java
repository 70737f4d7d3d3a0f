package io.changestream.archiver.testing;

import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreUnavailableException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a real store and injects the faults the exactly-once protocol must survive: an append that fails before
 * writing, one that commits and still reports failure (an ambiguous answer), one that writes only part of its
 * bytes and then fails (a torn write, as a crash mid-append leaves), and a store that blocks every append until
 * released (an outage under load).
 */
public final class FaultyStore extends ForwardingArchiveStore {
    private final AtomicInteger failBeforeWrite = new AtomicInteger();
    private final AtomicInteger failAfterCommit = new AtomicInteger();
    private final AtomicInteger tornWrites = new AtomicInteger();
    private final AtomicInteger appends = new AtomicInteger();
    private volatile CountDownLatch gate = new CountDownLatch(0);

    public FaultyStore(ArchiveStore delegate) {
        super(delegate);
    }

    public FaultyStore failBeforeWrite(int times) {
        failBeforeWrite.set(times);
        return this;
    }

    public FaultyStore failAfterCommit(int times) {
        failAfterCommit.set(times);
        return this;
    }

    public FaultyStore tornWrite(int times) {
        tornWrites.set(times);
        return this;
    }

    /** Every append waits until {@link #unblock()}. */
    public FaultyStore block() {
        gate = new CountDownLatch(1);
        return this;
    }

    public void unblock() {
        gate.countDown();
    }

    public int appends() {
        return appends.get();
    }

    @Override
    public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
        try {
            gate.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException("interrupted while the store was blocked", e);
        }
        appends.incrementAndGet();
        if (failBeforeWrite.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new StoreUnavailableException("injected: store unavailable before writing " + file, null);
        }
        if (tornWrites.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            delegate.append(file, position, data, offset, Math.max(1, length / 2)); // half: mid-line
            throw new StoreUnavailableException("injected: crash mid-append to " + file, null);
        }
        long end = delegate.append(file, position, data, offset, length);
        if (failAfterCommit.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
            throw new StoreUnavailableException("injected: " + file + " committed, answer lost", null);
        }
        return end;
    }

    @Override
    public String describe() {
        return "faulty " + delegate.describe();
    }

}
