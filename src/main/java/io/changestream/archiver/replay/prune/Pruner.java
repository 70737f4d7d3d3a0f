package io.changestream.archiver.replay.prune;

import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.replay.StoredFile;
import io.changestream.archiver.replay.verify.CollectionVerdict;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.replay.verify.SnapshotVerifier;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.ArchiveFile;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.bson.BsonTimestamp;

/**
 * {@code prune --keep-since T}: removes from a collection's archive only what no restore to a time at or after T
 * needs. The rule, and why it is enough:
 *
 * <p><b>What a restore to t ≥ T reads.</b> {@code replay --until t} starts from the newest complete snapshot whose end
 * is at or before t ({@link SnapshotCatalog#newestServing}) and applies the events from that snapshot's start T0 on;
 * with no such snapshot it replays the whole history from the first event.
 * <ol>
 *   <li>Let S be the newest complete snapshot whose end is at or before T. <b>If there is none</b>, a restore to T
 *       replays the whole history, so no hour file may go, and no snapshot is older than a serving one: nothing is
 *       removed. (Removing history before the oldest snapshot's T0 would leave restores to times before that
 *       snapshot's end with nothing to start from.)</li>
 *   <li>Every restore to t ≥ T starts from S or from a snapshot ending after T, never from another complete snapshot
 *       ending at or before T (S ends later and serves t too). Those others are removed.</li>
 *   <li>Kept are S, every complete snapshot ending after T, and every incomplete one the tracker records (running,
 *       or interrupted and waiting to resume: it may complete and become the snapshot a later restore starts from).
 *       The cut-off C is the earliest start among them: a kept snapshot that started before S (a long one
 *       overlapping it) needs the history from its own T0.</li>
 *   <li>An incomplete folder (no manifest) <b>the tracker has no record of</b> (the tracker was reset, or the folder
 *       copied in) is kept too, since prune never deletes what it cannot account for, but its start does not count
 *       towards C: a snapshot is resumed only from its tracker record ({@code snapshot/SnapshotWriter}), so nothing
 *       will ever finish it, and a folder without a manifest is never a restore point. Holding C at its start would
 *       keep history forever, silently, for a restore that cannot happen. The plan names it and tells the operator
 *       to remove it by hand; {@code verify} and {@code snapshots} name it the same way. Such a folder is never a
 *       snapshot being begun right now: {@code SnapshotWriter#begin} writes the record before any file of the
 *       folder, and the plan reads the records after listing the folders, so a folder it lists of a snapshot
 *       begun meanwhile has its record in what it reads. (Were that record not yet visible, read from a lagging
 *       secondary, nothing would be lost: a snapshot begun beside a running service starts at the running stream,
 *       after every event of the hour files before the checkpoint's, the only ones a plan removes.)</li>
 *   <li>An hour file is removed when every event it can hold lies before C (its hour ends at or before C's second)
 *       and it is before the file the checkpoint points to; the checkpoint's file and everything after it are never
 *       removed, nor is anything when the collection has no checkpoint naming a file. Its flush-log entries go with
 *       it.</li>
 * </ol>
 * A restore to t ≥ T therefore finds its snapshot and every event from that snapshot's T0 on; {@code verify} then
 * requires the history to be continuous only from the oldest complete snapshot's start ({@link Verifier}).
 * {@code replay --snapshot none} and {@code --snapshot <id>} naming a removed snapshot cannot restore what was
 * pruned.
 *
 * <p><b>Checks.</b> Nothing is removed from a collection whose archive {@link Verifier} or {@link SnapshotVerifier}
 * finds a problem in: pruning evidence while something is wrong would destroy what an operator needs to find out
 * what. {@code PruneCommand} removes nothing at all when any collection's plan is refused.
 *
 * <p><b>Memory.</b> The flush log grows with the archive (years of hourly entries), so it is never read whole: each
 * hour file's entries are read from the tracker when that file is planned ({@link CheckpointStore#flushLog(String,
 * String)}), and the entries of logged files the store no longer holds (a prune that stopped between the files and
 * their entries) by walking {@link CheckpointStore#flushLogFiles}. What is held is the plan and one file's entries.
 *
 * <p><b>Beside a running service.</b> Capture only appends at or after the checkpoint, which only moves forward, and a
 * snapshot started meanwhile takes its start from the running stream, after everything planned for removal; so a
 * plan made while the service runs stays true while it is carried out.
 *
 * <p><b>Order, and a crash in the middle.</b> Each removal is idempotent, and a later {@code prune} recomputes the plan
 * from what it finds, so an interrupted prune is finished by running it again. Until then {@code verify} must pass:
 * <ul>
 *   <li>Snapshots first, each by its manifest first: the moment the manifest is gone the snapshot is no restore
 *       point (replay never uses a folder without one), and the rest is an incomplete folder that verify reports but
 *       does not fail on. Removing parts first would leave a manifest naming missing parts, a verify problem and a
 *       broken restore point. The next prune recognises such a folder by the tracker: its snapshot record says
 *       complete, but the manifest is absent; it removes the rest and does not count it as a kept snapshot.</li>
 *   <li>Then the hour files, then their flush-log entries. After a crash in between, the flush log names files
 *       the store no longer holds, all before the checkpoint's file and with every event before the oldest complete
 *       snapshot's start (snapshots were pruned first, so that start is at or after C): verify reports exactly these
 *       as {@link Finding.Kind#PRUNED_FILE} (pending), and the next prune removes their entries. The reverse order
 *       would leave files with no flush-log entries before the checkpoint: unlogged bytes, which verify must call a
 *       problem because nothing would then tell them from bytes written outside the exactly-once protocol. The log,
 *       kept until the files are gone, stays the evidence of what was removed.</li>
 * </ul>
 */
