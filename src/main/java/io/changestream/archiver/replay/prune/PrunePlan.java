package io.changestream.archiver.replay.prune;

import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.store.ArchiveFile;
import java.util.List;
import org.bson.BsonTimestamp;

/**
 * What {@code prune} would remove from one collection's archive and what it keeps, with the reason for each; made by
 * {@link Pruner#plan}, carried out by {@link Pruner#apply}. A plan with {@link #refusals} removes nothing.
 *
 * @param refusals  the checks that failed (verify's problems); non-empty means nothing is removed
 * @param snapshots snapshots to remove, each with its files in removal order (manifest first)
 * @param hourFiles hour files to remove, oldest first
 * @param flushLog  files whose flush-log entries go, after the files themselves
 * @param kept      what is kept and why, one line each
 */
public record PrunePlan(String collection, BsonTimestamp keepSince, List<String> refusals,
                        List<SnapshotRemoval> snapshots, List<FileRemoval> hourFiles, List<LogRemoval> flushLog,
                        List<String> kept) {

    public PrunePlan {
        refusals = List.copyOf(refusals);
        snapshots = List.copyOf(snapshots);
        hourFiles = List.copyOf(hourFiles);
        flushLog = List.copyOf(flushLog);
        kept = List.copyOf(kept);
        if (!refusals.isEmpty() && !(snapshots.isEmpty() && hourFiles.isEmpty() && flushLog.isEmpty())) {
            throw new IllegalArgumentException("a refused plan of " + collection + " must remove nothing");
        }
    }

    /** A snapshot folder to remove: its files, the manifest first, so it stops being a restore point at once. */
    public record SnapshotRemoval(String id, String reason, List<ArchiveFile> files, long bytes) {
        public SnapshotRemoval {
            files = List.copyOf(files);
        }
    }

    public record FileRemoval(ArchiveFile file, long bytes) {
    }

    /** The flush-log entries of {@code file}: {@code entries} ranges holding {@code events} events. */
    public record LogRemoval(String file, int entries, long events, String reason) {
    }

    public boolean refused() {
        return !refusals.isEmpty();
    }

    public boolean removesNothing() {
        return snapshots.isEmpty() && hourFiles.isEmpty() && flushLog.isEmpty();
    }

    public long bytes() {
        return snapshots.stream().mapToLong(SnapshotRemoval::bytes).sum()
                + hourFiles.stream().mapToLong(FileRemoval::bytes).sum();
    }

    public String toText() {
        StringBuilder out = new StringBuilder(collection).append(": keep what restores to ")
                .append(ReplayWindow.describe(keepSince)).append(" or later need\n");
        if (refused()) {
            out.append("  REFUSED, nothing is removed: a check failed\n");
            refusals.forEach(r -> out.append("    ").append(r).append('\n'));
        }
        for (SnapshotRemoval s : snapshots) {
            out.append("  remove snapshot ").append(s.id()).append(" (").append(s.files().size()).append(" files, ")
                    .append(s.bytes()).append(" bytes): ").append(s.reason()).append('\n');
        }
        for (FileRemoval f : hourFiles) {
            out.append("  remove hour file ").append(f.file().path()).append(" (").append(f.bytes())
                    .append(" bytes)\n");
        }
        for (LogRemoval l : flushLog) {
            out.append("  remove flush-log entries of ").append(l.file()).append(" (").append(l.entries())
                    .append(" ranges, ").append(l.events()).append(" events): ").append(l.reason()).append('\n');
        }
        kept.forEach(k -> out.append("  keep ").append(k).append('\n'));
        int files = snapshots.stream().mapToInt(s -> s.files().size()).sum() + hourFiles.size();
        out.append("  total: ").append(files).append(" files, ").append(bytes()).append(" bytes, ")
                .append(flushLog.stream().mapToInt(LogRemoval::entries).sum()).append(" flush-log entries\n");
        return out.toString();
    }
}
