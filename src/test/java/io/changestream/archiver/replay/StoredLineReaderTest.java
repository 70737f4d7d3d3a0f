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
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

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