public final class Pruner {
    private static final int REFUSALS_SHOWN = 10;

    private final ArchiveCatalog catalog;
    private final CheckpointStore tracker;
    private final SnapshotProgressStore progress;

    public Pruner(ArchiveCatalog catalog, CheckpointStore tracker, SnapshotProgressStore progress) {
        this.catalog = catalog;
        this.tracker = tracker;
        this.progress = progress;
    }

    public PrunePlan plan(String collection, BsonTimestamp keepSince) {
        List<String> refusals = checks(collection);
        if (!refusals.isEmpty()) {
            return new PrunePlan(collection, keepSince, refusals, List.of(), List.of(), List.of(),
                    List.of("everything: fix what verify reports, then prune again"));
        }
        SnapshotCatalog snapshots = catalog.snapshots();
        Optional<SnapshotManifest> serving = snapshots.newestServing(collection, Optional.of(keepSince));
        List<SnapshotCatalog.Listed> folders = snapshots.list(collection);
        // Read after the listing: a snapshot's record is written before its first file, so a folder listed above
        // whose record is not read here is not a snapshot being begun right now (class Javadoc, rule 4).
        Map<String, SnapshotProgress> records = new HashMap<>();
        progress.snapshots(collection).forEach(p -> records.put(p.id(), p));
        List<PrunePlan.SnapshotRemoval> removedSnapshots = new ArrayList<>();
        List<String> kept = new ArrayList<>();
        List<BsonTimestamp> keptStarts = new ArrayList<>();
        for (SnapshotCatalog.Listed listed : folders) {
            String id = listed.id();
            if (listed.manifest().isPresent()) {
                SnapshotManifest m = listed.manifest().get();
                if (serving.isPresent() && serving.get().id().equals(id)) {
                    kept.add("snapshot " + id + ": the newest complete snapshot ending at or before "
                            + ReplayWindow.describe(keepSince) + " (ends " + ReplayWindow.describe(m.end())
                            + "); restores to that time start from it");
                    keptStarts.add(m.start());
                } else if (serving.isPresent() && m.end().compareTo(keepSince) <= 0) {
                    removedSnapshots.add(removal(collection, id, "complete, ends " + ReplayWindow.describe(m.end())
                            + "; no restore at or after " + ReplayWindow.describe(keepSince) + " starts from it "
                            + "(snapshot " + serving.get().id() + " ends later and serves them)"));
                } else {
                    kept.add("snapshot " + id + ": " + (serving.isPresent() ? "ends after the keep-since time ("
                            + ReplayWindow.describe(m.end()) + "); later restores start from it"
                            : "no complete snapshot ends at or before the keep-since time"));
                    keptStarts.add(m.start());
                }
            } else if (!records.containsKey(id)) {
                kept.add(SnapshotVerifier.unrecorded(id) + "; kept, not holding history back; remove the folder "
                        + snapshots.layout().folder(collection, id) + " by hand once you know where it came from");
            } else if (records.get(id).complete()
                    && catalog.store().length(snapshots.layout().manifest(collection, id)) == 0) {
                removedSnapshots.add(removal(collection, id, "its manifest was removed by a prune that stopped "
                        + "before the rest (the tracker records it complete): not a restore point"));
            } else {
                kept.add("snapshot " + id + ": incomplete (running, or interrupted and waiting to resume); never "
                        + "removed");
                keptStarts.add(SnapshotLayout.startOf(id));
            }
        }
        if (serving.isEmpty()) {
            kept.add("every hour file: no complete snapshot ends at or before " + ReplayWindow.describe(keepSince)
                    + ", so a restore to that time replays the history from its first event");
            return new PrunePlan(collection, keepSince, List.of(), List.of(), List.of(), List.of(), kept);
        }
        BsonTimestamp cutoff = keptStarts.stream().min(Comparator.naturalOrder()).orElseThrow();
        List<PrunePlan.FileRemoval> hourFiles = new ArrayList<>();
        List<PrunePlan.LogRemoval> logs = new ArrayList<>();
        Optional<StoredFile> checkpointFile = tracker.load(collection).flatMap(Checkpoint::file)
                .flatMap(f -> catalog.storedFile(new ArchiveFile(f)));
        if (checkpointFile.isEmpty()) {
            kept.add("every hour file: no checkpoint names an hour file yet");
            return new PrunePlan(collection, keepSince, List.of(), removedSnapshots, List.of(), List.of(), kept);
        }
        List<StoredFile> files = catalog.files(collection);
        Set<String> inStore = files.stream().map(StoredFile::path).collect(Collectors.toSet());
        long cutoffSecond = cutoff.getTime() & 0xFFFF_FFFFL;
        for (StoredFile f : files) {
            if (f.compareTo(checkpointFile.get()) >= 0) {
                kept.add("hour files from " + f.path() + " on: the checkpoint's file ("
                        + checkpointFile.get().path() + ") and everything after it are never removed");
                break;
            }
            if (f.slot().end().getEpochSecond() > cutoffSecond) {
                kept.add("hour files from " + f.path() + " on: they hold events at or after "
                        + ReplayWindow.describe(cutoff) + ", the start of the oldest kept snapshot");
                break;
            }
            hourFiles.add(new PrunePlan.FileRemoval(f.file(), catalog.store().length(f.file())));
            logRemoval(collection, f.path(), "the file is removed").ifPresent(logs::add);
        }
        for (String name : tracker.flushLogFiles(collection)) {
            if (inStore.contains(name)) {
                continue;
            }
            Optional<StoredFile> gone = catalog.storedFile(new ArchiveFile(name));
            if (gone.isEmpty() || gone.get().compareTo(checkpointFile.get()) >= 0) {
                continue;
            }
            List<FlushRecord> entries = tracker.flushLog(collection, name);
            if (entries.stream().allMatch(r -> r.lastClusterTime().compareTo(cutoff) < 0)) {
                logRemoval(name, entries, "the file was removed by a prune that stopped before its flush-log "
                        + "entries").ifPresent(logs::add);
            }
        }
        return new PrunePlan(collection, keepSince, List.of(), removedSnapshots, hourFiles, logs, kept);
    }

