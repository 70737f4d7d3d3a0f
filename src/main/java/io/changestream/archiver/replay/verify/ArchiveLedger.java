package io.changestream.archiver.replay.verify;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.capture.StreamContinuation;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.StoredFile;
import io.changestream.archiver.replay.verify.Finding.Kind;
import io.changestream.archiver.replay.verify.Finding.Severity;
import io.changestream.archiver.store.ArchiveFile;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToLongFunction;
import java.util.stream.Collectors;

/**
 * What the tracker says one collection's archive holds (its flush log and checkpoint), read once, for checking the
 * part of the archive a {@code replay} reads: the files of its window.
 *
 * <p>{@link #check} needs only the store's listing and file lengths, so it runs before anything is replayed: every
 * logged file of the window is in the store, its ranges tile it ({@link LoggedRanges#layout}) and fit in it, and
 * bytes after its last logged range lie beyond the checkpoint, where only a pending tail may be. The bytes themselves
 * are checked while the replay streams them ({@link #ranges} gives each file's {@link LoggedRanges}).
 *
 * <p>A pending tail is what the service's next start adopts ({@code pipeline/ExactlyOnceWriter}): complete lines
 * beyond the checkpoint that continue its stream. {@link #adoptionConflict} says why a line does not, by recovery's
 * own rule ({@link StreamContinuation}): another collection's event ({@code ns.coll}), the checkpoint's own event or
 * one from before it, a token that disagrees with its event. That the tail's events follow each other is the
 * replay's ordering check ({@link EventOrder}). A torn last unit beyond the checkpoint is
 * what that start cuts off; anywhere else it is damage.
 *
 * <p>It holds the checkpoint and the names of the logged files, not their ranges: {@link #check} and {@link #ranges}
 * read one file's ranges from the tracker when asked ({@link CheckpointStore#flushLog(String, String)}), so memory
 * does not grow with the flush log. Immutable once read; the replay's reader thread may consult it (the tracker is
 * safe to share between threads).
 */
public final class ArchiveLedger {
    private final ArchiveCatalog catalog;
    private final String collection;
    private final Optional<Checkpoint> checkpoint;
    private final Optional<StoredFile> checkpointFile;
    private final CheckpointStore tracker;
    private final List<String> loggedFiles;
    private final boolean known;

    private ArchiveLedger(ArchiveCatalog catalog, CheckpointStore tracker, String collection,
                          Optional<Checkpoint> checkpoint, List<String> loggedFiles) {
        this.catalog = catalog;
        this.tracker = tracker;
        this.collection = collection;
        this.checkpoint = checkpoint;
        this.checkpointFile = checkpoint.flatMap(Checkpoint::file).flatMap(this::storedFile);
        this.loggedFiles = List.copyOf(loggedFiles);
        this.known = checkpoint.isPresent() || !loggedFiles.isEmpty();
    }

    /** Reads the collection's checkpoint and the files its flush log names from the tracker. */
    public static ArchiveLedger read(CheckpointStore tracker, ArchiveCatalog catalog, String collection) {
        return new ArchiveLedger(catalog, tracker, collection, tracker.load(collection),
                tracker.flushLogFiles(collection));
    }

    public String collection() {
        return collection;
    }

    /** The logged ranges of one file, read from the tracker, to be held against its bytes as they stream by. */
    public LoggedRanges ranges(StoredFile file) {
        return new LoggedRanges(file, tracker.flushLog(collection, file.path()));
    }

    /**
     * What differs from the flush log among the window's files, knowing only the listing and lengths.
     *
     * @param inStore the window's files found in the store
     * @param length  a file's length in the store
     */
    public List<Finding> check(List<StoredFile> inStore, ReplayWindow window, ToLongFunction<StoredFile> length) {
        List<Finding> found = new ArrayList<>();
        if (!known && !inStore.isEmpty()) {
            found.add(new Finding(Severity.PROBLEM, Kind.CHECKPOINT, "", -1, "the tracker has no checkpoint and no "
                    + "flush log for this collection, but the store holds " + inStore.size() + " of its files: the "
                    + "archive is not the one this tracker records (TRACKER_* settings)"));
        }
        Set<String> present = inStore.stream().map(StoredFile::path).collect(Collectors.toSet());
        for (String name : loggedFiles) {
            Optional<StoredFile> file = storedFile(name);
            if (file.isPresent() && (present.contains(name) || !window.overlaps(file.get().slot()))) {
                continue;
            }
            List<FlushRecord> ranges = tracker.flushLog(collection, name);
            if (ranges.isEmpty()) {
                continue; // its entries went after the ledger was read: a prune that finished meanwhile
            }
            found.add(new Finding(Severity.PROBLEM, Kind.MISSING_FILE, name, -1, file.isEmpty()
                    ? "the flush log names a file that is not an archive file name"
                    : "the file is not in the store; the flush log has " + ranges.size() + " ranges with "
                    + ranges.stream().mapToLong(FlushRecord::events).sum() + " events in it"));
        }
        for (StoredFile file : inStore) {
            long size = length.applyAsLong(file);
            LoggedRanges logged = ranges(file);
            found.addAll(logged.layout(size, r -> reaches(window, r)));
            long end = logged.end();
            if (end < size && !beyondCheckpoint(file, end)) {
                found.add(new Finding(Severity.PROBLEM, Kind.UNLOGGED_BYTES, file.path(), end, (size - end)
                        + " bytes after the last logged range are in no flush log entry, and the checkpoint is past "
                        + "them: nothing will ever log them"));
            }
        }
        return found;
    }

    /** True when the window holds events of the range: the ranges a replay of the window depends on. */
    public static boolean reaches(ReplayWindow window, FlushRecord range) {
        return !window.after(range.firstClusterTime()) && !window.before(range.lastClusterTime());
    }

    /** True when bytes at {@code offset} of {@code file} are after the checkpoint: where a pending tail may be. */
    public boolean beyondCheckpoint(StoredFile file, long offset) {
        if (checkpoint.isEmpty() || checkpointFile.isEmpty()) {
            return known; // capture has begun and nothing is committed yet: everything is pending
        }
        if (file.path().equals(checkpointFile.get().path())) {
            return offset >= checkpoint.get().fileLength();
        }
        return file.compareTo(checkpointFile.get()) > 0;
    }

    /**
     * Why the service's next start would not adopt this event of a pending tail; empty when it would. The rule is
     * recovery's own ({@link StreamContinuation}), held against the checkpoint; that the tail's events follow each
     * other is the replay's ordering check.
     */
    public Optional<String> adoptionConflict(ChangeEvent event) {
        return StreamContinuation.after(collection, checkpoint.flatMap(Checkpoint::resumeToken),
                checkpoint.map(Checkpoint::clusterTime)).accept(event);
    }

    private Optional<StoredFile> storedFile(String path) {
        try {
            return catalog.storedFile(new ArchiveFile(path));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
