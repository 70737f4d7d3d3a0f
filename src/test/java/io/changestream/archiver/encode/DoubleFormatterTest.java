package io.changestream.archiver.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.SplittableRandom;

import org.junit.jupiter.api.Test;

/**
 * The fast path must print exactly {@link Double#toString(double)}. A one-off run of the same
 * comparison over every {@code n / 10^k} with {@code n < 3e7} and {@code k <= 6} (about 2e8 values)
 * found no difference; this test keeps a quick slice of it plus random bit patterns.
 */
class DoubleFormatterTest {
    private static String format(double value) {
        Utf8Sink sink = new Utf8Sink(8);
        DoubleFormatter.write(value, sink);
        return new String(sink.toByteArray(), StandardCharsets.US_ASCII);
    }

    /** Plain comparison first: AssertJ per value would dominate the run time. */
    private static void assertSameAsJdk(double value) {
        String actual = format(value);
        if (!actual.equals(Double.toString(value))) {
            assertThat(actual).as("bits %x", Double.doubleToRawLongBits(value)).isEqualTo(Double.toString(value));
        }
    }

    @Test
    void printsShortDecimalsExactlyAsDoubleToStringDoes() {
        double[] scales = {1, 10, 100, 1e3, 1e4, 1e5, 1e6};
        for (int k = 0; k < scales.length; k++) {
            for (long n = 0; n < 200_000; n++) {
                double value = n / scales[k];
                assertSameAsJdk(value);
                assertSameAsJdk(-value);
            }
        }
    }

    @Test
    void printsRandomDoublesExactlyAsDoubleToStringDoes() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 300_000; i++) {
            double anyBits = Double.longBitsToDouble(random.nextLong());
            double plainRange = random.nextDouble() * Math.pow(10, random.nextInt(11) - 3);
            double rounded = Math.rint(plainRange * 1e4) / 1e4;
            assertSameAsJdk(anyBits);
            assertSameAsJdk(plainRange);
            assertSameAsJdk(rounded);
        }
    }

    @Test
    void takesTheFastPathForTypicalValuesAndLeavesTheRestToTheJdk() {
        Utf8Sink sink = new Utf8Sink();
        assertThat(DoubleFormatter.writeFast(19.99, sink)).isTrue();
        assertThat(DoubleFormatter.writeFast(-0.0, sink)).isTrue();
        assertThat(DoubleFormatter.writeFast(1234567.0, sink)).isTrue();
        assertThat(DoubleFormatter.writeFast(0.1 + 0.2, sink)).isFalse();
        assertThat(DoubleFormatter.writeFast(1e7, sink)).isFalse();
        assertThat(DoubleFormatter.writeFast(Double.NaN, sink)).isFalse();
        assertThat(new String(sink.toByteArray(), StandardCharsets.US_ASCII)).isEqualTo("19.99-0.01234567.0");
    }
}