    /** Carries the plan out in the order the class Javadoc explains: snapshots, hour files, flush-log entries. */
    public void apply(PrunePlan plan) {
        if (plan.refused()) {
            throw new IllegalStateException("the prune plan of " + plan.collection() + " was refused: "
                    + plan.refusals());
        }
        for (PrunePlan.SnapshotRemoval s : plan.snapshots()) {
            s.files().forEach(catalog.store()::delete);
        }
        for (PrunePlan.FileRemoval f : plan.hourFiles()) {
            catalog.store().delete(f.file());
        }
        for (PrunePlan.LogRemoval l : plan.flushLog()) {
            tracker.deleteFlushLog(plan.collection(), l.file());
        }
    }

    /** The flush-log entries of one file, read from the tracker alone (never the collection's whole log). */
    private Optional<PrunePlan.LogRemoval> logRemoval(String collection, String file, String reason) {
        return logRemoval(file, tracker.flushLog(collection, file), reason);
    }

    private static Optional<PrunePlan.LogRemoval> logRemoval(String file, List<FlushRecord> entries, String reason) {
        if (entries.isEmpty()) {
            return Optional.empty(); // none logged, or a prune that finished meanwhile removed them
        }
        return Optional.of(new PrunePlan.LogRemoval(file, entries.size(),
                entries.stream().mapToLong(FlushRecord::events).sum(), reason));
    }

    private PrunePlan.SnapshotRemoval removal(String collection, String id, String reason) {
        ArchiveFile manifest = catalog.snapshots().layout().manifest(collection, id);
        List<ArchiveFile> files = new ArrayList<>();
        List<ArchiveFile> inFolder = catalog.store().list(catalog.snapshots().layout().folder(collection, id));
        if (inFolder.contains(manifest)) {
            files.add(manifest);
        }
        inFolder.stream().filter(f -> !f.equals(manifest)).forEach(files::add);
        long bytes = files.stream().mapToLong(catalog.store()::length).sum();
        return new PrunePlan.SnapshotRemoval(id, reason, files, bytes);
    }

    /** Verify's problems with the collection's archive and snapshots: any one refuses the plan. */
    private List<String> checks(String collection) {
        List<String> problems = new ArrayList<>();
        CollectionVerdict verdict = new Verifier(catalog, tracker).verify(collection);
        verdict.findings().stream().filter(f -> f.severity() == Finding.Severity.PROBLEM)
                .forEach(f -> problems.add("verify: " + f.kind().text() + " " + f.file()
                        + (f.offset() >= 0 ? " at " + f.offset() : "") + ": " + f.message()));
        new SnapshotVerifier(catalog.snapshots(), catalog.store(), Optional.of(tracker), Optional.of(progress))
                .verify(List.of(collection))
                .forEach(v -> v.problems().forEach(p -> problems.add("verify snapshots: " + p)));
        if (problems.size() > REFUSALS_SHOWN) {
            int more = problems.size() - REFUSALS_SHOWN;
            problems.subList(REFUSALS_SHOWN, problems.size()).clear();
            problems.add("... and " + more + " more");
        }
        return problems;
    }
}
