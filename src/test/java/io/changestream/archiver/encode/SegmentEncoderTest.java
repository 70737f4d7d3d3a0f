package io.changestream.archiver.encode;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.testing.Events;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.bson.json.JsonWriterSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SegmentEncoderTest {
    private final List<ChangeEvent> events = Events.inserts(25, Instant.parse("2026-11-22T10:00:00Z"));

    @ParameterizedTest
    @EnumSource(JsonMode.class)
    void plainSegmentsAreTheDriversJsonLinesInOrder(JsonMode mode) {
        SegmentEncoder.Encoded encoded = new SegmentEncoder(mode, Compression.NONE).encode(events);

        assertThat(new String(encoded.data(), 0, encoded.length(), StandardCharsets.UTF_8))
                .isEqualTo(driverLines(mode));
    }

    @Test
    void eachGzipSegmentIsOneCompleteMemberAndConcatenatedMembersDecodeToThePlainLines() throws IOException {
        SegmentEncoder encoder = new SegmentEncoder(JsonMode.CANONICAL, Compression.GZIP);
        SegmentEncoder.Encoded first = encoder.encode(events.subList(0, 10));
        byte[] a = Arrays.copyOf(first.data(), first.length());
        SegmentEncoder.Encoded second = encoder.encode(events.subList(10, 25));
        byte[] file = new byte[a.length + second.length()];
        System.arraycopy(a, 0, file, 0, a.length);
        System.arraycopy(second.data(), 0, file, a.length, second.length());

        try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(file))) {
            assertThat(new String(in.readAllBytes(), StandardCharsets.UTF_8)).isEqualTo(driverLines(JsonMode.CANONICAL));
        }
        assertThat(ArchiveLines.split(file, Compression.GZIP).units()).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void theDigestIsTheSha256OfExactlyTheBytesReturnedAcrossManyChunks(Compression compression) throws Exception {
        List<ChangeEvent> many = Events.inserts(2_000, Instant.parse("2026-11-22T10:00:00Z"));
        SegmentEncoder encoder = new SegmentEncoder(JsonMode.CANONICAL, compression);
        for (List<ChangeEvent> run : List.of(many, many.subList(0, 1), many.subList(7, 1_500))) {
            SegmentEncoder.Encoded encoded = encoder.encode(run);
            if (run.size() > 1_000) {
                assertThat(run.stream().mapToLong(ChangeEvent::byteSize).sum()).isGreaterThan(3L * SegmentEncoder.CHUNK);
            }
            byte[] sha = MessageDigest.getInstance("SHA-256").digest(Arrays.copyOf(encoded.data(), encoded.length()));
            assertThat(encoded.sha256()).isEqualTo(HexFormat.of().formatHex(sha));
        }
    }

    private String driverLines(JsonMode mode) {
        JsonWriterSettings settings = JsonWriterSettings.builder().outputMode(mode == JsonMode.RELAXED
                ? org.bson.json.JsonMode.RELAXED : org.bson.json.JsonMode.EXTENDED).build();
        StringBuilder expected = new StringBuilder();
        events.forEach(e -> expected.append(e.raw().toJson(settings)).append('\n'));
        return expected.toString();
    }
}
