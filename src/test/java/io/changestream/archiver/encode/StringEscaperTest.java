package io.changestream.archiver.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

class StringEscaperTest {
    /** The byte-at-a-time rule that {@link StringEscaper#allPlain(long)} computes for eight at once. */
    private static boolean plain(int b) {
        return b >= 0x20 && b < 0x7F && b != '"' && b != '\\';
    }

    private static boolean allPlainByteByByte(long x) {
        for (int i = 0; i < 8; i++) {
            if (!plain((int) (x >>> (8 * i)) & 0xff)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void recognisesEveryByteValueAtEveryPositionOfAWord() {
        long allA = 0x6161616161616161L;
        for (int position = 0; position < 8; position++) {
            for (int b = 0; b < 256; b++) {
                long word = allA & ~(0xffL << (8 * position)) | ((long) b << (8 * position));
                assertThat(StringEscaper.allPlain(word)).as("byte %02x at %d", b, position).isEqualTo(plain(b));
            }
        }
    }

    @Test
    void agreesWithTheByteRuleOnRandomWords() {
        SplittableRandom random = new SplittableRandom(3);
        for (int i = 0; i < 1_000_000; i++) {
            long word = random.nextLong();
            if (random.nextBoolean()) {
                // Mostly printable words, where only one or two bytes decide.
                word = (word & 0x3f3f3f3f3f3f3f3fL) + 0x2020202020202020L;
            }
            if (StringEscaper.allPlain(word) != allPlainByteByByte(word)) {
                assertThat(StringEscaper.allPlain(word)).as("word %016x", word).isEqualTo(allPlainByteByByte(word));
            }
        }
    }

    @Test
    void escapesAcrossEightByteBoundaries() {
        String text = "0123456\"89abcdef\\hijklmn\u0001pqrstuvwxyz0123456789\u00e9\u4e2d\uD83D\uDE00 tail";
        byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
        for (int start = 0; start < 9; start++) {
            Utf8Sink sink = new Utf8Sink(1);
            StringEscaper.writeQuoted(utf8, start, utf8.length - start, sink);
            Utf8Sink reference = new Utf8Sink(1);
            reference.writeByte('"');
            StringEscaper.writeDecoded(new String(utf8, start, utf8.length - start, StandardCharsets.UTF_8), reference);
            reference.writeByte('"');
            assertThat(sink.toByteArray()).as("from byte %d", start).isEqualTo(reference.toByteArray());
        }
    }
}
