package io.changestream.archiver.testing;

import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreUnavailableException;
import java.io.InputStream;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Wraps a real store and makes every call fail with {@link StoreUnavailableException} while it is down, as a store
 * behind a broken network does: listing, reading, measuring and appending alike, so not even recovery gets through.
 * Counts the calls it refused, so a test can tell that something tried.
 */
public final class OutageStore implements ArchiveStore {
    private final ArchiveStore delegate;
    private final AtomicInteger refused = new AtomicInteger();
    private volatile boolean down;

    public OutageStore(ArchiveStore delegate) {
        this.delegate = delegate;
    }

    public OutageStore down() {
        down = true;
        return this;
    }

    public OutageStore up() {
        down = false;
        return this;
    }

    /** Calls refused during outages so far. */
    public int refused() {
        return refused.get();
    }

    private void check(String what) {
        if (down) {
            refused.incrementAndGet();
            throw new StoreUnavailableException("injected outage: the store is unreachable (" + what + ")", null);
        }
    }

    @Override
    public long length(ArchiveFile file) {
        check("length of " + file);
        return delegate.length(file);
    }

    @Override
    public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
        check("append to " + file);
        return delegate.append(file, position, data, offset, length);
    }

    @Override
    public InputStream read(ArchiveFile file, long position) {
        check("read of " + file);
        return delegate.read(file, position);
    }

    @Override
    public List<ArchiveFile> list(String folder) {
        check("list of " + folder);
        return delegate.list(folder);
    }

    @Override
    public void truncate(ArchiveFile file, long length) {
        check("truncate of " + file);
        delegate.truncate(file, length);
    }

    @Override
    public boolean delete(ArchiveFile file) {
        check("delete of " + file);
        return delegate.delete(file);
    }

    @Override
    public String describe() {
        return "outage-injecting " + delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
