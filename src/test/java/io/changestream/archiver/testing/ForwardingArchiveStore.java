package io.changestream.archiver.testing;

import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import java.io.InputStream;
import java.util.List;

/**
 * A store that hands every call to another: test stores that count, pause or fail some calls extend it and
 * override only those. {@link #close} closes the wrapped store; a wrapper over a store it does not own overrides it.
 */
public abstract class ForwardingArchiveStore implements ArchiveStore {
    protected final ArchiveStore delegate;

    protected ForwardingArchiveStore(ArchiveStore delegate) {
        this.delegate = delegate;
    }

    @Override
    public long length(ArchiveFile file) {
        return delegate.length(file);
    }

    @Override
    public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
        return delegate.append(file, position, data, offset, length);
    }

    @Override
    public InputStream read(ArchiveFile file, long position) {
        return delegate.read(file, position);
    }

    @Override
    public List<ArchiveFile> list(String folder) {
        return delegate.list(folder);
    }

    @Override
    public void truncate(ArchiveFile file, long length) {
        delegate.truncate(file, length);
    }

    @Override
    public boolean delete(ArchiveFile file) {
        return delegate.delete(file);
    }

    @Override
    public String describe() {
        return delegate.describe();
    }

    @Override
    public void close() {
        delegate.close();
    }
}
