package io.changestream.archiver.replay;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.ZipException;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;

/**
 * Restores a collection from a snapshot plus events: loads the snapshot's documents into the target with unordered
 * bulk inserts, after which {@link Replayer} applies every archived event with {@code clusterTime} from the
 * snapshot's start T0 up to the restore time U. This class owns why that is exact.
 *
 * <h2>Claim</h2>
 * For every U at or after the snapshot's end E, the collection restored this way equals the source collection at U.
 *
 * <h2>What is known</h2>
 * <ol>
 *   <li>Every document d in the snapshot was read at one moment r(d) with T0 &lt;= r(d) &lt;= E: each read observes
 *       at least T0 (afterClusterTime in a causally consistent session, majority read concern), and E is an
 *       operation time taken after the last read. An {@code _id} never changes, so each one is read at most once;
 *       a document absent from the snapshot did not exist when the read passed its {@code _id}: r(d) is defined
 *       for it too.</li>
 *   <li>The archive holds every event with {@code clusterTime} &gt;= T0, in order (capture began at or before T0).</li>
 *   <li>Each event writes one document, by {@code _id} ({@link WritePlanner}): insert and replace set the whole
 *       document (upsert); delete removes it; an update's diff sets or unsets paths to absolute values, without
 *       upsert. Writes to different documents commute, so it is enough to follow one document d.</li>
 * </ol>
 *
 * <h2>Proof, for one document d</h2>
 * Let e1…ek be the events of d with T0 &lt;= clusterTime &lt;= U, in order, and e1…ej those at or before r(d) (the
 * ones the snapshot already reflects). Write s(t) for d's state in the source at time t.
 * <ul>
 *   <li><b>After a whole-document write, the state is exact.</b> If some ei is an insert, replace or delete, its
 *       result does not depend on what was there: after it the target holds s(ei). From there on each event is
 *       applied to its exact pre-image and yields its exact post-image, up to ek: s(U).</li>
 *   <li><b>Otherwise only updates touch d in [T0, U].</b> Then d existed throughout (an update needs the document,
 *       and nothing inserted or deleted it), so the snapshot holds s(r(d)). The updates e1…ej that s(r(d)) already
 *       reflects are applied again over it. Each sets paths to absolute values, so after e1…ej every path holds the
 *       value its last writer among them gave it, which is its value in s(r(d)); paths none of them touched keep
 *       s(r(d))'s value, which no event changed either. Hence the target is s(r(d)) again, and ej+1…ek are
 *       applied to exact pre-images: s(U). An array truncation is a write of the array's length, and follows the
 *       same rule.</li>
 *   <li><b>Path conflicts.</b> Re-applying an old update over a newer state can name a path through a value whose
 *       type changed later ({@code $set a.b} where a later event made {@code a} a string): the server refuses it
 *       ({@code PathNotViable}) and it is skipped. That is safe exactly there: the later event that changed
 *       {@code a} is among e1…ej too and rewrites {@code a} whole, so the skipped write's path is overwritten
 *       anyway. It can only happen for events at or before r(d) &lt;= E, i.e. inside the window [T0, E]; an event
 *       after E is always applied to its exact pre-image, so a conflict there means the target was not what the
 *       archive says, and stays a failure. An update that finds no document inside the window is likewise a
 *       document deleted before it was read (its delete follows); outside it, it is counted as missed.</li>
 *   <li><b>Why U must be at or after E.</b> For U &lt; r(d) the snapshot already holds changes made after U, which
 *       no event in the archive undoes: such a snapshot cannot serve U, and {@code replay} picks an older one.</li>
 * </ul>
 * An update planned from {@code fullDocument} (no {@code updateDescription}, the test server's shape, or
 * {@code updateLookup}) is a whole-document write of a state at or after the event, and the argument of the first
 * case applies to it from the last such write on.
 *
 * <h2>Loading</h2>
 * Parts are read in manifest order; each part's stored bytes are hashed while read and compared with the
 * manifest's SHA-256, and its lines counted against the manifest's documents, so a damaged snapshot is reported
 * rather than silently half-restored. A line that does not decode is reported with its part, line and byte and
 * passed over, and a damaged gzip member ends its part with a report, as replay does for events: the load goes on
 * and the replay fails (exit 1) naming every place. Documents go to the target in unordered inserts of {@code batchSize} (or
 * {@link #BATCH_BYTES} of BSON, whichever comes first), one batch in flight on a thread of their own while the next
 * one is read and decoded ({@link Inserts}); a document present already (a re-run into the same target) is counted
 * as a duplicate and left as it is; the events that follow make it right in either case.
 */
public final class SnapshotRestore {
    private static final ExtendedJsonDecoder DECODER = new ExtendedJsonDecoder();
    /** A batch of the load ends at this much BSON even before it has {@code batchSize} documents: bounded memory. */
    static final long BATCH_BYTES = 16L << 20;

    private SnapshotRestore() {
    }

    /** What loading a snapshot did. */
    public record Loaded(long inserted, long duplicates, List<String> problems) {
    }

    /** True when an event at {@code clusterTime} lies in the snapshot's window [start, end]. */
    public static boolean inWindow(SnapshotManifest m, BsonTimestamp clusterTime) {
        return clusterTime.compareTo(m.start()) >= 0 && clusterTime.compareTo(m.end()) <= 0;
    }

