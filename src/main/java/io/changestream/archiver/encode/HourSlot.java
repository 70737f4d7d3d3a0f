package io.changestream.archiver.encode;

import io.changestream.archiver.capture.ClusterTimes;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import org.bson.BsonTimestamp;

/**
 * The UTC hour an event belongs to, taken from its {@code clusterTime} (never from the flush time), and named
 * {@code YYYY-MM-DD-HH} in archive file names.
 */
public record HourSlot(LocalDateTime hour) implements Comparable<HourSlot> {
    private static final DateTimeFormatter NAME = DateTimeFormatter.ofPattern("uuuu-MM-dd-HH");

    public HourSlot {
        if (hour == null || !hour.equals(hour.truncatedTo(ChronoUnit.HOURS))) {
            throw new IllegalArgumentException("hour slot must be a whole UTC hour, got " + hour);
        }
    }

    /** The slot of a cluster time: its seconds since the epoch, in UTC. */
    public static HourSlot of(BsonTimestamp clusterTime) {
        return of(ClusterTimes.instant(clusterTime));
    }

    public static HourSlot of(Instant instant) {
        return new HourSlot(LocalDateTime.ofInstant(instant, ZoneOffset.UTC).truncatedTo(ChronoUnit.HOURS));
    }

    /** Parses {@code YYYY-MM-DD-HH}; empty when the text is not such a name. */
    public static Optional<HourSlot> parse(String name) {
        try {
            return Optional.of(new HourSlot(LocalDateTime.parse(name + ":00", DateTimeFormatter.ofPattern("uuuu-MM-dd-HH:mm"))));
        } catch (DateTimeParseException e) {
            return Optional.empty();
        }
    }

    public Instant start() {
        return hour.toInstant(ZoneOffset.UTC);
    }

    public Instant end() {
        return start().plus(1, ChronoUnit.HOURS);
    }

    /** {@code YYYY-MM-DD-HH}. */
    public String name() {
        return NAME.format(hour);
    }

    @Override
    public int compareTo(HourSlot other) {
        return hour.compareTo(other.hour);
    }

    @Override
    public String toString() {
        return name();
    }
}
