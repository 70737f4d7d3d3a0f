package io.changestream.archiver.replay;

import io.changestream.archiver.replay.ReplaySummary.Failure;
import io.changestream.archiver.replay.ReplaySummary.Mismatch;
import io.changestream.archiver.replay.ReplaySummary.Notice;
import io.changestream.archiver.replay.ReplaySummary.Tally;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Renders a {@link ReplaySummary} as the table the {@code replay} command prints. */
public final class ReplaySummaryText {
    private static final Operation[] WRITES = {Operation.INSERT, Operation.UPDATE, Operation.REPLACE, Operation.DELETE};

    private ReplaySummaryText() {
    }

    /**
     * What an interrupted replay (Ctrl-C, SIGTERM) prints: where each collection stopped, as the last event a
     * completed write covered. Everything up to it is in the target; after it, only the one bulk write in flight may
     * have applied part of what follows.
     */
    public static String interrupted(ReplaySummary s) {
        StringBuilder out = new StringBuilder("interrupted; applied up to, per collection (--from just after it "
                + "goes on from there):\n");
        s.appliedUpTo().forEach((collection, position) -> out.append("  ").append(collection).append("  ")
                .append(position.map(p -> "applied up to " + p).orElse("nothing applied")).append('\n'));
        return out.toString();
    }

