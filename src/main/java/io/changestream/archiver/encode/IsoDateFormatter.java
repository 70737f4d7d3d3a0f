package io.changestream.archiver.encode;

/**
 * Writes a BSON date (milliseconds since the epoch, UTC) the way relaxed Extended JSON prints it:
 * the driver's {@code ZonedDateTime.ofInstant(Instant.ofEpochMilli(ms), ZoneId.of("Z"))} formatted
 * with {@code DateTimeFormatter.ISO_OFFSET_DATE_TIME}.
 *
 * <p>That format is {@code yyyy-MM-ddTHH:mm:ss}, then a fraction of a second only when it is not
 * zero and with its trailing zeros removed ({@code .5}, {@code .12}, {@code .123}), then {@code Z}.
 * The driver uses it only for dates from 1970-01-01 to the end of 9999 ({@link #MAX_MILLIS}), so the
 * year is always four digits; other dates fall back to {@code $numberLong} and never get here.
 *
 * <p>Design: the civil date is computed with integer arithmetic (days to year/month/day in the
 * proleptic Gregorian calendar, as java.time does), so nothing is allocated.
 */
final class IsoDateFormatter {
    /** 9999-12-31T23:59:59.999Z, the driver's {@code LAST_MS_OF_YEAR_9999}. */
    static final long MAX_MILLIS = 253402300799999L;
    private static final long MILLIS_PER_DAY = 86_400_000L;
    /** Length of the longest output, {@code 9999-12-31T23:59:59.999Z}. */
    private static final int MAX_LENGTH = 24;

    private IsoDateFormatter() {
    }

    /** True when the driver prints {@code millis} as an ISO string in relaxed mode. */
    static boolean inRange(long millis) {
        return millis >= 0 && millis <= MAX_MILLIS;
    }

    /** Appends the ISO form of {@code millis}, which must be {@link #inRange(long)}. */
    static void write(long millis, Utf8Sink out) {
        long days = millis / MILLIS_PER_DAY;
        int millisOfDay = (int) (millis - days * MILLIS_PER_DAY);

        // Days since 1970-01-01 to a civil date, counting in 400-year eras that start on March 1st
        // so that the leap day is the last day of the "year" (H. Hinnant's days_from_civil inverse).
        long z = days + 719_468;
        long era = z / 146_097;
        long dayOfEra = z - era * 146_097;
        long yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365;
        long dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100);
        long monthIndex = (5 * dayOfYear + 2) / 153;
        int day = (int) (dayOfYear - (153 * monthIndex + 2) / 5 + 1);
        int month = (int) (monthIndex < 10 ? monthIndex + 3 : monthIndex - 9);
        long year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);

        int hour = millisOfDay / 3_600_000;
        int minute = millisOfDay / 60_000 % 60;
        int second = millisOfDay / 1000 % 60;
        int fraction = millisOfDay % 1000;

        out.ensure(MAX_LENGTH);
        out.writeTwoDigits((int) (year / 100));
        out.writeTwoDigits((int) (year % 100));
        out.buf[out.size++] = '-';
        out.writeTwoDigits(month);
        out.buf[out.size++] = '-';
        out.writeTwoDigits(day);
        out.buf[out.size++] = 'T';
        out.writeTwoDigits(hour);
        out.buf[out.size++] = ':';
        out.writeTwoDigits(minute);
        out.buf[out.size++] = ':';
        out.writeTwoDigits(second);
        if (fraction != 0) {
            out.buf[out.size++] = '.';
            if (fraction % 100 == 0) {
                out.writePadded(fraction / 100, 1);
            } else if (fraction % 10 == 0) {
                out.writePadded(fraction / 10, 2);
            } else {
                out.writePadded(fraction, 3);
            }
        }
        out.buf[out.size++] = 'Z';
    }
}
