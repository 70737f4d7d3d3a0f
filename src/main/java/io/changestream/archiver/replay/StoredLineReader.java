package io.changestream.archiver.replay;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.GzipMemberReader;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.ZipException;

/**
 * Streams the lines of one stored archive file without holding the file in memory: the streaming counterpart of
 * {@link io.changestream.archiver.encode.ArchiveLines}, for files far larger than a flush.
 *
 * <p>Plain files are cut at {@code \n}. Gzip files are a series of complete members (one per flush), read by
 * {@link GzipMemberReader} (the member reader recovery uses too): each member is inflated and its CRC and size are
 * checked, member after member. A line a member leaves open continues in the next member.
 *
 * <p>A crash in the middle of an append can leave a torn tail: a last line without {@code \n}, or an incomplete last
 * member. The tail's incomplete line is never returned; its size is reported by {@link #tornTailBytes()} (the
 * service cuts it off on its next start). Complete lines of an incomplete gzip member are returned: they are events
 * the change stream delivered, and applying them is what re-archiving them will record.
 *
 * <p>A damaged gzip member (bad header, bad deflate data, CRC or size mismatch) is a {@link ZipException}.
 */
public final class StoredLineReader implements AutoCloseable {
    private final InputStream in;
    private final GzipMemberReader members;  // null for plain files
    private final byte[] buf;               // plain files: the stored bytes read ahead
    private int pos;
    private int lim;
    private long consumedBefore;     // stored bytes before buf[0]
    private boolean eof;
    private long completeEnd;        // stored offset just past the last complete line (plain files)

    private final byte[] plain;      // gzip files: inflated bytes of the current member
    private int plainPos;
    private int plainLim;
    private boolean finished;

    private byte[] line = new byte[1024];
    private int lineLength;
    private long tornTail;
    private long lineStart;

    public StoredLineReader(InputStream in, Compression compression) {
        this.in = in;
        this.members = compression == Compression.GZIP ? new GzipMemberReader(in) : null;
        this.buf = members == null ? new byte[64 * 1024] : null;
        this.plain = members == null ? null : new byte[64 * 1024];
    }

    /** The next complete line without its {@code \n}, or null at the end of the file. */
    public byte[] next() throws IOException {
        int length = nextLength();
        return length < 0 ? null : Arrays.copyOf(line, length);
    }

    /**
     * As {@link #next}, without a copy: the line is the first {@code n} bytes of {@link #lineBuffer()}, {@code n} the
     * answer ({@code -1} at the end of the file), until the next call. For a reader done with each line before it
     * asks for the next.
     */
    public int nextLength() throws IOException {
        lineLength = 0;
        boolean gzip = members != null;
        long startOfLine = gzip ? -1 : completeEnd;
        while (true) {
            byte[] src;
            int from;
            int to;
            if (gzip) {
                if (plainPos == plainLim && !inflateSome()) {
                    return end();
                }
                src = plain;
                from = plainPos;
                to = plainLim;
            } else {
                if (!refill()) {
                    return end();
                }
                src = buf;
                from = pos;
                to = lim;
            }
            int newline = from;
            while (newline < to && src[newline] != '\n') {
                newline++;
            }
            append(src, from, newline - from);
            int consumed = Math.min(newline + 1, to) - from;
            if (gzip) {
                plainPos += consumed;
            } else {
                pos += consumed;
            }
            if (newline < to) {
                if (!gzip) {
                    completeEnd = storedRead();
                }
                lineStart = gzip ? members.memberStart() : startOfLine;
                return lineLength;
            }
        }
    }

    /** Stored (compressed, for gzip) bytes consumed so far; what progress is measured in. */
    public long storedRead() {
        return members != null ? members.storedRead() : consumedBefore + pos;
    }

    /**
     * Where the line {@link #next()} returned last begins in the stored file (relative to where this reader's stream
     * started): its first byte for a plain file, the start of the gzip member that holds it for a gzip file. What
     * the flush log's ranges are matched with.
     */
    public long lineStart() {
        return lineStart;
    }

    /**
     * How far into the stored bytes every line has been returned by {@link #next()}: the end of the last line
     * (plain), or of the last member whose lines were all returned (gzip). Bytes read ahead into the buffer but not
     * yet returned as lines are not counted.
     */
    public long linesEnd() {
        if (members == null) {
            return completeEnd;
        }
        return plainPos == plainLim && !members.inMember() ? members.completeEnd() : members.memberStart();
    }

    /** Bytes after the last complete line or member; valid once {@link #next()} returned null. */
    public long tornTailBytes() {
        return tornTail;
    }

    @Override
    public void close() throws IOException {
        if (members != null) {
            members.close();
        } else {
            in.close();
        }
    }

    private int end() {
        tornTail = members != null ? members.storedFetched() - members.completeEnd() : consumedBefore + lim - completeEnd;
        return -1;
    }

    /** The array the line {@link #nextLength()} found starts at index 0 of; reused by the next call. */
    public byte[] lineBuffer() {
        return line;
    }

    private void append(byte[] src, int from, int length) {
        if (lineLength + length > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + length));
        }
        System.arraycopy(src, from, line, lineLength, length);
        lineLength += length;
    }

    /** Inflates the next bytes of the file into {@code plain}; false at its end (a torn member ends it too). */
    private boolean inflateSome() throws IOException {
        while (!finished) {
            if (!members.inMember() && !members.nextMember()) {
                finished = true;
                return false;
            }
            int n = members.read(plain, 0, plain.length);
            if (n > 0) {
                plainPos = 0;
                plainLim = n;
                return true;
            }
            finished = members.torn(); // an incomplete member: a torn tail
        }
        return false;
    }

    /** Plain files: refills {@code buf} once every byte of it is consumed; false when the file has ended. */
    private boolean refill() throws IOException {
        if (pos < lim) {
            return true;
        }
        consumedBefore += lim;
        pos = 0;
        lim = 0;
        while (!eof && lim == 0) {
            int read = in.read(buf, 0, buf.length);
            eof = read < 0;
            lim = Math.max(read, 0);
        }
        return lim > 0;
    }
}
