package io.changestream.archiver.encode;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipException;

/**
 * Splits stored archive bytes back into lines, knowing where the last complete unit ends: the last {@code \n} for
 * plain files, the end of the last complete gzip member for gzip files. Whatever follows is a torn tail left by a
 * crash mid-append, reported by {@link Units#completeLength()} so recovery can cut it off. Gzip members are read by
 * {@link GzipMemberReader}, the member reader replay streams with too; only the policy below is recovery's own.
 */
public final class ArchiveLines {
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

    /**
     * Recovery's policy over {@link GzipMemberReader}: the members are taken up to the first one that is damaged,
     * incomplete or does not end on a newline (a member always holds whole lines; anything else is not ours to
     * adopt); that member and all after it are the torn tail, their lines dropped.
     */
    private static Units gzipMembers(byte[] data) {
        List<Unit> units = new ArrayList<>();
        long completeLength = 0;
        try (GzipMemberReader members = new GzipMemberReader(new ByteArrayInputStream(data))) {
            byte[] chunk = new byte[64 * 1024];
            while (members.nextMember()) {
                ByteArrayOutputStream plain = new ByteArrayOutputStream();
                for (int n = members.read(chunk, 0, chunk.length); n >= 0; n = members.read(chunk, 0, chunk.length)) {
                    plain.write(chunk, 0, n);
                }
                byte[] bytes = plain.toByteArray();
                Units lines = plainLines(bytes);
                if (members.torn() || lines.completeLength() != bytes.length) {
                    break;
                }
                long start = members.memberStart();
                completeLength = members.completeEnd();
                units.add(new Unit(start, completeLength - start,
                        lines.units().isEmpty() ? List.of() : lines.units().get(0).lines()));
            }
        } catch (ZipException e) {
            // a damaged member: the torn tail starts there
        } catch (IOException e) {
            throw new UncheckedIOException("reading archive bytes held in memory", e);
        }
        return new Units(units, completeLength);
    }
}