    /** @param ids load only these documents ({@code replay --ids}); empty: all */
    public static Loaded load(SnapshotManifest m, SnapshotCatalog catalog, ArchiveStore store, ReplayTarget target,
                              String targetCollection, int batchSize, java.util.Set<org.bson.BsonValue> ids) {
        List<String> problems = new ArrayList<>();
        try (Inserts inserts = new Inserts(target, targetCollection, problems)) {
            List<RawBsonDocument> batch = new ArrayList<>(batchSize);
            long batchBytes = 0;
            for (SnapshotManifest.Part part : m.parts()) {
                ArchiveFile file = catalog.part(m, part);
                if (part.bytes() > 0 && store.length(file) == 0) {
                    problems.add(file + ": missing from the store (the manifest lists " + part.documents()
                            + " documents in " + part.bytes() + " bytes); not loaded");
                    continue;
                }
                MessageDigest sha = sha256();
                long lines = 0;
                try (InputStream raw = store.read(file, 0);
                     StoredLineReader reader = new StoredLineReader(new DigestInputStream(raw, sha), m.compression())) {
                    for (int length; (length = reader.nextLength()) >= 0; ) {
                        lines++;
                        RawBsonDocument doc;
                        try {
                            doc = DECODER.decodeLine(reader.lineBuffer(), 0, length);
                        } catch (RuntimeException e) { // decoding is pure: the line's fault (see LineDecoder)
                            problems.add(file + ":" + lines + ": unreadable document " + (m.compression()
                                    == Compression.GZIP ? "in the gzip member at byte " : "at byte ")
                                    + reader.lineStart() + ": " + LineDecoder.reason(e));
                            continue;
                        }
                        if (!ids.isEmpty() && !ids.contains(doc.get("_id"))) {
                            continue;
                        }
                        batch.add(doc);
                        batchBytes += doc.getByteBuffer().remaining();
                        if (batch.size() >= batchSize || batchBytes >= BATCH_BYTES) {
                            inserts.submit(batch, file + ": ");
                            batch = new ArrayList<>(batchSize);
                            batchBytes = 0;
                        }
                    }
                    if (reader.tornTailBytes() > 0) {
                        problems.add(file + ": " + reader.tornTailBytes() + " bytes after the last complete line");
                    }
                } catch (ZipException e) {
                    problems.add(file + ":" + (lines + 1) + ": " + e.getMessage() + "; the rest of the part is not "
                            + "loaded");
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read snapshot part " + file, e);
                }
                String digest = HexFormat.of().formatHex(sha.digest());
                if (!digest.equals(part.sha256())) {
                    problems.add(file + ": SHA-256 " + digest + " differs from the manifest's " + part.sha256());
                }
                if (lines != part.documents()) {
                    problems.add(file + ": " + lines + " documents, the manifest says " + part.documents());
                }
            }
            if (!batch.isEmpty()) {
                inserts.submit(batch, "");
            }
            inserts.awaitInFlight();
            return new Loaded(inserts.inserted, inserts.duplicates, problems);
        }
    }

    /**
     * The inserts of a load, one batch at a time on a thread of their own, while the caller reads and decodes the
     * next batch: the target's work and round trip overlap the decoding instead of alternating with it, as
     * {@link ReadAhead} does for events. Batches are inserted in order, with at most one in flight, so a load holds
     * two batches. The outcome of a batch is taken (and its failures added to the problems) on the caller's thread,
     * before the next batch goes; an exception of the target reaches the caller there.
     */
    private static final class Inserts implements AutoCloseable {
        private final ReplayTarget target;
        private final String collection;
        private final List<String> problems;
        private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "snapshot-load-inserts");
            t.setDaemon(true);
            return t;
        });
        private Future<ReplayTarget.InsertOutcome> inFlight;
        private String inFlightWhere;
        long inserted;
        long duplicates;

        Inserts(ReplayTarget target, String collection, List<String> problems) {
            this.target = target;
            this.collection = collection;
            this.problems = problems;
        }

        /** Inserts {@code batch} (no longer touched by the caller) after the batch in flight; {@code where} prefixes its failures. */
        void submit(List<RawBsonDocument> batch, String where) {
            awaitInFlight();
            inFlight = thread.submit(() -> target.insert(collection, batch));
            inFlightWhere = where;
        }

        void awaitInFlight() {
            if (inFlight == null) {
                return;
            }
            ReplayTarget.InsertOutcome o;
            try {
                o = inFlight.get();
            } catch (InterruptedException e) {
                inFlight.cancel(true);
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while loading a snapshot into " + collection, e);
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException r) {
                    throw r;
                }
                if (e.getCause() instanceof Error err) {
                    throw err;
                }
                throw new IllegalStateException(e.getCause());
            } finally {
                inFlight = null;
            }
            inserted += o.inserted();
            duplicates += o.duplicates();
            o.failures().forEach(f -> problems.add(inFlightWhere + "insert failed, error " + f.code() + ": "
                    + f.message()));
        }

        /**
         * Stops the thread. When the load failed with a batch in flight, that batch is let finish rather than
         * interrupted on the wire: the target then holds whole batches up to the failure, as it did when the load
         * inserted on its own thread. Its outcome is not reported; the load's failure is.
         */
        @Override
        public void close() {
            thread.shutdown();
            if (inFlight != null) {
                try {
                    inFlight.get();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    thread.shutdownNow();
                } catch (ExecutionException | java.util.concurrent.CancellationException e) {
                    // the load is failing already, and that is what its caller sees
                }
            }
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
    }
}
