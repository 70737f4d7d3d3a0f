package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StoredLineReaderTest {

    @Test
    void plainLinesAreCutAtNewlinesAndATornLastLineIsNotReturned() throws IOException {
        byte[] file = "{\"a\":1}\n{\"b\":2}\n{\"c\":".getBytes(StandardCharsets.UTF_8);
        StoredLineReader reader = new StoredLineReader(trickle(file), Compression.NONE);

        assertThat(readAll(reader)).containsExactly("{\"a\":1}", "{\"b\":2}");
        assertThat(reader.tornTailBytes()).isEqualTo("{\"c\":".length());
        assertThat(reader.storedRead()).isEqualTo(file.length);
    }

    @Test
    void gzipMembersAreReadOneAfterAnotherEvenWhenTheStreamNeverReportsAvailableBytes() throws IOException {
        byte[] file = concat(gzip("one\ntwo\n"), gzip("three\n"), gzip("four\nfive\n"));
        StoredLineReader reader = new StoredLineReader(trickle(file), Compression.GZIP);

        assertThat(readAll(reader)).containsExactly("one", "two", "three", "four", "five");
        assertThat(reader.tornTailBytes()).isZero();
        assertThat(reader.storedRead()).isEqualTo(file.length);
    }

    @Test
    void anIncompleteLastGzipMemberIsATornTailAfterTheCompleteMembersLines() throws IOException {
        byte[] last = gzip("three\n");
        byte[] file = concat(gzip("one\ntwo\n"), Arrays.copyOf(last, last.length - 5));
        StoredLineReader reader = new StoredLineReader(new ByteArrayInputStream(file), Compression.GZIP);

        List<String> lines = readAll(reader);

        assertThat(lines).startsWith("one", "two");
        assertThat(reader.tornTailBytes()).isEqualTo(last.length - 5);
    }

    @Test
    void aGzipMemberWithAWrongChecksumIsReportedNotSkipped() {
        byte[] member = gzip("one\n");
        member[member.length - 8] ^= 0x01; // the CRC32 in the trailer
        StoredLineReader reader = new StoredLineReader(new ByteArrayInputStream(concat(member, gzip("two\n"))),
                Compression.GZIP);

        assertThatThrownBy(() -> readAll(reader)).isInstanceOf(ZipException.class).hasMessageContaining("CRC");
    }

    @Test
    void bytesThatAreNotAGzipMemberAreReported() {
        StoredLineReader reader = new StoredLineReader(new ByteArrayInputStream(concat(gzip("one\n"),
                "plain text\n".getBytes(StandardCharsets.UTF_8))), Compression.GZIP);

        assertThatThrownBy(() -> readAll(reader)).isInstanceOf(ZipException.class).hasMessageContaining("offset");
    }

    @Test
    void linesLongerThanTheReadBufferComeBackWhole() throws IOException {
        String longLine = "x".repeat(200_000);
        StoredLineReader reader = new StoredLineReader(new ByteArrayInputStream(gzip(longLine + "\nshort\n")),
                Compression.GZIP);

        assertThat(readAll(reader)).containsExactly(longLine, "short");
    }

    @ParameterizedTest(name = "seed {0}")
    @ValueSource(longs = {1, 2, 3, 4, 5, 6, 7, 8})
    void nextLengthReadsTheSameLinesOffsetsAndTornTailAsNextWithoutACopy(long seed) throws IOException {
        Random random = new Random(seed);
        for (Compression compression : Compression.values()) {
            for (int file = 0; file < 20; file++) {
                byte[] data = randomFile(random, compression);
                boolean slow = random.nextBoolean();
                StoredLineReader copying = new StoredLineReader(stream(data, slow), compression);
                StoredLineReader sharing = new StoredLineReader(stream(data, slow), compression);
                String where = "seed " + seed + ", " + compression + " file " + file;
                for (int line = 0; ; line++) {
                    byte[] copied = copying.next();
                    int length = sharing.nextLength();
                    if (copied == null) {
                        assertThat(length).as("%s: the end at line %d", where, line).isEqualTo(-1);
                        break;
                    }
                    assertThat(Arrays.copyOf(sharing.lineBuffer(), length)).as("%s, line %d", where, line)
                            .isEqualTo(copied);
                    assertThat(sharing.lineStart()).as("%s, line %d", where, line).isEqualTo(copying.lineStart());
                    assertThat(sharing.linesEnd()).as("%s, line %d", where, line).isEqualTo(copying.linesEnd());
                }
                assertThat(sharing.tornTailBytes()).as(where).isEqualTo(copying.tornTailBytes());
                assertThat(sharing.storedRead()).as(where).isEqualTo(copying.storedRead());
            }
        }
    }

    /**
     * Lines from empty to longer than the read buffer, in one or more gzip members, sometimes with a torn tail (a
     * line without its newline, or a cut member).
     */
    private static byte[] randomFile(Random random, Compression compression) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int members = 1 + random.nextInt(3);
        for (int m = 0; m < members; m++) {
            StringBuilder text = new StringBuilder();
            for (int l = random.nextInt(6); l > 0; l--) {
                int length = switch (random.nextInt(4)) {
                    case 0 -> 0;
                    case 1 -> random.nextInt(10);
                    case 2 -> random.nextInt(2_000);
                    default -> 60_000 + random.nextInt(80_000);
                };
                for (int i = 0; i < length; i++) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
                text.append('\n');
            }
            if (m == members - 1 && random.nextInt(3) == 0) {
                text.append("torn");
            }
            byte[] bytes = compression == Compression.GZIP ? gzip(text.toString())
                    : text.toString().getBytes(StandardCharsets.UTF_8);
            if (compression == Compression.GZIP && m == members - 1 && random.nextInt(4) == 0) {
                bytes = Arrays.copyOf(bytes, Math.max(1, bytes.length - 1 - random.nextInt(bytes.length)));
            }
            out.writeBytes(bytes);
        }
        return out.toByteArray();
    }

    private static InputStream stream(byte[] data, boolean slow) {
        return slow ? trickle(data) : new ByteArrayInputStream(data);
    }

    private static List<String> readAll(StoredLineReader reader) throws IOException {
        List<String> lines = new ArrayList<>();
        for (byte[] line; (line = reader.next()) != null; ) {
            lines.add(new String(line, StandardCharsets.UTF_8));
        }
        return lines;
    }

    /** A stream that hands out at most 3 bytes per read and never says more are available, like a slow socket. */
    private static InputStream trickle(byte[] data) {
        return new ByteArrayInputStream(data) {
            @Override
            public synchronized int read(byte[] b, int off, int len) {
                return super.read(b, off, Math.min(len, 3));
            }

            @Override
            public synchronized int available() {
                return 0;
            }
        };
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
