package io.changestream.archiver.encode;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * Splits stored archive bytes back into lines, knowing where the last complete unit ends: the last {@code \n} for
 * plain files, the end of the last complete gzip member for gzip files. Whatever follows is a torn tail left by a
 * crash mid-append, reported by {@link Units#completeLength()} so recovery can cut it off.
 */
public final class ArchiveLines {
    private static final int GZIP_MAGIC = 0x8b1f;
    private static final int FHCRC = 2;
    private static final int FEXTRA = 4;
    private static final int FNAME = 8;
    private static final int FCOMMENT = 16;

    private ArchiveLines() {
    }

    /**
     * The complete units of {@code data}.
     *
     * @param units          the stored units (a line-run for plain files, a member for gzip) with their byte ranges
     * @param completeLength bytes from the start of {@code data} up to the end of the last complete unit
     */
    public record Units(List<Unit> units, long completeLength) {
    }

    /** One stored unit: bytes {@code [offset, offset+length)} of the data, holding {@code lines}, each without '\n'. */
    public record Unit(long offset, long length, List<byte[]> lines) {
    }

    public static Units split(byte[] data, Compression compression) {
        return compression == Compression.GZIP ? gzipMembers(data) : plainLines(data);
    }

    private static Units plainLines(byte[] data) {
        List<byte[]> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < data.length; i++) {
            if (data[i] == '\n') {
                lines.add(java.util.Arrays.copyOfRange(data, start, i));
                start = i + 1;
            }
        }
        List<Unit> units = lines.isEmpty() ? List.of() : List.of(new Unit(0, start, lines));
        return new Units(units, start);
    }

    private static Units gzipMembers(byte[] data) {
        List<Unit> units = new ArrayList<>();
        int pos = 0;
        while (pos < data.length) {
            int end = memberEnd(data, pos, units);
            if (end < 0) {
                break;
            }
            pos = end;
        }
        return new Units(units, pos);
    }

    /** Decodes the member starting at {@code start}; returns its end, or -1 when it is incomplete or corrupt. */
    private static int memberEnd(byte[] data, int start, List<Unit> into) {
        int p = start;
        if (data.length - p < 18 || ((data[p] & 0xff) | (data[p + 1] & 0xff) << 8) != GZIP_MAGIC || data[p + 2] != 8) {
            return -1;
        }
        int flags = data[p + 3] & 0xff;
        p += 10;
        if ((flags & FEXTRA) != 0) {
            if (p + 2 > data.length) {
                return -1;
            }
            p += 2 + ((data[p] & 0xff) | (data[p + 1] & 0xff) << 8);
        }
        if ((flags & FNAME) != 0) {
            while (p < data.length && data[p] != 0) {
                p++;
            }
            p++;
        }
        if ((flags & FCOMMENT) != 0) {
            while (p < data.length && data[p] != 0) {
                p++;
            }
            p++;
        }
        if ((flags & FHCRC) != 0) {
            p += 2;
        }
        if (p >= data.length) {
            return -1;
        }
        Inflater inflater = new Inflater(true);
        java.io.ByteArrayOutputStream plain = new java.io.ByteArrayOutputStream();
        try {
            inflater.setInput(data, p, data.length - p);
            byte[] chunk = new byte[64 * 1024];
            while (!inflater.finished()) {
                int n = inflater.inflate(chunk);
                if (n == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    return -1;
                }
                plain.write(chunk, 0, n);
            }
            int trailer = data.length - inflater.getRemaining();
            if (trailer + 8 > data.length) {
                return -1;
            }
            byte[] bytes = plain.toByteArray();
            CRC32 crc = new CRC32();
            crc.update(bytes);
            if ((int) crc.getValue() != readInt(data, trailer) || bytes.length != readInt(data, trailer + 4)) {
                return -1;
            }
            int end = trailer + 8;
            Units lines = plainLines(bytes);
            if (lines.completeLength() != bytes.length) {
                return -1; // a member always holds whole lines; anything else is not ours to adopt
            }
            into.add(new Unit(start, end - start, lines.units().isEmpty() ? List.of() : lines.units().get(0).lines()));
            return end;
        } catch (DataFormatException e) {
            return -1;
        } finally {
            inflater.end();
        }
    }

    private static int readInt(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | (b[i + 3] & 0xff) << 24;
    }
}
