package io.changestream.archiver.replay;

import io.changestream.archiver.encode.HourSlot;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.BsonTimestamp;

/**
 * The part of the history a replay applies: events whose {@code clusterTime} lies in {@code [from, until]}, both
 * ends inclusive, either end open.
 *
 * <p>A {@code clusterTime} is a timestamp of whole seconds plus an ordinal ({@code increment}) among the operations
 * of that second. A bound given as an ISO-8601 instant therefore covers whole seconds: {@code --until
 * 2026-01-01T10:00:00Z} includes every operation of the second 10:00:00, and {@code --from} with a fraction starts at
 * the next whole second. A bound given as {@code <seconds>:<increment>} (the {@code t} and {@code i} of the
 * timestamp, as the archive lines and the tracker show them) is exact to the operation, so a restore can stop just
 * before one bad write.
 */
public record ReplayWindow(Optional<BsonTimestamp> from, Optional<BsonTimestamp> until) {
    public static final ReplayWindow ALL = new ReplayWindow(Optional.empty(), Optional.empty());
    private static final Pattern TIMESTAMP = Pattern.compile("(\\d{1,10}):(\\d{1,10})");
    private static final long MAX_UNSIGNED_INT = 0xFFFF_FFFFL;

    public ReplayWindow {
        Objects.requireNonNull(from, "from");
        Objects.requireNonNull(until, "until");
        if (from.isPresent() && until.isPresent() && from.get().compareTo(until.get()) > 0) {
            throw new IllegalArgumentException("the window is empty: from " + describe(from.get()) + " is after until "
                    + describe(until.get()));
        }
    }

    /** The lower bound for {@code --from}: an instant rounds up to the next whole second. */
    public static BsonTimestamp parseFrom(String text) {
        return parse(text, true);
    }

    /** The upper bound for {@code --until}: an instant covers every operation of its second. */
    public static BsonTimestamp parseUntil(String text) {
        return parse(text, false);
    }

    public boolean contains(BsonTimestamp clusterTime) {
        return !before(clusterTime) && !after(clusterTime);
    }

    public boolean before(BsonTimestamp clusterTime) {
        return from.isPresent() && clusterTime.compareTo(from.get()) < 0;
    }

    /** True when the event is past the window; since a collection's lines are in clusterTime order, so is the rest. */
    public boolean after(BsonTimestamp clusterTime) {
        return until.isPresent() && clusterTime.compareTo(until.get()) > 0;
    }

    /** Whether an hourly file can hold events of the window: file names are enough to choose files. */
    public boolean overlaps(HourSlot slot) {
        long start = slot.start().getEpochSecond();
        long end = slot.end().getEpochSecond();
        return (from.isEmpty() || end > seconds(from.get())) && (until.isEmpty() || start <= seconds(until.get()));
    }

    /** {@code 2026-01-01T10:00:00Z} for a whole-second bound, {@code 2026-01-01T10:00:00Z #7} otherwise. */
    public static String describe(BsonTimestamp t) {
        String at = Instant.ofEpochSecond(seconds(t)).toString();
        long inc = t.getInc() & MAX_UNSIGNED_INT;
        return inc == 0 || inc == MAX_UNSIGNED_INT ? at : at + " #" + inc;
    }

    @Override
    public String toString() {
        return "[" + from.map(ReplayWindow::describe).orElse("start") + ", "
                + until.map(ReplayWindow::describe).orElse("end") + "]";
    }

    static long seconds(BsonTimestamp t) {
        return t.getTime() & MAX_UNSIGNED_INT;
    }

    private static BsonTimestamp parse(String text, boolean lower) {
        String trimmed = text.trim();
        Matcher m = TIMESTAMP.matcher(trimmed);
        if (m.matches()) {
            long seconds = Long.parseLong(m.group(1));
            long inc = Long.parseLong(m.group(2));
            if (seconds > MAX_UNSIGNED_INT || inc > MAX_UNSIGNED_INT) {
                throw new IllegalArgumentException("timestamp parts must be at most " + MAX_UNSIGNED_INT);
            }
            return new BsonTimestamp((int) seconds, (int) inc);
        }
        Instant instant = instant(trimmed);
        long seconds = instant.getEpochSecond();
        if (lower && instant.getNano() > 0) {
            seconds++;
        }
        if (seconds < 0 || seconds > MAX_UNSIGNED_INT) {
            throw new IllegalArgumentException("instant outside the range of a clusterTime (1970 to 2106)");
        }
        return new BsonTimestamp((int) seconds, lower ? 0 : (int) MAX_UNSIGNED_INT);
    }

    private static Instant instant(String text) {
        try {
            return Instant.parse(text);
        } catch (DateTimeParseException e) {
            try {
                return OffsetDateTime.parse(text).toInstant();
            } catch (DateTimeParseException again) {
                throw new IllegalArgumentException("not an ISO-8601 instant (2026-01-01T10:00:00Z, "
                        + "2026-01-01T11:00:00+01:00) or a <seconds>:<increment> timestamp");
            }
        }
    }
}
