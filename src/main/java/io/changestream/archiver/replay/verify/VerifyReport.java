package io.changestream.archiver.replay.verify;

import io.changestream.archiver.replay.Table;
import io.changestream.archiver.replay.verify.Finding.Severity;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/** The verdicts of every verified collection, as a human table ({@link #toText()}) or JSON ({@link #toJson()}). */
public record VerifyReport(List<CollectionVerdict> collections) {
    private static final JsonWriterSettings JSON = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED)
            .indent(true).build();

    public VerifyReport {
        collections = List.copyOf(collections);
    }

    public boolean consistent() {
        return collections.stream().allMatch(CollectionVerdict::consistent);
    }

    public long problems() {
        return collections.stream().mapToLong(c -> c.count(Severity.PROBLEM)).sum();
    }

    public String toText() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"collection", "files", "ranges", "events", "bytes", "pending", "gaps", "result"});
        for (CollectionVerdict c : collections) {
            long problems = c.count(Severity.PROBLEM);
            rows.add(new String[] {c.collection(), num(c.files()), num(c.ranges()), num(c.events()), num(c.bytes()),
                    num(c.count(Severity.PENDING)), num(c.count(Severity.GAP)),
                    problems == 0 ? "consistent" : problems + (problems == 1 ? " problem" : " problems")});
        }
        StringBuilder out = new StringBuilder(Table.format(rows, 1));
        section(out, Severity.PROBLEM, "problems:");
        section(out, Severity.PENDING, "pending (not failures):");
        section(out, Severity.GAP, "history gaps (recorded by HISTORY_LOST_POLICY=resume-from-now; not failures):");
        for (CollectionVerdict c : collections) {
            if (c.omittedProblems() > 0) {
                out.append("  ").append(c.collection()).append(": ").append(c.omittedProblems())
                        .append(" more problems not shown\n");
            }
        }
        out.append(consistent() ? "verify: consistent" : "verify: NOT consistent (" + problems() + " problems in "
                + collections.stream().filter(c -> !c.consistent()).count() + " collections)").append('\n');
        return out.toString();
    }

    public String toJson() {
        return document().toJson(JSON) + "\n";
    }

    /**
     * The report with verify's snapshot section ({@code "snapshots"}, see {@link SnapshotVerifier#toDocuments}).
     * The top-level {@code consistent} and {@code problems} count the snapshots' problems too, as the exit code does.
     */
    public String toJson(List<SnapshotVerifier.Verdict> snapshots) {
        long snapshotProblems = snapshots.stream().mapToLong(v -> v.problems().size()).sum();
        Document out = document();
        out.put("consistent", consistent() && snapshotProblems == 0);
        out.put("problems", problems() + snapshotProblems);
        out.put("snapshots", SnapshotVerifier.toDocuments(snapshots));
        return out.toJson(JSON) + "\n";
    }

    private Document document() {
        List<Document> list = new ArrayList<>();
        for (CollectionVerdict c : collections) {
            List<Document> findings = c.findings().stream().map(f -> new Document("severity", f.severity().text())
                    .append("kind", f.kind().text()).append("file", f.file().isEmpty() ? null : f.file())
                    .append("offset", f.offset() < 0 ? null : f.offset()).append("message", f.message())).toList();
            list.add(new Document("collection", c.collection()).append("consistent", c.consistent())
                    .append("files", c.files()).append("ranges", c.ranges()).append("events", c.events())
                    .append("bytes", c.bytes()).append("problems", c.count(Severity.PROBLEM))
                    .append("findings", findings).append("omittedProblems", c.omittedProblems()));
        }
        return new Document("consistent", consistent()).append("problems", problems()).append("collections", list);
    }

    private void section(StringBuilder out, Severity severity, String title) {
        boolean any = false;
        for (CollectionVerdict c : collections) {
            for (Finding f : c.findings()) {
                if (f.severity() != severity) {
                    continue;
                }
                if (!any) {
                    out.append(title).append('\n');
                    any = true;
                }
                out.append("  ").append(c.collection()).append("  ").append(f.kind().text());
                if (!f.file().isEmpty()) {
                    out.append("  ").append(f.file()).append(f.offset() >= 0 ? " @" + f.offset() : "");
                }
                out.append(": ").append(f.message()).append('\n');
            }
        }
    }

    private static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
