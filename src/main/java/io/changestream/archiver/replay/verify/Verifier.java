package io.changestream.archiver.replay.verify;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.capture.StreamContinuation;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.Gap;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.LineDecoder;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.StoredFile;
import io.changestream.archiver.replay.StoredLineReader;
import io.changestream.archiver.replay.verify.Finding.Kind;
import io.changestream.archiver.replay.verify.Finding.Severity;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.ArchiveFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.zip.ZipException;
import org.bson.BsonTimestamp;

/**
 * Holds a collection's archive against the tracker's flush log and against itself. What it checks is what
 * {@link io.changestream.archiver.pipeline.ExactlyOnceWriter} promises:
 * <ol>
 *   <li>Every logged range is in the store: its file exists, is long enough, and the range's bytes have the logged
 *       SHA-256.</li>
 *   <li>A file's logged ranges tile it: the first starts at 0, each starts where the one before ends (no hole, no
 *       overlap), and the last ends at the file's length. Bytes after the last range are allowed only beyond the
 *       checkpoint (a flush between its append and its commit, or a crash the next start adopts) and only as far as
 *       the next start would adopt them: lines that continue the stream after the checkpoint by the rule recovery
 *       uses ({@link StreamContinuation}); those are reported as pending. A line recovery would refuse (another
 *       collection's event, an event repeated or out of order, a forged token) is a problem, and so are unlogged
 *       bytes before the checkpoint, which nothing will ever log.</li>
 *   <li>Each range ends at a line (gzip: member) boundary, holds as many lines as logged events, and every line is a
 *       change event.</li>
 *   <li>Continuity: each range's first line is the logged first event and its last line the logged last event, so
 *       consecutive ranges, which abut, continue each other event by event.</li>
 *   <li>The collection's events, file after file, form one history: each line is in the hour its file is named
 *       after, {@code clusterTime} never goes backwards, no event appears twice ({@link EventOrder}).</li>
 *   <li>The checkpoint points at the end of a logged range that the store holds.</li>
 * </ol>
 * The history must be whole only from the oldest complete snapshot's start on: a logged file missing from the store
 * whose events all lie before it, before the checkpoint's file, is what an interrupted {@code prune} leaves (it
 * removes files first, then their flush-log entries) and is reported as pending, not as a problem.
 * Gaps recorded under {@code HISTORY_LOST_POLICY=resume-from-now} are reported as such, never as failures. The
 * archive is streamed, and so is the flush log: it is read one hour file at a time
 * ({@link CheckpointStore#flushLog(String, String)}), so what is held is one file's ranges, the names of the files
 * and at most 50 problems, whatever the archive's size. The layout checks of item 2 are {@link LoggedRanges}'s,
 * which {@code replay} also holds each file it reads against.
 */
public final class Verifier {
    private static final int PROBLEMS_KEPT = 50;

    private final ArchiveCatalog catalog;
    private final CheckpointStore tracker;

    public Verifier(ArchiveCatalog catalog, CheckpointStore tracker) {
        this.catalog = catalog;
        this.tracker = tracker;
    }

    public VerifyReport verify(List<String> collections) {
        return new VerifyReport(collections.stream().map(this::verify).toList());
    }

    public CollectionVerdict verify(String collection) {
        return new Check(collection).run();
    }

    /** The check of one collection, holding what it has found so far. */
    private final class Check {
        private final String collection;
        private final List<Finding> findings = new ArrayList<>();
        private final EventOrder order = new EventOrder();
        private int omitted;
        private Optional<Checkpoint> checkpoint = Optional.empty();
        private Optional<StoredFile> checkpointFile = Optional.empty();
        private StreamContinuation continuation;
        private boolean refusedContinuation;
        private int loggedRanges;
        private long loggedEvents;
        private long loggedBytes;

        Check(String collection) {
            this.collection = collection;
        }

