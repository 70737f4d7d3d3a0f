package io.changestream.archiver.snapshot;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.SnapshotFormat;
import io.changestream.archiver.checkpoint.SnapshotPart;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.encode.ExtendedJsonEncoder;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.encode.Utf8Sink;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.zip.GZIPOutputStream;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes one snapshot of one collection, resumably and exactly once: the protocol of snapshots is written here.
 *
 * <h2>What a snapshot is</h2>
 * A start cluster time T0, recorded before the first read; every document of the collection read in {@code _id}
 * order, each read observing at least T0 ({@link SnapshotSource}); the documents written as part files
 * {@code part-00000, part-00001…} of about {@code SNAPSHOT_PART_BYTES} encoded bytes each, one Extended JSON line per
 * document ({@link ExtendedJsonEncoder}, the snapshot's mode, byte-identical to the driver's writer; with gzip one
 * member per part); then an end cluster time E taken after the last read completed, and {@code manifest.json}
 * (T0, E, every part's documents, length and SHA-256) written last. Every document was read at some moment in
 * [T0, E], which is what restore needs (see {@code replay/SnapshotRestore}).
 *
 * <p><b>The format is part of the record.</b> Compression (part names, gzip members) and JSON mode are fixed at
 * begin from the configuration and recorded with T0 ({@link SnapshotFormat}); every later step (part names,
 * encoding, recovery, the manifest) takes them from the record, so a snapshot resumed under another
 * {@code ARCHIVE_COMPRESSION} or JSON mode finishes as it started and the new setting applies from the next
 * snapshot. A record written before the format was recorded has it inferred once from the parts in the store
 * ({@link FormatInference}), distrustfully, and recorded.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li><b>Write once.</b> A part and the manifest are each written by one {@link ArchiveStore#append} at position 0:
 *       the store creates the file or refuses ({@link StoreConflictException}); nothing is ever overwritten.</li>
 *   <li><b>The tracker lags the store, never leads it.</b> The tracker's record ({@link SnapshotProgress}) lists
 *       parts 0…n-1, each with its last {@code _id}; part n is written before it is recorded. So at most one part
 *       beyond the record can exist (a writer writes part n+1 only after recording part n).</li>
 *   <li><b>Parts chain by {@code _id}.</b> Part n holds documents with {@code _id} strictly after part n-1's last
 *       one, in ascending order; the read of part n+1 continues after part n's last {@code _id}. Together the parts
 *       hold every document that existed throughout the read of its range, each once.</li>
 *   <li><b>No manifest, no snapshot.</b> The manifest is written only after every part is recorded; readers ignore
 *       a snapshot folder without one.</li>
 * </ul>
 *
 * <h2>Steps</h2>
 * <ol>
 *   <li><b>Begin</b> ({@link #begin}): T0 and the format are recorded in the tracker with no parts (state
 *       {@code running}), before any file of the snapshot's folder is written. So a folder the tracker has no record
 *       of is never a snapshot being begun: {@code prune} and {@code verify} rely on this to tell an orphaned folder
 *       from a live one.</li>
 *   <li><b>Recover</b> (every {@link #run}, before reading): the record is the truth about which parts are done. A
 *       part file numbered n = the count of recorded parts may exist, named in the recorded format (one under the
 *       other suffix is a conflict naming it): written, not recorded. It is read back and
 *       <i>adopted</i> (recorded as it is) when it provably continues the chain: it is complete (plain: ends with a
 *       newline; gzip: whole members with their CRC), every line decodes to a document, and the {@code _id}s ascend
 *       strictly from after part n-1's last one. Its documents were read at or after T0 like any other, so adopting
 *       it is as good as writing it again and cheaper. A part that is not complete is a write cut short by a crash
 *       (possible only on the local store, whose appends are not atomic): it is truncated to nothing and written
 *       again. A complete part that breaks the chain is not ours to judge: the snapshot fails with a conflict
 *       naming the file. The same holds for the manifest: one found while the record says {@code running} is
 *       adopted when it lists exactly the recorded parts.</li>
 *   <li><b>Read and write parts.</b> The read continues after the last recorded {@code _id}; when the encoded part
 *       reaches the part size (or the collection ends) it is written (step 2's rule), then recorded in the tracker
 *       with its documents, length, SHA-256 and last {@code _id}.</li>
 *   <li><b>End.</b> E is the source's operation time after the last read; with it the manifest is written, then the
 *       record becomes {@code complete}.</li>
 * </ol>
 *
 * <h2>Crash points</h2>
 * <table>
 *   <caption>what a crash (kill -9, store outage, lost lease) at each point leaves, and what happens next</caption>
 *   <tr><th>dies…</th><th>left behind</th><th>next run</th></tr>
 *   <tr><td>before step 1's record</td><td>nothing</td><td>a new snapshot begins (its own T0)</td></tr>
 *   <tr><td>while writing part n</td><td>local: a torn part n; ADLS: nothing</td>
 *       <td>the torn part is truncated and part n written again from the recorded {@code _id}</td></tr>
 *   <tr><td>after writing part n, before recording it</td><td>part n complete, record at n-1</td>
 *       <td>part n is verified and adopted; the read continues after its last {@code _id}; never written twice</td></tr>
 *   <tr><td>after recording part n</td><td>consistent</td><td>the read continues after part n</td></tr>
 *   <tr><td>while or after writing the manifest, before the record says complete</td>
 *       <td>a (local: maybe torn) manifest</td><td>a complete manifest listing the recorded parts is adopted; a torn
 *       one is truncated and written again with a new E (later, so still after every read)</td></tr>
 * </table>
 * A former owner that lost its lease can at most race one part or the manifest with the new owner: the store lets
 * only one create the file, the other's append is a conflict, and it recovers at once (within the same
 * {@link #run}, not as a failure) and adopts the winner's file; the former owner's recovery stops at its lease
 * check. Its
 * tracker writes are refused by the epoch fence ({@link SnapshotProgressStore#save}).
 *
 * <p><b>Memory.</b> One part's encoded bytes (about the part size, plus its gzip output) and one read batch.
 *
 * <p><b>Threads.</b> Not thread-safe: one snapshot run at a time per instance, on the snapshot scheduler. Its
 * progress counters are volatile for {@code status}.
 */
public final class SnapshotWriter {
    private static final Logger log = LoggerFactory.getLogger(SnapshotWriter.class);
    private static final ExtendedJsonDecoder DECODER = new ExtendedJsonDecoder();
    /** Races for a file with another writer in one run before the conflict is reported; each one adopts a file. */
    private static final int MAX_RACES = 16;

    private final SnapshotSource source;
    private final ArchiveStore store;
    private final SnapshotProgressStore tracker;
    private final SnapshotLayout layout;
    /** The configured format: a new snapshot's. A resumed one keeps its recorded format. */
    private final SnapshotFormat configured;
    private final long partBytes;
    private final ReadThrottle throttle;
    private final Clock clock;
    private final Map<JsonMode, ExtendedJsonEncoder> encoders = new EnumMap<>(JsonMode.class);
    private final Utf8Sink sink = new Utf8Sink(64 * 1024);
    private volatile long documentsRead;
    private volatile long bytesWritten;
    private java.util.function.Consumer<SnapshotPart> onPart = part -> { };
    /** The snapshot whose format differing from the configured one was logged, so a retried run logs it once. */
    private String announced;

    public SnapshotWriter(SnapshotSource source, ArchiveStore store, SnapshotProgressStore tracker,
                          SnapshotLayout layout, JsonMode mode, long partBytes, ReadThrottle throttle, Clock clock) {
        if (partBytes < 1) {
            throw new IllegalArgumentException("snapshot part size must be >= 1 byte, got " + partBytes);
        }
        this.source = source;
        this.store = store;
        this.tracker = tracker;
        this.layout = layout;
        this.configured = new SnapshotFormat(layout.compression(), mode);
        this.partBytes = partBytes;
        this.throttle = throttle;
        this.clock = clock;
        encoders.put(JsonMode.CANONICAL, new ExtendedJsonEncoder(org.bson.json.JsonMode.EXTENDED));
        encoders.put(JsonMode.RELAXED, new ExtendedJsonEncoder(org.bson.json.JsonMode.RELAXED));
    }

    /** Step 1: records a new snapshot starting at {@code start} (T0), in the configured format. */
    public SnapshotProgress begin(String collection, BsonTimestamp start, Lease lease) {
        SnapshotProgress p = SnapshotProgress.started(collection, SnapshotLayout.id(start), start, configured,
                clock.instant());
        if (tracker.snapshots(collection).stream().anyMatch(s -> s.id().equals(p.id()))) {
            throw new IllegalStateException("snapshot " + p.id() + " of " + collection + " exists already");
        }
        tracker.save(p, lease);
        log.info("snapshot {} of {} begins at {}, in {}", p.id(), collection, describe(start), configured);
        return p;
    }

    /**
     * Steps 2–4: recovers, writes the remaining parts and the manifest, and returns the complete record.
     *
     * @param checkWritable called before every store or tracker write; throws when the lease may not write any more
     * @throws StoreConflictException a file of the snapshot is not what this protocol could have left there
     */
    public SnapshotProgress run(SnapshotProgress recorded, Lease lease, Runnable checkWritable)
            throws InterruptedException {
        SnapshotProgress p = recorded.complete() ? recorded : withFormat(recorded, lease, checkWritable);
        for (int races = 1; ; races++) {
            try {
                return runOnce(p, lease, checkWritable);
            } catch (Raced raced) {
                if (races >= MAX_RACES) {
                    throw raced.conflict;
                }
                log.info("snapshot {} of {}: {} was written by another writer meanwhile (a former owner of the "
                        + "lease); recovering from the recorded progress to adopt it", p.id(), p.collection(),
                        raced.file);
                p = raced.recorded;
            }
        }
    }

    /**
     * The record with its format: the recorded one, or for a record written before the format was recorded, the one
     * the store's parts show ({@link FormatInference}), recorded now.
     */
    private SnapshotProgress withFormat(SnapshotProgress recorded, Lease lease, Runnable checkWritable) {
        SnapshotProgress p = recorded;
        if (p.format().isEmpty()) {
            SnapshotFormat inferred = FormatInference.infer(p, store, layout, configured, encoders);
            checkWritable.run();
            p = p.withFormat(inferred, clock.instant());
            tracker.save(p, lease);
            log.info("snapshot {} of {}: its record predates the recorded format; {} inferred from its parts in "
                    + "the store, and recorded", p.id(), p.collection(), inferred);
        }
        SnapshotFormat format = p.format().orElseThrow();
        if (!format.equals(configured) && !p.id().equals(announced)) {
            announced = p.id();
            log.info("snapshot {} of {} continues in {}, the format it started in; {} applies from the next snapshot",
                    p.id(), p.collection(), format, changed(format));
        }
        return p;
    }

    /** The settings that differ from the snapshot's format, as an operator sets them. */
    private String changed(SnapshotFormat format) {
        List<String> settings = new ArrayList<>();
        if (format.compression() != configured.compression()) {
            settings.add("ARCHIVE_COMPRESSION=" + configured.compression().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (format.jsonMode() != configured.jsonMode()) {
            settings.add("ARCHIVE_JSON_MODE=" + configured.jsonMode().name().toLowerCase(java.util.Locale.ROOT));
        }
        return String.join(" and ", settings);
    }

    private SnapshotProgress runOnce(SnapshotProgress recorded, Lease lease, Runnable checkWritable)
            throws InterruptedException {
        SnapshotProgress p = recover(recorded, lease, checkWritable);
        if (p.complete()) {
            return p;
        }
        SnapshotFormat format = p.format().orElseThrow();
        ExtendedJsonEncoder encoder = encoders.get(format.jsonMode());
        documentsRead = p.documents();
        bytesWritten = p.bytes();
        try (SnapshotSource.Documents docs = source.documents(p.collection(), p.lastId(), p.start())) {
            while (docs.hasNext()) {
                sink.reset();
                long count = 0;
                BsonValue lastId = null;
                while (docs.hasNext() && sink.size() < partBytes) {
                    RawBsonDocument doc = docs.next();
                    var buffer = doc.getByteBuffer();
                    encoder.encodeLine(buffer.array(), buffer.position(), buffer.remaining(), sink);
                    lastId = doc.get("_id");
                    count++;
                    documentsRead = documentsRead + 1;
                    throttle.acquire(buffer.remaining());
                }
                byte[] stored = stored(sink, format.compression());
                ArchiveFile file = layout.part(p.collection(), p.id(), p.parts().size(), format.compression());
                checkWritable.run();
                createOnce(file, stored, p);
                SnapshotPart part = new SnapshotPart(p.parts().size(), count, stored.length,
                        SegmentEncoder.sha256Hex(stored, 0, stored.length), lastId);
                checkWritable.run();
                p = p.withPart(part, clock.instant());
                tracker.save(p, lease);
                bytesWritten = p.bytes();
                onPart.accept(part);
                log.debug("snapshot {} of {}: part {} written, {} documents, {} bytes", p.id(), p.collection(),
                        part.number(), count, stored.length);
            }
        }
        return finish(p, lease, checkWritable);
    }

    /**
     * Writes a new file of the snapshot. When the store refuses because the file exists now (it did not at
     * recovery), another writer made it meanwhile: a former owner whose write was under way when the lease moved.
     * That is {@link Raced}: the run starts over from the record, whose recovery adopts the file when it continues
     * the chain (or names the conflict when it does not).
     */
    private void createOnce(ArchiveFile file, byte[] bytes, SnapshotProgress p) {
        try {
            store.append(file, 0, bytes, 0, bytes.length);
        } catch (StoreConflictException e) {
            if (store.length(file) == 0) {
                throw e;
            }
            throw new Raced(file, p, e);
        }
    }

    /** A file this run meant to create was created by another writer; recover from {@code recorded}. */
    private static final class Raced extends RuntimeException {
        final ArchiveFile file;
        final SnapshotProgress recorded;
        final StoreConflictException conflict;

        Raced(ArchiveFile file, SnapshotProgress recorded, StoreConflictException conflict) {
            super(conflict.getMessage(), conflict, false, false);
            this.file = file;
            this.recorded = recorded;
            this.conflict = conflict;
        }
    }

    /** Called after each part this writer wrote is recorded (adopted parts are not reported), for metrics. */
    public SnapshotWriter onPart(java.util.function.Consumer<SnapshotPart> listener) {
        this.onPart = listener;
        return this;
    }

    /** Documents read (or adopted) so far by the current run, for progress. */
    public long documentsRead() {
        return documentsRead;
    }

    public long bytesWritten() {
        return bytesWritten;
    }

    private SnapshotProgress finish(SnapshotProgress p, Lease lease, Runnable checkWritable) {
        BsonTimestamp end = atOrAfterEveryRead(source.operationTime());
        if (end.compareTo(p.start()) < 0) {
            end = p.start();
        }
        SnapshotManifest manifest = manifest(p, end);
        byte[] json = manifest.toJson();
        checkWritable.run();
        createOnce(layout.manifest(p.collection(), p.id()), json, p);
        return complete(p, end, lease, checkWritable);
    }

    private SnapshotProgress complete(SnapshotProgress p, BsonTimestamp end, Lease lease, Runnable checkWritable) {
        checkWritable.run();
        SnapshotProgress done = p.completed(end, clock.instant());
        tracker.save(done, lease);
        log.info("snapshot {} of {} complete: {} documents in {} parts, {} bytes, from {} to {}", p.id(),
                p.collection(), done.documents(), done.parts().size(), done.bytes(), describe(p.start()),
                describe(end));
        return done;
    }

    /**
     * A cluster time with increment 0 is never a real operation's: it is the local clock's current second, the
     * fallback for a server that sends no operation time ({@code capture/ClusterClock}). It bounds the reads only
     * from below, so the end moves to the next second, which is after every read of this second.
     */
    static BsonTimestamp atOrAfterEveryRead(BsonTimestamp time) {
        return time.getInc() == 0 ? new BsonTimestamp(time.getTime() + 1, 0) : time;
    }

    private SnapshotManifest manifest(SnapshotProgress p, BsonTimestamp end) {
        SnapshotFormat format = p.format().orElseThrow();
        List<SnapshotManifest.Part> parts = new ArrayList<>();
        for (SnapshotPart part : p.parts()) {
            parts.add(new SnapshotManifest.Part(SnapshotLayout.partName(part.number(), format.compression()),
                    part.documents(), part.bytes(), part.sha256()));
        }
        return new SnapshotManifest(p.collection(), p.id(), p.start(), end, format.jsonMode(), format.compression(),
                parts, p.startedAt(), clock.instant());
    }

    // --- step 2: recovery -----------------------------------------------------------------------------------

    private SnapshotProgress recover(SnapshotProgress recorded, Lease lease, Runnable checkWritable) {
        SnapshotProgress p = recorded;
        if (p.complete()) {
            return p;
        }
        Compression compression = p.format().orElseThrow().compression();
        while (true) {
            ArchiveFile file = layout.part(p.collection(), p.id(), p.parts().size(), compression);
            refuseOtherSuffix(p, compression);
            byte[] found = readAll(store, file);
            if (found.length == 0) {
                break;
            }
            Optional<SnapshotPart> adoptable = adoptable(file, found, p.parts().size(), p.lastId(), compression);
            if (adoptable.isEmpty()) {
                log.warn("snapshot {} of {}: {} is incomplete ({} bytes, a write cut short); writing it again",
                        p.id(), p.collection(), file, found.length);
                checkWritable.run();
                store.truncate(file, 0);
                break;
            }
            checkWritable.run();
            p = p.withPart(adoptable.get(), clock.instant());
            tracker.save(p, lease);
            log.info("snapshot {} of {}: adopted {} ({} documents), written before the last interruption",
                    p.id(), p.collection(), file, adoptable.get().documents());
        }
        ArchiveFile manifestFile = layout.manifest(p.collection(), p.id());
        byte[] found = readAll(store, manifestFile);
        if (found.length > 0) {
            SnapshotManifest m;
            try {
                m = SnapshotManifest.parse(found);
            } catch (IllegalArgumentException e) {
                checkWritable.run();
                store.truncate(manifestFile, 0); // torn (local store); written again at the end
                return p;
            }
            SnapshotManifest expected = manifest(p, m.end());
            if (!m.parts().equals(expected.parts()) || !m.start().equals(p.start())
                    || m.compression() != expected.compression() || m.jsonMode() != expected.jsonMode()) {
                throw new StoreConflictException(manifestFile + " does not list the parts the tracker recorded for "
                        + "snapshot " + p.id() + " of " + p.collection() + " in its format " + p.format().get(),
                        found.length, null);
            }
            return complete(p, m.end(), lease, checkWritable);
        }
        return p;
    }

    /**
     * The next part under the other suffix is not this snapshot's: its format is recorded, so no writer of this
     * protocol named a part that way (one that predates the recorded format and ran under another setting could).
     * It is not recorded, so removing it loses nothing; left there, it would be a stray beside the snapshot's own.
     */
    private void refuseOtherSuffix(SnapshotProgress p, Compression compression) {
        Compression other = compression == Compression.NONE ? Compression.GZIP : Compression.NONE;
        ArchiveFile stray = layout.part(p.collection(), p.id(), p.parts().size(), other);
        long length = store.length(stray);
        if (length > 0) {
            throw new StoreConflictException(stray + " is not in the format of snapshot " + p.id() + " of "
                    + p.collection() + " (" + p.format().orElseThrow() + ", recorded when it began); it is not "
                    + "recorded, so removing it loses nothing: the snapshot then writes part " + p.parts().size()
                    + " again in its own format", length, null);
        }
    }

    /**
     * The part a found file is, when it continues the chain after {@code after}; empty when it is incomplete.
     *
     * @throws StoreConflictException a complete file that does not continue the chain
     */
    private Optional<SnapshotPart> adoptable(ArchiveFile file, byte[] data, int number, Optional<BsonValue> after,
                                             Compression compression) {
        ArchiveLines.Units units = ArchiveLines.split(data, compression);
        if (units.completeLength() != data.length || units.units().isEmpty()) {
            return Optional.empty();
        }
        BsonValue previous = after.orElse(null);
        long count = 0;
        for (ArchiveLines.Unit unit : units.units()) {
            for (byte[] line : unit.lines()) {
                BsonValue id;
                try {
                    id = DECODER.decodeLine(line, 0, line.length).get("_id");
                } catch (RuntimeException e) {
                    throw new StoreConflictException(file + " line " + (count + 1) + " is not a document: "
                            + e.getMessage(), data.length, null);
                }
                if (id == null || (previous != null && !IdOrder.ascending(previous, id))) {
                    throw new StoreConflictException(file + " line " + (count + 1) + " does not continue the "
                            + "snapshot's _id order after " + previous, data.length, null);
                }
                previous = id;
                count++;
            }
        }
        return Optional.of(new SnapshotPart(number, count, data.length, SegmentEncoder.sha256Hex(data, 0,
                data.length), previous));
    }

    static byte[] readAll(ArchiveStore store, ArchiveFile file) {
        if (store.length(file) == 0) {
            return new byte[0];
        }
        try (InputStream in = store.read(file, 0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }

    private static byte[] stored(Utf8Sink plain, Compression compression) {
        if (compression == Compression.NONE) {
            return plain.toByteArray();
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(Math.max(1024, plain.size() / 4));
        try (GZIPOutputStream gz = new GZIPOutputStream(out, 32 * 1024)) {
            plain.writeTo(gz);
        } catch (IOException e) {
            throw new UncheckedIOException("gzip of an in-memory buffer failed", e);
        }
        return out.toByteArray();
    }

    static String describe(BsonTimestamp t) {
        return t.getTime() + ":" + t.getInc() + " (" + java.time.Instant.ofEpochSecond(t.getTime()) + ")";
    }
}
