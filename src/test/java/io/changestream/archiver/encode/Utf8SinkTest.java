package io.changestream.archiver.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class Utf8SinkTest {
    private static String text(Utf8Sink sink) {
        return new String(sink.toByteArray(), StandardCharsets.UTF_8);
    }

    @Test
    void growsFromATinyCapacityAndKeepsEverythingInOrder() {
        Utf8Sink sink = new Utf8Sink(1);
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 1000; i++) {
            sink.writeLong(i);
            sink.writeByte(',');
            expected.append(i).append(',');
        }
        assertThat(text(sink)).isEqualTo(expected.toString());
        assertThat(sink.size()).isEqualTo(expected.length());
        assertThat(sink.array().length).isGreaterThanOrEqualTo(sink.size());
    }

    @Test
    void printsLongsExactlyAsLongToStringDoes() {
        long[] values = {0, 9, 10, 99, 100, -1, -10, Long.MAX_VALUE, Long.MIN_VALUE, Long.MIN_VALUE + 1, 1_000_000_000_000_000_000L};
        for (long value : values) {
            Utf8Sink sink = new Utf8Sink(2);
            sink.writeLong(value);
            assertThat(text(sink)).isEqualTo(Long.toString(value));
        }
        for (long value = 1; value > 0 && value < Long.MAX_VALUE / 3; value = value * 3 + 1) {
            Utf8Sink sink = new Utf8Sink(2);
            sink.writeLong(value);
            assertThat(text(sink)).isEqualTo(Long.toString(value));
        }
    }

    @Test
    void printsEveryDigitCountBoundaryExactly() {
        for (long power = 1; power > 0 && power <= Long.MAX_VALUE / 10 * 10; power = power * 10) {
            for (long value : new long[] {power - 1, power, power + 1, -power, -(power - 1)}) {
                Utf8Sink sink = new Utf8Sink(2);
                sink.writeLong(value);
                assertThat(text(sink)).isEqualTo(Long.toString(value));
            }
            if (power > Long.MAX_VALUE / 10) {
                break;
            }
        }
        for (int bits = 0; bits < 63; bits++) {
            for (long value : new long[] {(1L << bits) - 1, 1L << bits, (1L << bits) + 1}) {
                Utf8Sink sink = new Utf8Sink(2);
                sink.writeLong(value);
                assertThat(text(sink)).isEqualTo(Long.toString(value));
            }
        }
    }

    @Test
    void resetKeepsTheArrayAndTruncateDropsATail() throws IOException {
        Utf8Sink sink = new Utf8Sink(8);
        sink.write("hello world".getBytes(StandardCharsets.US_ASCII));
        byte[] array = sink.array();
        sink.truncate(5);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        sink.writeTo(out);
        assertThat(out.toString(StandardCharsets.US_ASCII)).isEqualTo("hello");
        sink.reset();
        assertThat(sink.size()).isZero();
        assertThat(sink.array()).isSameAs(array);
    }

    @Test
    void rejectsBadArgumentsNamingTheValue() {
        assertThatThrownBy(() -> new Utf8Sink(0)).hasMessageContaining("got 0");
        assertThatThrownBy(() -> new Utf8Sink(4).truncate(1)).hasMessageContaining("got 1");
    }
}
