package io.changestream.archiver.store;

import java.io.InputStream;
import java.util.List;

/**
 * Where archive bytes go: a local folder or ADLS Gen2. The seam the exactly-once protocol
 * ({@link io.changestream.archiver.pipeline.ExactlyOnceWriter}) is written against.
 *
 * <p>Contract every implementation keeps:
 * <ul>
 *   <li>Files only grow (until {@code prune} {@link #delete}s a whole file no restore needs). {@link #append} writes at an explicit position, which must equal the file's committed
 *       length; nothing is ever overwritten. A position that does not match is a {@link StoreConflictException}.</li>
 *   <li>When {@link #append} returns, the bytes are durable (fsync'd, or committed by the service).</li>
 *   <li>When {@link #append} throws {@link StoreUnavailableException}, the outcome is unknown: the bytes may or may
 *       not have been committed. Callers resolve that by reading {@link #length} again, never by appending blindly.</li>
 *   <li>{@link #length} reports committed bytes only. A crash mid-append may leave a torn tail (a partial last line)
 *       in stores without atomic commits (the local folder); {@link #truncate} removes it during recovery.</li>
 * </ul>
 */
public interface ArchiveStore extends AutoCloseable {

    /** Committed length of the file in bytes; 0 when it does not exist. */
    long length(ArchiveFile file);

    /**
     * Appends {@code data[offset, offset+length)} at {@code position}, creating the file when {@code position} is 0
     * and it does not exist yet. Returns the new committed length ({@code position + length}).
     *
     * @throws StoreConflictException    the file's committed length is not {@code position}, or another writer
     *                                   committed to it
     * @throws StoreUnavailableException the store failed; the bytes may or may not be committed
     */
    long append(ArchiveFile file, long position, byte[] data, int offset, int length);

    /** Reads the committed bytes of the file from {@code position} to its end. */
    InputStream read(ArchiveFile file, long position);

    /** Every file below {@code folder} (a path relative to the store root, without trailing slash), sorted by path. */
    List<ArchiveFile> list(String folder);

    /**
     * Shortens a file to {@code length}, to cut a torn tail after a crash. Stores whose commits are atomic never
     * have one; there, truncating below the committed length is refused with {@link StoreConflictException}.
     */
    void truncate(ArchiveFile file, long length);

    /**
     * Removes a file, for {@code prune} only: the one way archive bytes ever go away, and only once no restore
     * needs them. Idempotent, so a prune interrupted half way finishes on its next run: returns whether the file was
     * there. The removal is durable when this returns.
     *
     * @throws StoreUnavailableException the store failed; the file may or may not be gone (ask {@link #length})
     */
    boolean delete(ArchiveFile file);

    /** A short description for logs, without credentials: {@code local folder /data/archive}. */
    String describe();

    @Override
    void close();
}
