package io.changestream.archiver.store;

import io.changestream.archiver.store.EtagFence.Unsettled;

/**
 * The bytes of one ADLS append and where they go, with the hashes they are checked by: MD5 by the service on
 * the way in (Content-MD5 on the stage request), SHA-256 by the writer when it settles an ambiguous commit.
 */
record AppendSegment(ArchiveFile file, long position, byte[] bytes, byte[] md5, byte[] sha256) {

    AppendSegment(ArchiveFile file, long position, byte[] bytes) {
        this(file, position, bytes, AdlsArchiveStore.newDigest("MD5").digest(bytes),
                AdlsArchiveStore.newDigest("SHA-256").digest(bytes));
    }

    long end() {
        return position + bytes.length;
    }

    /** This append as a flush whose outcome must be settled by reading the file. */
    Unsettled unsettled() {
        return new Unsettled(position, end(), sha256);
    }

    @Override
    public String toString() {
        return bytes.length + " bytes at " + position + " of " + file;
    }
}
