package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.replay.verify.Finding.Kind;
import io.changestream.archiver.replay.verify.LoggedRanges;
import io.changestream.archiver.store.ArchiveFile;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

/**
 * The streaming per-range SHA-256 of {@link LoggedRanges} against {@link MessageDigest} over each range's bytes, on
 * random files cut into random ranges and read in random chunk sizes (a reader's buffer boundaries fall anywhere).
 */
class LoggedRangesTest {
    private static final StoredFile FILE = new StoredFile(new ArchiveFile("people/2024-01-11-19.json"),
            HourSlot.of(new BsonTimestamp(1_705_000_000, 1)), Compression.NONE);

    @Test
    void rangesHashedWhileStreamingMatchTheirBytesWhateverTheChunkBoundaries() throws IOException {
        long seed = System.nanoTime();
        Random random = new Random(seed);
        for (int round = 0; round < 100; round++) {
            byte[] file = new byte[1 + random.nextInt(200_000)];
            random.nextBytes(file);
            List<FlushRecord> ranges = cut(file, random);
            int damaged = random.nextInt(ranges.size());
            FlushRecord hit = ranges.get(damaged);
            byte[] stored = file.clone();
            boolean flip = random.nextBoolean();
            if (flip) {
                stored[(int) (hit.offset() + random.nextInt((int) hit.length()))] ^= 0x01;
            }

            LoggedRanges logged = new LoggedRanges(FILE, ranges);
            try (InputStream in = logged.hashing(new Chunked(stored, random))) {
                byte[] buffer = new byte[100_000];
                while ((random.nextInt(50) == 0 ? in.read() : in.read(buffer, random.nextInt(10), 90_000)) >= 0) {
                    // reads one byte now and then, as a line reader refilling its buffer may not
                }
            }
            List<Finding> checksums = logged.findings(0).stream().filter(f -> f.kind() == Kind.CHECKSUM).toList();

            String context = "seed " + seed + " round " + round + " (" + ranges.size() + " ranges, flip " + flip
                    + " in range " + damaged + ")";
            if (flip) {
                assertThat(checksums).as(context).singleElement()
                        .satisfies(f -> assertThat(f.offset()).isEqualTo(hit.offset()));
            } else {
                assertThat(checksums).as(context).isEmpty();
            }
            assertThat(logged.layout(stored.length)).as(context).isEmpty();
            assertThat(logged.layout(stored.length - 1)).as(context).extracting(Finding::kind)
                    .containsExactly(Kind.TRUNCATED);
        }
    }

    private static List<FlushRecord> cut(byte[] file, Random random) {
        List<FlushRecord> ranges = new ArrayList<>();
        for (int offset = 0; offset < file.length; ) {
            int length = Math.min(file.length - offset, 1 + random.nextInt(1 + random.nextInt(100_000)));
            ranges.add(range(offset, length, sha256(file, offset, length)));
            offset += length;
        }
        return ranges;
    }

    private static FlushRecord range(long offset, long length, String sha) {
        BsonDocument token = BsonDocument.parse("{_data: '82'}");
        BsonTimestamp t = new BsonTimestamp(1_705_000_000, 1);
        return new FlushRecord("people", FILE.path(), offset, length, 1, token, token, t, t, sha, FlushTrigger.MANUAL,
                Instant.EPOCH, Duration.ZERO);
    }

    private static String sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(bytes, offset, length);
            return HexFormat.of().formatHex(sha.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Returns the bytes in chunks of random size, single bytes included, as a network stream may. */
    private static final class Chunked extends InputStream {
        private final ByteArrayInputStream in;
        private final Random random;

        Chunked(byte[] bytes, Random random) {
            this.in = new ByteArrayInputStream(bytes);
            this.random = random;
        }

        @Override
        public int read() {
            return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
            return in.read(b, off, Math.max(1, Math.min(len, random.nextInt(3) == 0 ? 1 : random.nextInt(70_000))));
        }
    }
}
