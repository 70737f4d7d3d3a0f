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

    /** Every length up to 80, one byte of each kind at every position, the array going on past the text or not. */
    @Test
    void writesFieldNamesExactlyAsTheGeneralPathDoes() {
        byte[][] oddBytes = {{'"'}, {'\\'}, {1}, {(byte) 0xC3, (byte) 0xA9}, {(byte) 0xFF}};
        for (int length = 0; length <= 80; length++) {
            for (int odd = -1; odd < oddBytes.length; odd++) {
                for (int at = 0; at < Math.max(1, length); at++) {
                    for (int after = 0; after <= 9; after += 9) {
                        byte[] name = nameWith(length, odd < 0 ? null : oddBytes[odd], at);
                        byte[] src = new byte[3 + name.length + 1 + after];
                        System.arraycopy(name, 0, src, 3, name.length);
                        java.util.Arrays.fill(src, 3 + name.length + 1, src.length, (byte) '"');
                        int limit = src.length;
                        for (boolean first : new boolean[] {true, false}) {
                            Utf8Sink fused = new Utf8Sink(1);
                            fused.writeByte('x');
                            int end = StringEscaper.writeFieldName(src, 3, limit, first, fused);
                            Utf8Sink general = new Utf8Sink(1);
                            general.writeByte('x');
                            if (!first) {
                                general.writePair(',', ' ');
                            }
                            StringEscaper.writeQuoted(src, 3, name.length, general);
                            general.writePair(':', ' ');
                            assertThat(end).as("end of a %d-byte name", name.length).isEqualTo(3 + name.length);
                            assertThat(fused.toByteArray()).as("name %s", new String(name, StandardCharsets.UTF_8))
                                    .isEqualTo(general.toByteArray());
                        }
                    }
                }
            }
        }
    }

    @Test
    void rejectsAFieldNameWithoutItsZeroByte() {
        byte[] src = "abcdefghijklmnopq".getBytes(StandardCharsets.US_ASCII);
        Utf8Sink sink = new Utf8Sink();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StringEscaper.writeFieldName(src, 0, src.length, true, sink))
                .isInstanceOf(org.bson.BsonSerializationException.class).hasMessageContaining("not null-terminated");
    }

    /** Strings followed in their array by bytes that would need escaping: the last word must stop at the string. */
    @Test
    void writesTheLastBytesOfAStringWithoutWhatFollowsIt() {
        String[] followers = {"", "\"\\\u0001\u00e9xxxxxxxx", "abcdefghijk"};
        for (int length = 0; length <= 20; length++) {
            for (String follower : followers) {
                for (int odd = -1; odd < length; odd++) {
                    byte[] text = nameWith(length, odd < 0 ? null : new byte[] {'\n'}, Math.max(odd, 0));
                    byte[] src = (new String(text, StandardCharsets.UTF_8) + follower).getBytes(StandardCharsets.UTF_8);
                    Utf8Sink sink = new Utf8Sink(1);
                    StringEscaper.writeQuoted(src, 0, text.length, sink);
                    Utf8Sink reference = new Utf8Sink(1);
                    reference.writeByte('"');
                    StringEscaper.writeDecoded(new String(text, StandardCharsets.UTF_8), reference);
                    reference.writeByte('"');
                    assertThat(sink.toByteArray()).as("%d bytes before %s", text.length, follower)
                            .isEqualTo(reference.toByteArray());
                }
            }
        }
    }

    /** {@code length} bytes of letters, with {@code odd} (if any) replacing the bytes from {@code at}. */
    private static byte[] nameWith(int length, byte[] odd, int at) {
        byte[] name = new byte[length];
        for (int i = 0; i < length; i++) {
            name[i] = (byte) ('a' + i % 26);
        }
        if (odd != null && at + odd.length <= length) {
            System.arraycopy(odd, 0, name, at, odd.length);
        }
        return name;
    }
}