    public static String render(ReplaySummary s) {
        StringBuilder out = new StringBuilder();
        out.append(s.dryRun() ? "replay (dry run, nothing written)" : "replay into " + s.target())
                .append(", window ").append(s.window()).append('\n');
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"collection", "target", "files", "events", "insert", "update", "replace", "delete",
                "ddl", "other", "skipped", "failed"});
        long[] total = new long[10];
        for (Map.Entry<String, Tally> e : s.collections().entrySet()) {
            Tally t = e.getValue();
            long[] row = {t.files(), t.events(), t.applied(Operation.INSERT), t.applied(Operation.UPDATE),
                    t.applied(Operation.REPLACE), t.applied(Operation.DELETE), ddl(t), all(t, Operation.OTHER),
                    t.skipped() - t.skipped(Operation.OTHER) - ddlSkipped(t), t.failed()};
            for (int i = 0; i < row.length; i++) {
                total[i] += row[i];
            }
            rows.add(row(e.getKey(), t.target(), row));
        }
        rows.add(row("total", "", total));
        out.append(Table.format(rows, 2));
        appendSkips(out, s);
        appendMisses(out, s);
        for (Notice n : s.notices()) {
            out.append("note: ").append(n.collection()).append(' ').append(n.location()).append(": ")
                    .append(n.message()).append('\n');
        }
        if (s.failureCount() > 0) {
            out.append("failures (first ").append(s.failures().size()).append(" of ").append(s.failureCount())
                    .append("):\n");
            for (Failure f : s.failures()) {
                out.append("  ").append(f.location()).append(' ').append(f.operation()).append(" _id ")
                        .append(f.documentId()).append(": ").append(f.reason()).append('\n');
            }
        }
        appendVerification(out, s);
        double seconds = Math.max(0.001, s.elapsed().toMillis() / 1000.0);
        out.append(String.format(Locale.ROOT, "%,d events in %.1f s (%,.0f events/s)%n", s.events(), seconds,
                s.events() / seconds));
        out.append(verdict(s)).append('\n');
        return out.toString();
    }

    /** The differences from the flush log, and one sentence on whether the archive was verified. */
    private static void appendVerification(StringBuilder out, ReplaySummary s) {
        if (s.mismatchCount() > 0) {
            out.append("differences from the tracker's flush log (first ").append(s.mismatches().size())
                    .append(" of ").append(s.mismatchCount()).append("):\n");
            for (Mismatch m : s.mismatches()) {
                out.append("  ").append(m.collection()).append("  ").append(m.finding().kind().text());
                if (!m.finding().file().isEmpty()) {
                    out.append("  ").append(m.finding().file())
                            .append(m.finding().offset() >= 0 ? " @" + m.finding().offset() : "");
                }
                out.append(": ").append(m.finding().message()).append('\n');
            }
        }
        if (s.unverifiedReason().isPresent()) {
            out.append("NOT verified: the archive was not checked against the tracker's flush log (")
                    .append(s.unverifiedReason().get()).append("); only the order of clusterTime within each "
                            + "collection was checked\n");
        } else if (s.refused()) {
            out.append("nothing was replayed: the archive does not match the tracker's flush log. Restore the files "
                    + "named above, narrow the window with --from/--until, or pass --allow-unverified to replay the "
                    + "archive as it is\n");
        } else if (s.mismatchCount() > 0 && s.differencesAllowed()) {
            out.append("NOT verified: the archive differs from the tracker's flush log; replayed anyway "
                    + "(--allow-unverified)\n");
        } else if (s.mismatchCount() > 0) {
            out.append("the archive differs from the tracker's flush log: what was applied from the files named above "
                    + "may not be what was archived; restore them and replay again\n");
        } else {
            out.append("verified: every file, range and byte replayed matches the tracker's flush log\n");
        }
    }

    private static String verdict(ReplaySummary s) {
        if (s.refused()) {
            return "replay: REFUSED (" + differences(s.mismatchCount()) + " from the flush log; nothing was applied)";
        }
        if (s.succeeded()) {
            return s.verified() ? "replay: OK (verified against the flush log)"
                    : "replay: OK, but NOT verified against the flush log";
        }
        if (s.stopped() && s.failureCount() == 0 && s.mismatchCount() == 0) {
            return "replay: STOPPED at a DDL event (see the notes)";
        }
        List<String> why = new ArrayList<>();
        if (s.failureCount() > 0) {
            why.add(s.failureCount() + " events could not be applied");
        }
        if (s.mismatchCount() > 0 && !s.differencesAllowed()) {
            why.add(differences(s.mismatchCount()) + " from the flush log");
        }
        if (s.stopped()) {
            why.add("stopped at a DDL event");
        }
        return "replay: FAILED (" + String.join(", ", why) + ")";
    }

    private static String differences(long n) {
        return n + (n == 1 ? " difference" : " differences");
    }

    private static void appendSkips(StringBuilder out, ReplaySummary s) {
        for (Map.Entry<String, Tally> e : s.collections().entrySet()) {
            e.getValue().skipReasons().forEach((reason, n) -> out.append("skipped: ").append(e.getKey()).append(' ')
                    .append(n).append(" × ").append(reason).append('\n'));
        }
    }

    private static void appendMisses(StringBuilder out, ReplaySummary s) {
        for (Map.Entry<String, Tally> e : s.collections().entrySet()) {
            Tally t = e.getValue();
            if (t.missedUpdates() > 0 || t.missedDeletes() > 0) {
                out.append("no document in the target for ").append(e.getKey()).append(": ").append(t.missedUpdates())
                        .append(" updates, ").append(t.missedDeletes()).append(" deletes (expected when the target "
                                + "did not hold the documents at the start of the window)\n");
            }
        }
    }

    private static long ddl(Tally t) {
        return all(t, Operation.DROP) + all(t, Operation.RENAME) + all(t, Operation.DROP_DATABASE)
                + all(t, Operation.INVALIDATE) + (t.stoppedAt().isPresent() ? 1 : 0);
    }

    private static long ddlSkipped(Tally t) {
        return t.skipped(Operation.DROP) + t.skipped(Operation.RENAME) + t.skipped(Operation.DROP_DATABASE)
                + t.skipped(Operation.INVALIDATE);
    }

    private static long all(Tally t, Operation op) {
        return t.applied(op) + t.skipped(op) + t.failed(op);
    }

    private static String[] row(String collection, String target, long[] values) {
        String[] row = new String[values.length + 2];
        row[0] = collection;
        row[1] = target;
        for (int i = 0; i < values.length; i++) {
            row[i + 2] = String.format(Locale.ROOT, "%,d", values[i]);
        }
        return row;
    }
}