        /**
         * Walks the store's files merged with the files the flush log names, in file order, one file's logged ranges
         * at a time ({@link CheckpointStore#flushLog(String, String)}): what is held at once is one hour file's
         * ranges and the findings, never the whole log.
         */
        CollectionVerdict run() {
            checkpoint = tracker.load(collection);
            checkpointFile = checkpoint.flatMap(Checkpoint::file).flatMap(f -> storedFile(f));
            Map<String, StoredFile> inStore = new LinkedHashMap<>();
            catalog.files(collection).forEach(f -> inStore.put(f.path(), f));
            TreeMap<StoredFile, List<String>> files = new TreeMap<>();
            inStore.values().forEach(f -> files.put(f, new ArrayList<>()));
            for (String name : tracker.flushLogFiles(collection)) {
                Optional<StoredFile> file = Optional.ofNullable(inStore.get(name)).or(() -> storedFile(name));
                if (file.isEmpty()) {
                    for (FlushRecord r : logged(name)) {
                        problem(Kind.MISSING_FILE, r.file(), r.offset(), "the flush log names a file that is not an "
                                + "archive file name");
                    }
                    continue;
                }
                files.computeIfAbsent(file.get(), f -> new ArrayList<>()).add(name);
            }
            boolean checkpointLogged = false;
            for (Map.Entry<StoredFile, List<String>> e : files.entrySet()) {
                List<FlushRecord> ranges = new ArrayList<>();
                e.getValue().forEach(name -> ranges.addAll(logged(name)));
                ranges.sort((a, b) -> Long.compare(a.offset(), b.offset()));
                if (checkpointFile.isPresent() && e.getKey().compareTo(checkpointFile.get()) == 0) {
                    checkpointLogged = checkpoint.get().fileLength() > 0
                            && ranges.stream().anyMatch(r -> r.end() == checkpoint.get().fileLength());
                }
                if (!inStore.containsKey(e.getKey().path()) && ranges.isEmpty()) {
                    continue; // its entries went between the two reads: a prune that finished meanwhile
                }
                if (!inStore.containsKey(e.getKey().path()) && pruned(e.getKey(), ranges)) {
                    findings.add(new Finding(Severity.PENDING, Kind.PRUNED_FILE, e.getKey().path(), -1, "removed by "
                            + "prune, which stopped before removing its " + ranges.size() + " flush-log entries; every "
                            + "event in them is before the oldest complete snapshot's start, so no restore needs them"));
                    continue;
                }
                if (!inStore.containsKey(e.getKey().path())) {
                    problem(Kind.MISSING_FILE, e.getKey().path(), -1, "the file is not in the store; the flush log has "
                            + ranges.size() + " ranges with " + ranges.stream().mapToLong(FlushRecord::events).sum()
                            + " events in it");
                    continue;
                }
                checkFile(e.getKey(), ranges);
            }
            checkCheckpoint(checkpointLogged);
            for (Gap gap : tracker.gaps(collection)) {
                findings.add(new Finding(Severity.GAP, Kind.HISTORY_GAP, "", -1, "history lost after "
                        + gap.lastClusterTime().map(ReplayWindow::describe).orElse("the start")
                        + "; capture resumed from the present at " + gap.detectedAt() + " (error " + gap.errorCode()
                        + ": " + gap.reason() + "); the events in between are not in the archive"));
            }
            return new CollectionVerdict(collection, inStore.size(), loggedRanges, loggedEvents, loggedBytes, findings,
                    omitted);
        }

        /** The flush log entries of one file, counted into the collection's totals as they are read (once each). */
        private List<FlushRecord> logged(String file) {
            List<FlushRecord> ranges = tracker.flushLog(collection, file);
            for (FlushRecord r : ranges) {
                loggedRanges++;
                loggedEvents += r.events();
                loggedBytes += r.length();
            }
            return ranges;
        }

        private void checkFile(StoredFile file, List<FlushRecord> ranges) {
            long length = catalog.store().length(file.file());
            LoggedRanges logged = new LoggedRanges(file, ranges);
            logged.layout(length).forEach(f -> problem(f.kind(), f.file(), f.offset(), f.message()));
            try (FileCursor cursor = new FileCursor(catalog.store(), file.file())) {
                for (FlushRecord r : logged.ranges()) {
                    if (r.end() <= length) {
                        checkRange(file, r, cursor);
                    }
                }
                if (logged.end() < length) {
                    checkTail(file, logged.end(), length, cursor);
                }
            }
        }

