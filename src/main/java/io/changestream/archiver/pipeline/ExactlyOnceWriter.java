package io.changestream.archiver.pipeline;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.capture.ClusterTimes;
import io.changestream.archiver.capture.StreamContinuation;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.LeaseLostException;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntConsumer;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Owns the exactly-once protocol of one collection: every event the change stream delivered is in the archive
 * exactly once, wherever the process dies.
 *
 * <h2>The protocol</h2>
 * The archive (the store) is the truth about which events are archived; the checkpoint (tracker) is a durable
 * pointer into it, and may lag behind it but never run ahead of it.
 * <ol>
 *   <li><b>Encode.</b> The buffered events are split into runs by the UTC hour of their {@code clusterTime}; each
 *       run becomes the bytes of one append (JSON lines; one gzip member with gzip) and their SHA-256.</li>
 *   <li><b>Append.</b> The run's bytes are appended to its hour file at the file's committed length. The store
 *       never overwrites: a length that differs from the one expected is a conflict. When the append returns, the
 *       bytes are durable.</li>
 *   <li><b>Checkpoint.</b> The flush log entry (file, offset, length, SHA-256, tokens) is written, then the
 *       checkpoint moves to the run's last token and the file's new length. Only now are the run's events removed
 *       from the buffer. The next run of a multi-hour flush starts over at step 2.</li>
 *   <li><b>Recover.</b> On start, and before retrying after any failed step, the writer re-reads the checkpoint and
 *       looks at what the store holds beyond it: the rest of the checkpoint's file and every later hour file.
 *       Recovery distrusts what it finds there; it adopts only what provably continues the stream, and judges all
 *       of it before it changes anything:
 *       <ul>
 *         <li>The checkpoint's file must exist when the checkpoint says bytes of it are archived, and be at least
 *             that long. A missing file (a volume that did not mount, a missing ADLS file system or prefix, a file
 *             removed by hand) or a shortened one is a conflict: a first append at offset 0 would otherwise start a
 *             fresh archive under the same name.</li>
 *         <li>A torn last unit (a crash mid-append to a store without atomic commits) is not judged; it is cut
 *             off once everything before it has been accepted.</li>
 *         <li>Every complete line must be a change event that continues the stream after the checkpoint, line by
 *             line: of this collection ({@code ns.coll} when present), with a resume token that agrees with its
 *             {@code clusterTime}, and strictly after the line before it, by {@code clusterTime} and, for MongoDB's
 *             KeyString tokens, by token order. The rule is {@link StreamContinuation}'s, which {@code verify}
 *             applies too, so what verify calls pending is exactly what this step adopts; how tokens are ordered
 *             (KeyString byte order, the events of a transaction by {@code txnOpIndex}, what a token of unknown shape
 *             can prove) is written there. A duplicated range, a token going backwards, a forged token, another
 *             collection's event: each is a conflict that names the file and the offset of the line (of its gzip
 *             member, with gzip).</li>
 *       </ul>
 *       When all of it passes, the lines are <i>adopted</i>: logged with trigger {@code recovery}, and the checkpoint
 *       moves to the last one's token. Adopted events still in the buffer are removed (they must be the buffer's
 *       oldest, in order; anything else is another writer, a conflict). A conflict truncates, adopts and writes
 *       nothing: the flush fails as a conflict, or the start does, and the collection stops (state
 *       {@code failed}, not ready, {@code archiver_store_conflicts_total}) until an operator has looked; a restart
 *       judges the archive again.</li>
 *   <li><b>Resume.</b> Capture resumes after the checkpoint's token, so events after the adopted ones are
 *       delivered again and appended once.</li>
 * </ol>
 * Crash points and why each is safe: before step 2 nothing was written and the stream re-delivers; during step 2
 * the torn tail is cut and its complete lines adopted; between steps 2 and 3 the appended bytes are adopted; during
 * step 3 the flush log entry is keyed by file and offset, so adoption rewrites it instead of adding a second one;
 * the tracker rewrites an entry only with the same range (length, events, SHA-256), so bytes that replaced the logged
 * ones can never overwrite their entry.
 *
 * <h2>Fencing</h2>
 * The writer acts under a {@link LeaseHold}. Recovery first {@link CheckpointStore#claim claims} the collection
 * with the hold's epoch, so every checkpoint write of an older holder is refused from then on; every checkpoint
 * write carries the epoch and is refused atomically when it is no longer the newest. Before each append,
 * truncation and checkpoint write the hold's local deadline is checked, so a holder that could not renew stops
 * writing before its lease can expire. A refusal ({@link LeaseLostException}) is never retried. What the refused
 * writer had buffered is after its last checkpoint, and the new owner's capture resumes exactly there, so those
 * events are archived once, by the new owner. If a refused writer still managed one append (it passed its deadline
 * check, then paused), its bytes lie beyond the checkpoint; they are that same continuation of the stream, so the
 * new owner adopts them in step 4 instead of writing them again. During capture, lines beyond the events buffered
 * so far fail the flush (retried by the next trigger) until capture has caught up with them: adopting them earlier
 * would archive them twice.
 *
 * <p><b>Threads.</b> Not thread-safe: the owning {@link CollectionPipeline} calls it only under its flush lock, on
 * the flush scheduler, so that lock guards every field ({@code checkpoint}, {@code lengths}, {@code mustRecover}).
 * Between attempts within one flush it pauses ({@link RetryPolicy#delay}, bounded by {@code RETRY_ATTEMPTS}) with
 * that lock released ({@link FlushLock#pauseUnlocked}), and recovers before the next attempt, since another flush
 * may have written meanwhile; between failed flushes {@link FlushRetries} waits on a timer.
 */
public final class ExactlyOnceWriter {
    private static final Logger log = LoggerFactory.getLogger(ExactlyOnceWriter.class);

    private final String collection;
    private final ArchiveStore store;
    private final CheckpointStore checkpoints;
    private final LeaseHold hold;
    private final ArchiveLayout layout;
    private final SegmentEncoder encoder;
    private final Clock clock;
    private final RetryPolicy retry;
    private final ArchiverMetrics.PerCollection metrics;
    private final Map<ArchiveFile, Long> lengths = new HashMap<>();
    private Checkpoint checkpoint;
    private boolean mustRecover = true;

    public ExactlyOnceWriter(String collection, ArchiveStore store, CheckpointStore checkpoints, LeaseHold hold,
                             ArchiveLayout layout, SegmentEncoder encoder, Clock clock, RetryPolicy retry,
                             ArchiverMetrics.PerCollection metrics) {
        this.collection = collection;
        this.store = store;
        this.checkpoints = checkpoints;
        this.hold = hold;
        this.layout = layout;
        this.encoder = encoder;
        this.clock = clock;
        this.retry = retry;
        this.metrics = metrics;
    }

    /**
     * Step 4 at start: claims the collection for this writer's epoch and adopts whatever the store holds beyond the
     * checkpoint. Returns where capture resumes.
     *
     * @throws LeaseLostException the hold is no longer writable, or a newer epoch claimed the collection
     */
    public Optional<Checkpoint> recover() {
        adoptBeyondCheckpoint(List.of(), false, adopted -> { });
        mustRecover = false;
        return Optional.ofNullable(checkpoint);
    }

    public Optional<Checkpoint> checkpoint() {
        return Optional.ofNullable(checkpoint);
    }

    /**
     * Makes the buffer's current events durable (steps 1-3), retrying failed attempts with backoff after recovering
     * (step 4). Events leave the buffer only once checkpointed.
     *
     * @throws FlushFailedException after the last attempt, or at once when the lease was lost
     *                              ({@link FlushFailedException#leaseLost()}); the unarchived events remain buffered
     */
    public FlushResult flush(CollectionBuffer buffer, FlushTrigger trigger) {
        return flush(buffer, trigger, delay -> Thread.sleep(delay.toMillis()));
    }

    /** How the writer waits between two attempts of one flush. */
    @FunctionalInterface
    public interface Pause {
        void pause(Duration delay) throws InterruptedException;
    }

    /**
     * {@link #flush(CollectionBuffer, FlushTrigger)}, waiting between attempts with {@code pause}: the pipeline
     * passes {@link FlushLock#pauseUnlocked}, so the collection's lock is free while the flush backs off. Each
     * attempt after a failure recovers first, so whatever another flush did meanwhile is taken into account.
     */
    public FlushResult flush(CollectionBuffer buffer, FlushTrigger trigger, Pause pause) {
        Instant started = clock.instant();
        List<String> files = new ArrayList<>();
        int archived = 0;
        RuntimeException last = null;
        for (int attempt = 1; attempt <= retry.attempts(); attempt++) {
            if (attempt > 1) {
                pause(pause, retry.delay(attempt - 1));
            }
            try {
                if (mustRecover) {
                    archived += adoptBeyondCheckpoint(buffer);
                    mustRecover = false;
                }
                archived += writeRuns(buffer, buffer.snapshot(), trigger, started, files);
                metrics.flush(trigger.tag(), true, Duration.between(started, clock.instant()));
                return new FlushResult(collection, archived, files);
            } catch (LeaseLostException e) {
                metrics.flush(trigger.tag(), false, Duration.between(started, clock.instant()));
                throw new FlushFailedException(collection, archived, false, "flush of " + collection + " stopped: "
                        + e.getMessage(), e);
            } catch (StoreConflictException e) {
                mustRecover = true;
                last = e;
                log.warn("flush of {} met a conflict on attempt {}/{}: {}", collection, attempt, retry.attempts(),
                        e.getMessage());
            } catch (RuntimeException e) {
                mustRecover = true;
                last = e;
                // DEBUG: the pipeline logs the failed flush once, with the last cause (one line per retry round).
                log.debug("flush of {} failed on attempt {}/{}: {}", collection, attempt, retry.attempts(),
                        describe(e));
            }
        }
        metrics.flush(trigger.tag(), false, Duration.between(started, clock.instant()));
        throw new FlushFailedException(collection, archived, last instanceof StoreConflictException,
                "flush of " + collection + " failed after " + retry.attempts() + " attempts: " + describe(last), last);
    }

    /**
     * Records that capture begins at {@code operationTime}, before any event is captured: on first start (no
     * checkpoint) and after history was lost. Until an event is archived, a restart resumes from here.
     */
    public Checkpoint beginAt(BsonTimestamp operationTime) {
        return move(Optional.empty(), operationTime);
    }

    /**
     * Moves an idle collection's checkpoint to a post-batch resume token; nothing is buffered behind it.
     *
     * @throws LeaseLostException the hold is no longer writable; nothing moved
     */
    public void advanceIdle(BsonDocument token, BsonTimestamp clusterTime) {
        if (mustRecover) {
            return; // a failed step is pending: recovery decides the checkpoint first
        }
        move(Optional.of(token), clusterTime);
    }

    private Checkpoint move(Optional<BsonDocument> token, BsonTimestamp clusterTime) {
        Checkpoint next = new Checkpoint(collection, token, clusterTime,
                checkpoint == null ? Optional.empty() : checkpoint.file(),
                checkpoint == null ? 0 : checkpoint.fileLength(), checkpoint == null ? 0 : checkpoint.totalEvents(),
                checkpoint == null ? 0 : checkpoint.totalBytes(), false, clock.instant());
        hold.checkWritable();
        checkpoints.advance(next, hold.lease());
        checkpoint = next;
        return next;
    }

    // --- steps 1-3 ----------------------------------------------------------------------------------------------

    private int writeRuns(CollectionBuffer buffer, List<ChangeEvent> events, FlushTrigger trigger, Instant started,
                          List<String> files) {
        int done = 0;
        while (done < events.size()) {
            HourSlot slot = HourSlot.of(events.get(done).clusterTime());
            long hour = hourOf(events.get(done));
            int end = done + 1;
            while (end < events.size() && hourOf(events.get(end)) == hour) {
                end++;
            }
            List<ChangeEvent> run = events.subList(done, end);
            ArchiveFile file = layout.file(collection, slot);
            SegmentEncoder.Encoded bytes = encoder.encode(run);                          // step 1
            long position = lengthOf(file);
            hold.checkWritable();
            long newLength = store.append(file, position, bytes.data(), 0, bytes.length()); // step 2
            lengths.put(file, newLength);
            ChangeEvent first = run.get(0);
            ChangeEvent lastEvent = run.get(run.size() - 1);
            FlushRecord entry = new FlushRecord(collection, file.path(), position, bytes.length(), run.size(),
                    first.resumeToken(), lastEvent.resumeToken(), first.clusterTime(), lastEvent.clusterTime(),
                    bytes.sha256(), trigger, started,
                    Duration.between(started, clock.instant()));
            commit(entry, lastEvent.resumeToken(), lastEvent.clusterTime(), lastEvent.isInvalidate(),
                    newLength, run.size(), bytes.length());                               // step 3
            buffer.removeDurable(run.size());
            metrics.escaped(bytes.escaped());
            if (!files.contains(file.path())) {
                files.add(file.path());
            }
            log.info("archived {} events of {} to {} at offset {} ({} bytes, trigger {})", run.size(), collection,
                    file, position, bytes.length(), trigger.tag());
            done = end;
        }
        return done;
    }

    /** Hours since the epoch of the event's cluster time: equal exactly when the events' {@link HourSlot}s are. */
    private static long hourOf(ChangeEvent event) {
        return Integer.toUnsignedLong(event.clusterTime().getTime()) / 3600;
    }

    private void commit(FlushRecord entry, BsonDocument token, BsonTimestamp clusterTime, boolean startAfter,
                        long fileLength, int events, long bytes) {
        Checkpoint next = new Checkpoint(collection, Optional.of(token), clusterTime, Optional.of(entry.file()),
                fileLength,
                (checkpoint == null ? 0 : checkpoint.totalEvents()) + events,
                (checkpoint == null ? 0 : checkpoint.totalBytes()) + bytes, startAfter, clock.instant());
        hold.checkWritable();
        checkpoints.commit(entry, next, hold.lease());
        checkpoint = next;
        metrics.archived(events, bytes, ClusterTimes.instant(clusterTime));
    }

    /**
     * Where the next append to {@code file} must land. Recovery learned the length of every file at or after the
     * checkpoint's hour; any other file did not exist then, so this writer expects it empty. Asking the store
     * instead would let a foreign writer's bytes pass as ours; expecting 0 turns them into a conflict.
     */
    private long lengthOf(ArchiveFile file) {
        return lengths.getOrDefault(file, 0L);
    }

    // --- step 4 -------------------------------------------------------------------------------------------------

    private int adoptBeyondCheckpoint(CollectionBuffer buffer) {
        return adoptBeyondCheckpoint(buffer.snapshot(), true, buffer::removeDurable);
    }

    /**
     * Claims the collection, re-reads the checkpoint and adopts every complete line beyond it. {@code buffered} are
     * the events still held in memory: adopted lines must be their prefix; {@code capturing} is true when capture
     * runs, so lines beyond {@code buffered} are not yet captured (see Fencing). Everything beyond the checkpoint is
     * read and judged first; only when all of it may be adopted is anything cut or committed. Each file's adopted
     * buffered events go to {@code removeAdopted} as soon as its adoption is checkpointed, so a failure at a later
     * file cannot leave checkpointed events in the buffer. Returns how many buffered events were adopted.
     */
    private int adoptBeyondCheckpoint(List<ChangeEvent> buffered, boolean capturing, IntConsumer removeAdopted) {
        hold.checkWritable();
        checkpoints.claim(hold.lease());
        lengths.clear();
        checkpoint = checkpoints.load(collection).orElse(null);
        Optional<HourSlot> checkpointSlot = checkpoint == null ? Optional.empty()
                : checkpoint.file().flatMap(f -> ArchiveLayout.slotOfAnySuffix(new ArchiveFile(f)));
        List<ArchiveFile> listed = store.list(layout.folder(collection));
        requireCheckpointFile(listed);
        StreamContinuation continuation = checkpoint == null
                ? StreamContinuation.after(collection, Optional.empty(), Optional.empty())
                : StreamContinuation.after(collection, checkpoint.resumeToken(), Optional.of(checkpoint.clusterTime()));
        List<Map.Entry<ArchiveFile, StoredTail>> tails = new ArrayList<>();
        int found = 0;
        for (ArchiveFile file : listed) {
            Optional<HourSlot> slot = layout.slotOf(file);
            if (slot.isEmpty() || (checkpointSlot.isPresent() && slot.get().compareTo(checkpointSlot.get()) < 0)) {
                continue;
            }
            long from;
            if (checkpoint != null && checkpoint.file().filter(file.path()::equals).isPresent()) {
                from = checkpoint.fileLength();
            } else if (slot.equals(checkpointSlot)) {
                // The checkpoint's hour, another file: written before ARCHIVE_COMPRESSION changed its suffix.
                // What the flush log covers of it is archived; only bytes beyond that are adopted.
                from = checkpoints.loggedEnd(collection, file.path());
            } else {
                from = 0; // an hour after the checkpoint's: everything in it came after the checkpoint
            }
            long length = store.length(file);
            if (length < from) {
                throw new StoreConflictException(file + " holds " + length + " bytes but the checkpoint of "
                        + collection + " says " + from + " are archived: the archive was shortened outside this "
                        + "service", length, null);
            }
            lengths.put(file, length);
            if (length > from) {
                StoredTail tail = StoredTail.read(store, file, from, layout.compression(), continuation);
                requireDelivered(file, tail, buffered, found, capturing);
                found += tail.events().size();
                tails.add(Map.entry(file, tail));
            }
        }
        int matched = 0;
        for (Map.Entry<ArchiveFile, StoredTail> tail : tails) {
            int adopted = adoptTail(tail.getKey(), tail.getValue(), buffered.size() - matched);
            if (adopted > 0) {
                removeAdopted.accept(adopted);
            }
            matched += adopted;
        }
        return matched;
    }

    /**
     * A checkpoint that says bytes of a file are archived needs that file: without it, the first flush would start
     * a new file under the same name at offset 0, a fresh archive where one existed (a volume that did not mount,
     * an ADLS file system or prefix deleted or mistyped, a file removed by hand). Refused like a shortened file.
     */
    private void requireCheckpointFile(List<ArchiveFile> listed) {
        if (checkpoint == null || checkpoint.file().isEmpty() || checkpoint.fileLength() == 0) {
            return;
        }
        ArchiveFile file = new ArchiveFile(checkpoint.file().get());
        if (listed.contains(file)) {
            return;
        }
        String where = listed.isEmpty()
                ? "; the store holds no file of " + collection + " at all (" + store.describe() + "): a volume that "
                + "did not mount, or an ADLS file system or prefix that is missing?"
                : "; it was removed or renamed outside this service";
        throw new StoreConflictException(file + " is missing at offset " + checkpoint.fileLength() + ": the "
                + "checkpoint of " + collection + " says " + checkpoint.fileLength() + " bytes of it are archived"
                + where + ". Nothing is written until the file is back", 0, null);
    }

    /**
     * The tail's events must be the buffer's next events (from {@code alreadyFound}) where the buffer has them;
     * beyond the buffer, while capturing, capture has not delivered them yet (see Fencing).
     */
    private void requireDelivered(ArchiveFile file, StoredTail tail, List<ChangeEvent> buffered, int alreadyFound,
                                  boolean capturing) {
        for (int i = 0; i < tail.events().size(); i++) {
            ChangeEvent event = tail.events().get(i);
            int index = alreadyFound + i;
            if (index < buffered.size()) {
                if (!buffered.get(index).resumeToken().equals(event.resumeToken())) {
                    throw new StoreConflictException(file + " holds events beyond the checkpoint of " + collection
                            + " that this writer did not write (token " + event.resumeToken().toJson()
                            + "): another writer?", tail.from() + tail.bytes().length, null);
                }
            } else if (capturing) {
                // Not a conflict: the same stream, only further than capture got so far. The next flush adopts it.
                throw new IllegalStateException(file + " holds events beyond the checkpoint of " + collection
                        + " that capture has not delivered yet (token " + event.resumeToken().toJson()
                        + "): a former lease owner's last append, adopted once capture has caught up");
            }
        }
    }

    /** Cuts the tail's torn end and commits its events; returns how many of them were buffered (at most {@code buffered}). */
    private int adoptTail(ArchiveFile file, StoredTail tail, int buffered) {
        if (tail.torn()) {
            log.warn("cutting a torn tail of {} bytes off {} (a crash mid-append)", tail.from() + tail.bytes().length
                    - tail.completeEnd(), file);
            hold.checkWritable();
            store.truncate(file, tail.completeEnd());
            lengths.put(file, tail.completeEnd());
        }
        List<ChangeEvent> adopted = tail.events();
        if (adopted.isEmpty()) {
            return 0;
        }
        int bytes = (int) tail.completeLength();
        ChangeEvent first = adopted.get(0);
        ChangeEvent last = adopted.get(adopted.size() - 1);
        Instant now = clock.instant();
        FlushRecord entry = new FlushRecord(collection, file.path(), tail.from(), bytes, adopted.size(),
                first.resumeToken(), last.resumeToken(), first.clusterTime(), last.clusterTime(),
                SegmentEncoder.sha256Hex(tail.bytes(), 0, bytes),
                FlushTrigger.RECOVERY, now, Duration.ZERO);
        commit(entry, last.resumeToken(), last.clusterTime(), last.isInvalidate(),
                tail.completeEnd(), adopted.size(), bytes);
        log.info("adopted {} events of {} found in {} beyond the checkpoint (offset {}, {} bytes)", adopted.size(),
                collection, file, tail.from(), bytes);
        return Math.min(adopted.size(), Math.max(buffered, 0));
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static String describe(Throwable e) {
        return e == null ? "unknown" : e.getClass().getSimpleName() + ": " + e.getMessage();
    }

    private void pause(Pause pause, Duration delay) {
        try {
            pause.pause(delay);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FlushFailedException(collection, 0, false, "flush of " + collection + " interrupted", e);
        }
    }
}
