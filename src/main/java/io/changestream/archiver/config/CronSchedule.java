package io.changestream.archiver.config;

import java.text.ParseException;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.Optional;
import java.util.TimeZone;
import org.quartz.CronExpression;

/**
 * Flush schedules in either cron dialect, evaluated in UTC. Unix cron has five fields
 * ({@code min hour day-of-month month day-of-week}); Quartz has six or seven (seconds first, optional year).
 * Unix expressions are translated to Quartz: a seconds field of {@code 0} is added, and since Quartz forbids
 * restricting both day fields, the unrestricted one becomes {@code ?}. Unix day-of-week numbers (0-7, Sunday =
 * 0 or 7) become Quartz's (1-7, Sunday = 1).
 */
public final class CronSchedule {
    private CronSchedule() {
    }

    /** Returns the Quartz form of {@code expression}, or throws {@link IllegalArgumentException} saying why not. */
    public static String toQuartz(String expression) {
        String[] fields = expression.trim().split("\\s+");
        String quartz;
        if (fields.length == 5) {
            String dom = fields[2];
            String dow = unixDayOfWeek(fields[4]);
            if ("*".equals(dow) || "?".equals(dow)) {
                dow = "?";
            } else if ("*".equals(dom)) {
                dom = "?";
            } else {
                throw new IllegalArgumentException("restricting both day-of-month and day-of-week is not supported");
            }
            quartz = String.join(" ", "0", fields[0], fields[1], dom, fields[3], dow);
        } else if (fields.length == 6 || fields.length == 7) {
            quartz = String.join(" ", fields);
        } else {
            throw new IllegalArgumentException("expected 5 fields (Unix cron) or 6-7 fields (Quartz cron), got "
                    + fields.length);
        }
        try {
            CronExpression.validateExpression(quartz);
        } catch (ParseException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (RuntimeException e) {
            // Quartz's parser throws index and number errors on some junk; to the user it is the same refusal.
            throw new IllegalArgumentException("not a cron expression Quartz can read", e);
        }
        return quartz;
    }

    /**
     * The first time after {@code after} at which a valid Quartz expression fires, evaluated in UTC; empty when it
     * never does (31 February, a year in the past).
     */
    public static Optional<Instant> nextFireAfter(String quartz, Instant after) {
        try {
            CronExpression cron = new CronExpression(quartz);
            cron.setTimeZone(TimeZone.getTimeZone(ZoneOffset.UTC));
            return Optional.ofNullable(cron.getNextValidTimeAfter(Date.from(after))).map(Date::toInstant);
        } catch (ParseException | RuntimeException e) {
            throw new IllegalArgumentException("not a cron expression Quartz can read", e);
        }
    }

    private static String unixDayOfWeek(String field) {
        if (!field.matches("[0-7,\\-/*]+")) {
            return field; // names such as MON-FRI mean the same in both dialects
        }
        StringBuilder out = new StringBuilder();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\d+|[^\\d]").matcher(field);
        boolean afterSlash = false;
        while (m.find()) {
            String token = m.group();
            if (Character.isDigit(token.charAt(0)) && !afterSlash) {
                int day = Integer.parseInt(token);
                out.append(day % 7 + 1);
            } else {
                out.append(token);
            }
            afterSlash = "/".equals(token);
        }
        return out.toString();
    }
}