        private void checkRange(StoredFile file, FlushRecord r, FileCursor cursor) {
            MessageDigest sha = SegmentEncoder.newSha256();
            DigestInputStream in = new DigestInputStream(cursor.range(r.offset(), r.length()), sha);
            StoredLineReader reader = new StoredLineReader(in, file.compression());
            long lines = 0;
            ChangeEvent first = null;
            ChangeEvent last = null;
            boolean damaged = false;
            try {
                for (byte[] line; (line = reader.next()) != null; ) {
                    lines++;
                    Optional<ChangeEvent> event = decode(file, r.offset(), r.offset() + reader.lineStart(), line,
                            lines);
                    if (event.isPresent()) {
                        first = first == null ? event.get() : first;
                        last = event.get();
                    }
                }
                if (reader.tornTailBytes() > 0) {
                    problem(Kind.RANGE_BOUNDARY, file.path(), r.offset(), "the range does not end at a "
                            + unit(file) + " boundary: its last " + reader.tornTailBytes() + " bytes are incomplete");
                }
                in.transferTo(OutputStream.nullOutputStream());
            } catch (ZipException e) {
                damaged = true;
                problem(Kind.RANGE_BOUNDARY, file.path(), r.offset(), "damaged gzip data in the range: "
                        + e.getMessage());
                drain(in);
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file + " at " + r.offset() + " failed", e);
            }
            String actual = SegmentEncoder.hex(sha);
            if (!actual.equalsIgnoreCase(r.sha256())) {
                problem(Kind.CHECKSUM, file.path(), r.offset(), LoggedRanges.checksumMessage(r, actual));
            }
            if (!damaged && lines != r.events()) {
                problem(Kind.EVENT_COUNT, file.path(), r.offset(), "the range holds " + lines + " lines, the flush "
                        + "log says " + r.events() + " events");
            }
            if (first != null && (!first.resumeToken().equals(r.firstToken())
                    || !first.clusterTime().equals(r.firstClusterTime()))) {
                problem(Kind.CONTINUITY, file.path(), r.offset(), "the range's first line is the event "
                        + first.resumeToken().toJson() + ", the flush log says " + r.firstToken().toJson());
            }
            if (last != null && (!last.resumeToken().equals(r.lastToken())
                    || !last.clusterTime().equals(r.lastClusterTime()))) {
                problem(Kind.CONTINUITY, file.path(), r.offset(), "the range's last line is the event "
                        + last.resumeToken().toJson() + ", the flush log says " + r.lastToken().toJson());
            }
        }

