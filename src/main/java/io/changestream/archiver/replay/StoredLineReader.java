package io.changestream.archiver.replay;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import java.util.zip.ZipException;

/**
 * Streams the lines of one stored archive file without holding the file in memory: the streaming counterpart of
 * {@link io.changestream.archiver.encode.ArchiveLines}, for files far larger than a flush.
 *
 * <p>Plain files are cut at {@code \n}. Gzip files are a series of complete members (one per flush); each member is
 * inflated and its CRC and size are checked, member after member. {@link java.util.zip.GZIPInputStream} is not used
 * because it decides whether another member follows from {@code available()}, which a network stream may report as
 * 0 at a member boundary, and it silently ignores a damaged member header: either would end a replay early without a
 * word.
 *
 * <p>A crash in the middle of an append can leave a torn tail: a last line without {@code \n}, or an incomplete last
 * member. The tail's incomplete line is never returned; its size is reported by {@link #tornTailBytes()} (the
 * service cuts it off on its next start). Complete lines of an incomplete gzip member are returned: they are events
 * the change stream delivered, and applying them is what re-archiving them will record.
 *
 * <p>A damaged gzip member (bad header, bad deflate data, CRC or size mismatch) is a {@link ZipException}.
 */
public final class StoredLineReader implements AutoCloseable {
    private static final int GZIP_MAGIC = 0x8b1f;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private final InputStream in;
    private final boolean gzip;
    private final byte[] buf = new byte[64 * 1024];
    private int pos;
    private int lim;
    private long consumedBefore;     // stored bytes before buf[0]
    private boolean eof;
    private long completeEnd;        // stored offset just past the last complete line (plain) or member (gzip)

    private final Inflater inflater = new Inflater(true);
    private final CRC32 crc = new CRC32();
    private final byte[] plain = new byte[64 * 1024];
    private int plainPos;
    private int plainLim;
    private boolean inMember;
    private long memberSize;
    private long memberStart;
    private boolean finished;

    private byte[] line = new byte[1024];
    private int lineLength;
    private long tornTail;
    private long lineStart;

    public StoredLineReader(InputStream in, Compression compression) {
        this.in = in;
        this.gzip = compression == Compression.GZIP;
    }

    /** The next complete line without its {@code \n}, or null at the end of the file. */
    public byte[] next() throws IOException {
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
                if (pos == lim && !ensure(1)) {
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
                lineStart = gzip ? memberStart : startOfLine;
                byte[] out = Arrays.copyOf(line, lineLength);
                lineLength = 0;
                return out;
            }
        }
    }

    /** Stored (compressed, for gzip) bytes consumed so far; what progress is measured in. */
    public long storedRead() {
        return consumedBefore + pos;
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
        if (!gzip) {
            return completeEnd;
        }
        return plainPos == plainLim && !inMember ? completeEnd : memberStart;
    }

    /** Bytes after the last complete line or member; valid once {@link #next()} returned null. */
    public long tornTailBytes() {
        return tornTail;
    }

    @Override
    public void close() throws IOException {
        inflater.end();
        in.close();
    }

    private byte[] end() {
        tornTail = consumedBefore + lim - completeEnd;
        return null;
    }

    private void append(byte[] src, int from, int length) {
        if (lineLength + length > line.length) {
            line = Arrays.copyOf(line, Math.max(line.length * 2, lineLength + length));
        }
        System.arraycopy(src, from, line, lineLength, length);
        lineLength += length;
    }

    private boolean inflateSome() throws IOException {
        while (true) {
            if (finished) {
                return false;
            }
            if (!inMember) {
                if (!startMember()) {
                    finished = true;
                    return false;
                }
            }
            try {
                if (inflater.needsInput()) {
                    if (pos == lim && !ensure(1)) {
                        finished = true; // an incomplete member: a torn tail
                        return false;
                    }
                    inflater.setInput(buf, pos, lim - pos);
                    pos = lim;
                }
                int n = inflater.inflate(plain, 0, plain.length);
                if (inflater.needsDictionary()) {
                    throw new ZipException("gzip member at offset " + memberStart + " needs a preset dictionary");
                }
                if (n > 0) {
                    crc.update(plain, 0, n);
                    memberSize += n;
                    plainPos = 0;
                    plainLim = n;
                }
                if (inflater.finished()) {
                    pos -= inflater.getRemaining();
                    if (!endMember()) {
                        finished = true;
                        return n > 0;
                    }
                }
                if (n > 0) {
                    return true;
                }
            } catch (DataFormatException e) {
                throw new ZipException("damaged gzip member at offset " + memberStart + ": " + e.getMessage());
            }
        }
    }

    /** Reads a member header; false at a clean end of the file (or a torn header, left for {@link #tornTail}). */
    private boolean startMember() throws IOException {
        if (!ensure(1)) {
            return false;
        }
        memberStart = storedRead();
        if (!ensure(10)) {
            return false;
        }
        if (((buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8) != GZIP_MAGIC || buf[pos + 2] != 8) {
            throw new ZipException("no gzip member header at offset " + memberStart);
        }
        int flags = buf[pos + 3] & 0xff;
        pos += 10;
        if ((flags & FEXTRA) != 0) {
            if (!ensure(2)) {
                return false;
            }
            int extra = (buf[pos] & 0xff) | (buf[pos + 1] & 0xff) << 8;
            pos += 2;
            if (!skip(extra)) {
                return false;
            }
        }
        if ((flags & FNAME) != 0 && !skipZeroTerminated()) {
            return false;
        }
        if ((flags & FCOMMENT) != 0 && !skipZeroTerminated()) {
            return false;
        }
        if ((flags & FHCRC) != 0 && !skip(2)) {
            return false;
        }
        inflater.reset();
        crc.reset();
        memberSize = 0;
        inMember = true;
        return true;
    }

    /** Checks the trailer; false when it is torn. */
    private boolean endMember() throws IOException {
        if (!ensure(8)) {
            return false;
        }
        int expectedCrc = readIntLe(pos);
        int expectedSize = readIntLe(pos + 4);
        pos += 8;
        if (expectedCrc != (int) crc.getValue() || expectedSize != (int) memberSize) {
            throw new ZipException("gzip member at offset " + memberStart + " fails its CRC or size check");
        }
        inMember = false;
        completeEnd = storedRead();
        return true;
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
