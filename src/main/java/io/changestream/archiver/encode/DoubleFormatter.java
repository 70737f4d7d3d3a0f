package io.changestream.archiver.encode;

/**
 * Writes a double exactly as {@link Double#toString(double)} does, which is what the driver's
 * Extended JSON converters print (inside {@code $numberDouble} in canonical mode, as a bare number
 * in relaxed mode).
 *
 * <p>Design: {@code Double.toString} is the contract, and its exact digits depend on the JDK's
 * algorithm, so anything that is not provably identical is delegated to it. Only the common,
 * provably identical case is formatted here without allocating: a value in {@code Double.toString}'s
 * plain-notation range {@code [1e-3, 1e7)} that equals a decimal with at most {@link #MAX_FRACTION_DIGITS}
 * fraction digits and at most 15 significant digits (prices, ratings, counters stored as doubles).
 *
 * <p>Why that case is exact: for such a value the shortest decimal that rounds back to it is found
 * by trying {@code k = 0, 1, 2...} fraction digits and checking {@code round(n / 10^k) == value};
 * the check is exact because {@code n < 10^15 < 2^53} and {@code 10^k} are exact doubles and IEEE division
 * rounds correctly. With at most 15 significant digits that decimal is unique (decimal spacing
 * exceeds the double spacing), and it is what {@code Double.toString} prints: plain notation,
 * at least one fraction digit. {@code DoubleFormatterTest} checks this against the JDK over tens
 * of millions of values.
 */
final class DoubleFormatter {
    static final int MAX_FRACTION_DIGITS = 6;
    private static final double[] POWERS_OF_TEN = {1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6};
    private static final long[] LONG_POWERS_OF_TEN = {1L, 10L, 100L, 1000L, 10000L, 100000L, 1000000L};
    /** 10^15: below 2^53, so every candidate numerator is an exact double and unique at its scale. */
    private static final double MAX_SCALED = 1e15;

    private DoubleFormatter() {
    }

    /** Appends {@code Double.toString(value)}. */
    static void write(double value, Utf8Sink out) {
        if (!writeFast(value, out)) {
            out.writeAscii(Double.toString(value));
        }
    }

    /** Returns false, having written nothing, when the value is outside the exact fast path. */
    static boolean writeFast(double value, Utf8Sink out) {
        double abs = Math.abs(value);
        if (abs == 0.0) {
            out.ensure(4);
            if (Double.doubleToRawLongBits(value) < 0) {
                out.buf[out.size++] = '-';
            }
            out.buf[out.size++] = '0';
            out.buf[out.size++] = '.';
            out.buf[out.size++] = '0';
            return true;
        }
        if (!(abs >= 1e-3 && abs < 1e7)) {
            return false;
        }
        for (int k = 0; k <= MAX_FRACTION_DIGITS; k++) {
            double scaled = abs * POWERS_OF_TEN[k];
            if (scaled >= MAX_SCALED) {
                return false;
            }
            long n = (long) Math.rint(scaled);
            if (n / POWERS_OF_TEN[k] == abs) {
                writeDecimal(value < 0, n, k, out);
                return true;
            }
        }
        return false;
    }

    private static void writeDecimal(boolean negative, long n, int fractionDigits, Utf8Sink out) {
        out.ensure(24);
        if (negative) {
            out.buf[out.size++] = '-';
        }
        long unit = LONG_POWERS_OF_TEN[fractionDigits];
        long integral = n / unit;
        int intDigits = Utf8Sink.digitCount(integral);
        out.writeDigits(integral, out.size + intDigits);
        out.size += intDigits;
        out.buf[out.size++] = '.';
        if (fractionDigits == 0) {
            out.buf[out.size++] = '0';
        } else {
            out.writePadded(n - integral * unit, fractionDigits);
        }
    }
}