        /**
         * Bytes after the last logged range: pending beyond the checkpoint when recovery would adopt them (the
         * {@link StreamContinuation} rule), a problem before it or when it would not.
         */
        private void checkTail(StoredFile file, long pos, long length, FileCursor cursor) {
            boolean beyond = beyondCheckpoint(file, pos);
            boolean pending = beyond;
            StoredLineReader reader = new StoredLineReader(cursor.range(pos, length - pos), file.compression());
            long lines = 0;
            long torn;
            long lineOffset = pos;
            try {
                for (byte[] line; (line = reader.next()) != null; ) {
                    lines++;
                    Optional<ChangeEvent> event = decode(file, pos, pos + reader.lineStart(), line, lines);
                    if (pending && event.isPresent() && !continues(file, lineOffset, event.get())) {
                        pending = false;
                    }
                    if (file.compression() != io.changestream.archiver.config.ArchiverConfig.Compression.GZIP) {
                        lineOffset += line.length + 1;
                    }
                }
                torn = reader.tornTailBytes();
            } catch (ZipException e) {
                problem(Kind.UNLOGGED_BYTES, file.path(), pos, "damaged gzip data after the last logged range: "
                        + e.getMessage());
                return;
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + file + " at " + pos + " failed", e);
            }
            long complete = length - pos - torn;
            if (complete > 0 && pending) {
                findings.add(new Finding(Severity.PENDING, Kind.PENDING_TAIL, file.path(), pos, lines + " events ("
                        + complete + " bytes) after the checkpoint are not in the flush log yet: a flush in "
                        + "progress, or a crash that the next start adopts"));
            } else if (complete > 0 && !beyond) {
                problem(Kind.UNLOGGED_BYTES, file.path(), pos, complete + " bytes (" + lines + " lines) after the last "
                        + "logged range are in no flush log entry, and the checkpoint is past them");
            }
            if (torn > 0 && beyond) {
                findings.add(new Finding(Severity.PENDING, Kind.TORN_TAIL, file.path(), length - torn, "the last "
                        + torn + " bytes are an incomplete " + unit(file) + ": an append cut short, which the next "
                        + "start cuts off"));
            } else if (torn > 0) {
                problem(Kind.TORN_TAIL, file.path(), length - torn, "the last " + torn + " bytes are an incomplete "
                        + unit(file) + ", before the checkpoint: the file was damaged after it was archived");
            }
        }

        /**
         * Follows the collection's stream beyond the checkpoint as recovery would; false (and a problem naming the
         * line's offset; for gzip, where the tail starts) at the first line recovery would refuse. After that nothing
         * beyond the checkpoint is pending: recovery stops there.
         */
        private boolean continues(StoredFile file, long offset, ChangeEvent event) {
            if (continuation == null) {
                continuation = checkpoint.map(c -> StreamContinuation.after(collection, c.resumeToken(),
                        Optional.of(c.clusterTime()))).orElseGet(() -> StreamContinuation.after(collection,
                        Optional.empty(), Optional.empty()));
            }
            if (refusedContinuation) {
                return false;
            }
            String before = continuation.position();
            Optional<String> refusal = continuation.accept(event);
            if (refusal.isEmpty()) {
                return true;
            }
            refusedContinuation = true;
            problem(Kind.NOT_A_CONTINUATION, file.path(), offset, "a line after the checkpoint does not continue the "
                    + "stream after " + before + ", so the next start stops the collection instead of adopting it: "
                    + refusal.get());
            return false;
        }

        /** @param lineAt where the line starts in the file (for gzip, its member) */
        private Optional<ChangeEvent> decode(StoredFile file, long rangeOffset, long lineAt, byte[] line,
                                             long lineNo) {
            ChangeEvent event;
            try {
                event = LineDecoder.decode(line);
            } catch (IllegalArgumentException e) {
                problem(Kind.UNPARSABLE, file.path(), lineAt, "line " + lineNo + " of the range at " + rangeOffset
                        + ": " + e.getMessage());
                return Optional.empty();
            }
            if (!HourSlot.of(event.clusterTime()).equals(file.slot())) {
                problem(Kind.WRONG_HOUR, file.path(), rangeOffset, "line " + lineNo + " of the range has clusterTime "
                        + ReplayWindow.describe(event.clusterTime()) + ", outside the file's hour");
            }
            order.accept(event).ifPresent(kind -> problem(kind, file.path(), rangeOffset, "line " + lineNo
                    + " of the range (" + ReplayWindow.describe(event.clusterTime()) + ", token "
                    + event.resumeToken().toJson() + ") " + (kind == Kind.TIME_BACKWARDS
                    ? "is earlier than the line before it" : "repeats an event already archived")));
            return Optional.of(event);
        }

        /** @param logged whether a logged range of the checkpoint's file ends where the checkpoint says */
        private void checkCheckpoint(boolean logged) {
            if (checkpoint.isEmpty() || checkpoint.get().file().isEmpty()) {
                return;
            }
            Checkpoint cp = checkpoint.get();
            String path = cp.file().get();
            long length = catalog.store().length(new ArchiveFile(path));
            if (length < cp.fileLength()) {
                problem(Kind.CHECKPOINT, path, cp.fileLength(), "the checkpoint says " + cp.fileLength() + " bytes "
                        + "of the file are archived; the store holds " + length);
            }
            if (cp.fileLength() > 0 && !logged) {
                problem(Kind.CHECKPOINT, path, cp.fileLength(), "no logged range of the file ends where the "
                        + "checkpoint says the archive ends");
            }
        }

        /**
         * Whether a file missing from the store is one {@code prune} removed (see
         * {@link io.changestream.archiver.replay.prune.Pruner}): before the checkpoint's file, and every logged event
         * in it before the start of the oldest complete snapshot, from which on the history must be continuous.
         */
        private boolean pruned(StoredFile file, List<FlushRecord> ranges) {
            if (checkpointFile.isEmpty() || file.compareTo(checkpointFile.get()) >= 0 || ranges.isEmpty()) {
                return false;
            }
            Optional<BsonTimestamp> oldest = catalog.snapshots().complete(collection).stream()
                    .map(SnapshotManifest::start).min(BsonTimestamp::compareTo);
            return oldest.isPresent() && ranges.stream().allMatch(r -> r.lastClusterTime().compareTo(oldest.get()) < 0);
        }

        private boolean beyondCheckpoint(StoredFile file, long offset) {
            if (checkpoint.isEmpty() || checkpointFile.isEmpty()) {
                return true; // nothing committed yet: everything in the store is pending
            }
            if (file.path().equals(checkpointFile.get().path())) {
                return offset >= checkpoint.get().fileLength();
            }
            return file.compareTo(checkpointFile.get()) > 0;
        }

        private Optional<StoredFile> storedFile(String path) {
            try {
                return catalog.storedFile(new ArchiveFile(path));
            } catch (IllegalArgumentException e) {
                return Optional.empty();
            }
        }

        private void problem(Kind kind, String file, long offset, String message) {
            if (findings.stream().filter(f -> f.severity() == Severity.PROBLEM).count() >= PROBLEMS_KEPT) {
                omitted++;
                return;
            }
            findings.add(new Finding(Severity.PROBLEM, kind, file, offset, message));
        }
    }

    private static String unit(StoredFile file) {
        return file.compression() == io.changestream.archiver.config.ArchiverConfig.Compression.GZIP
                ? "gzip member" : "line";
    }

    private static void drain(InputStream in) {
        try {
            in.transferTo(OutputStream.nullOutputStream());
        } catch (IOException e) {
            throw new UncheckedIOException("reading the rest of a damaged range failed", e);
        }
    }
}
