package io.changestream.archiver.store.adls;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.Map;
import java.util.TreeMap;

/**
 * One path of a hierarchical-namespace file system: a directory, or a file with committed bytes and staged
 * (appended, not yet flushed) blocks keyed by their position.
 *
 * <p>The rules follow the DFS "Path - Update" contract: appends may arrive in any order and a repeated append
 * at the same position replaces the staged block, so an SDK retry of a lost append is harmless; only a flush
 * changes the file, atomically, and only if the staged blocks run contiguously from the committed length to
 * exactly the flush position. Each commit gets a new ETag. Callers hold the {@link DfsFileSystems} lock.
 */
final class DfsPath {
    final boolean directory;
    final Instant created;
    private final ByteArrayOutputStream committed = new ByteArrayOutputStream();
    private final TreeMap<Long, byte[]> staged = new TreeMap<>();
    private String etag;
    private Instant lastModified;

    DfsPath(boolean directory, String etag, Instant now) {
        this.directory = directory;
        this.created = now;
        this.etag = etag;
        this.lastModified = now;
    }

    /** A frozen view for answers and assertions. */
    record Snapshot(boolean directory, long length, String etag, Instant lastModified, Instant created) {
    }

    Snapshot snapshot() {
        return new Snapshot(directory, committed.size(), etag, lastModified, created);
    }

    long length() {
        return committed.size();
    }

    String etag() {
        return etag;
    }

    byte[] content() {
        return committed.toByteArray();
    }

    void stage(long position, byte[] data) {
        if (position < committed.size()) {
            throw DfsError.invalidFlushPosition();
        }
        staged.put(position, data.clone());
    }

    /** Commits the staged blocks up to {@code position}; false when there was nothing to commit. */
    boolean commit(long position, boolean retainUncommitted, String newEtag, Instant now) {
        long cursor = committed.size();
        if (position < cursor) {
            throw DfsError.invalidFlushPosition();
        }
        ByteArrayOutputStream run = new ByteArrayOutputStream();
        while (cursor < position) {
            byte[] block = staged.get(cursor);
            if (block == null || block.length == 0) {
                throw DfsError.invalidFlushPosition();
            }
            run.writeBytes(block);
            cursor += block.length;
        }
        if (cursor != position) {
            throw DfsError.invalidFlushPosition();
        }
        if (retainUncommitted) {
            staged.headMap(position).clear();
        } else {
            staged.clear();
        }
        if (run.size() == 0) {
            return false;
        }
        committed.writeBytes(run.toByteArray());
        etag = newEtag;
        lastModified = now;
        return true;
    }

    /** Replaces the file with an empty one: what a create without conditions does to an existing file. */
    void reset(String newEtag, Instant now) {
        committed.reset();
        staged.clear();
        etag = newEtag;
        lastModified = now;
    }

    Map<Long, Integer> stagedBlocks() {
        Map<Long, Integer> sizes = new TreeMap<>();
        staged.forEach((position, block) -> sizes.put(position, block.length));
        return sizes;
    }
}
