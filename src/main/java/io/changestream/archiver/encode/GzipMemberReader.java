package io.changestream.archiver.encode;

import java.io.IOException;
import java.io.InputStream;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Reads a stored gzip file member after member, as a stream: the one place that parses a member header, inflates
 * its data and checks its CRC and size. Both readers of stored archives sit on it, each with its own policy:
 * recovery's {@link ArchiveLines} takes a damaged or incomplete member as the start of a torn tail, replay's
 * {@code StoredLineReader} refuses a damaged member and returns the complete lines of an incomplete one.
 *
 * <p>{@link java.util.zip.GZIPInputStream} is not used because it decides whether another member follows from
 * {@code available()}, which a network stream may report as 0 at a member boundary, and it silently ignores a
 * damaged member header: either would end a replay early without a word.
 *
 * <p>The reader is strict and leaves the policy to its caller: a damaged member (no gzip header, bad deflate data,
 * a preset dictionary, a CRC or size mismatch) is a {@link ZipException}; a file that ends inside a member (its
 * header, data or trailer) is {@link #torn()}. Offsets are counted in stored bytes from where the stream started.
 */
public final class GzipMemberReader implements AutoCloseable {
    private static final int GZIP_MAGIC = 0x8b1f;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private long consumedBefore;     // stored bytes before buf[0]
    private boolean eof;

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private boolean inMember;
    private boolean torn;
    private long memberSize;
    private long memberStart;
    private long completeEnd;        // stored offset just past the last complete member

    public GzipMemberReader(InputStream in) {
        this.in = in;
    }

    /**
     * Reads the next member's header; false at the end of the file, or when the file ends inside the header (then
     * {@link #torn()} is true).
     */
    public boolean nextMember() throws IOException {
        if (!ensure(1)) {
            return false;
        }
        memberStart = storedRead();
        if (!ensure(10)) {
            return tornHere();
        }
        if (((buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8) != GZIP_MAGIC || buf[pos + 2] != 8) {
            throw new ZipException("no gzip member header at offset " + memberStart);
        }
        int flags = buf[pos + 3] & 0xff;
        pos += 10;
        if ((flags & FEXTRA) != 0) {
            if (!ensure(2)) {
                return tornHere();
            }
            int extra = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8;
            pos += 2;
            if (!skip(extra)) {
                return tornHere();
            }
        }
        if ((flags & FNAME) != 0 && !skipZeroTerminated()) {
            return tornHere();
        }
        if ((flags & FCOMMENT) != 0 && !skipZeroTerminated()) {
            return tornHere();
        }
        if ((flags & FHCRC) != 0 && !skip(2)) {
            return tornHere();
        }
        inflater.reset();
        crc.reset();
        memberSize = 0;
        inMember = true;
        return true;
    }

    /**
     * Inflates up to {@code length} bytes of the current member into {@code into}: how many, or -1 once the member
     * has ended (its trailer checked) or the file ended inside it ({@link #torn()}). When the data ends in this call
     * the trailer is checked before the bytes are handed out, so a CRC mismatch is reported before them; a torn
     * trailer still hands them out.
     */
    public int read(byte[] into, int offset, int length) throws IOException {
        while (inMember && !torn) {
            try {
                if (inflater.needsInput()) {
                    if (pos == lim && !ensure(1)) {
                        torn = true; // an incomplete member
                        return -1;
                    }
                    inflater.setInput(buf, pos, lim - pos);
                    pos = lim;
                }
                int n = inflater.inflate(into, offset, length);
                if (inflater.needsDictionary()) {
                    throw new ZipException("gzip member at offset " + memberStart + " needs a preset dictionary");
                }
                if (n > 0) {
                    crc.update(into, offset, n);
                    memberSize += n;
                }
                if (inflater.finished()) {
                    pos -= inflater.getRemaining();
                    endMember();
                }
                if (n > 0) {
                    return n;
                }
            } catch (DataFormatException e) {
                throw new ZipException("damaged gzip member at offset " + memberStart + ": " + e.getMessage());
            }
        }
        return -1;
    }

    /** Whether a member is open: its header read and its trailer not yet checked. */
    public boolean inMember() {
        return inMember;
    }

    /** Whether the file ended inside a member: its header, data or trailer. */
    public boolean torn() {
        return torn;
    }

    /** Where the current (or last) member begins. */
    public long memberStart() {
        return memberStart;
    }

    /** Where the last complete member ends: the end of the file's complete part so far. */
    public long completeEnd() {
        return completeEnd;
    }

    /** Stored bytes consumed so far, read-ahead not counted. */
    public long storedRead() {
        return consumedBefore + pos;
    }

    /** Stored bytes read from the stream so far, read-ahead counted; at the end, the file's length. */
    public long storedFetched() {
        return consumedBefore + lim;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }

    private boolean tornHere() {
        torn = true;
        return false;
    }

    /** Checks the trailer; a torn trailer leaves the member open and {@link #torn()}. */
    private void endMember() throws IOException {
        if (!ensure(8)) {
            torn = true;
            return;
        }
        int expectedCrc = readIntLe(pos);
        int expectedSize = readIntLe(pos + 4);
        pos += 8;
        if (expectedCrc != (int) crc.getValue() || expectedSize != (int) memberSize) {
            throw new ZipException("gzip member at offset " + memberStart + " fails its CRC or size check");
        }
        inMember = false;
        completeEnd = storedRead();
    }

    private boolean skipZeroTerminated() throws IOException {
        while (true) {
            if (!ensure(1)) {
                return false;
            }
            if (buf[pos++] == 0) {
                return true;
            }
        }
    }

    private boolean skip(int n) throws IOException {
        for (int left = n; left > 0; ) {
            if (!ensure(1)) {
                return false;
            }
            int step = Math.min(left, lim - pos);
            pos += step;
            left -= step;
        }
        return true;
    }

    /** Makes {@code n} bytes available at {@code buf[pos]}; false when the file ends first. */
    private boolean ensure(int n) throws IOException {
        while (lim - pos < n) {
            if (eof) {
                return false;
            }
            if (pos > 0) {
                System.arraycopy(buf, pos, buf, 0, lim - pos);
                consumedBefore += pos;
                lim -= pos;
                pos = 0;
            }
            int read = in.read(buf, lim, buf.length - lim);
            if (read < 0) {
                eof = true;
            } else {
                lim += read;
            }
        }
        return true;
    }

    private int readIntLe(int i) {
        return (buf[i] & 0xff) | (buf[i + 1] & 0xff) << 8 | (buf[i + 2] & 0xff) << 16 | (buf[i + 3] & 0xff) << 24;
    }
}
