package io.changestream.archiver.replay;

import com.mongodb.MongoException;
import com.mongodb.client.model.ReplaceOneModel;
import com.mongodb.client.model.UpdateOneModel;
import com.mongodb.client.model.WriteModel;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.replay.ReplayTarget.BulkOutcome;
import io.changestream.archiver.replay.ReplayTarget.WriteFailure;
import io.changestream.archiver.replay.ReplaySummary.Failure;
import io.changestream.archiver.replay.verify.ArchiveLedger;
import io.changestream.archiver.replay.verify.Finding;
import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import io.changestream.archiver.snapshot.SnapshotManifest;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * Replays archived change events into a target: for each collection, its hourly files in the window
 * ({@link CollectionHistory}) are read and each event planned ({@link WritePlanner}) on a read-ahead thread
 * ({@link ReadAhead}), and the plans are written in bulk on the calling thread.
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li><b>Per-document order.</b> A collection's events are planned in archive order and their writes are sent in
 *       that order in ordered bulk writes of at most {@code batchSize} writes; a batch is sent before the next one
 *       is started, and before any DDL event is acted on. So every document sees its changes in the order the
 *       source made them. Collections are independent and replayed one after the other.</li>
 *   <li><b>Idempotence.</b> Every write is a replace with upsert, an exact diff, or a delete (see
 *       {@link WritePlanner}); replaying a window twice, or overlapping windows, leaves the target as one replay
 *       does.</li>
 *   <li><b>Accounting.</b> Every event of the window is applied, skipped with a reason, or failed, and counted once
 *       in the {@link ReplaySummary}; after a stop at a DDL event the rest of that collection is not reached.</li>
 * </ul>
 *
 * <p><b>Trust.</b> The archive is held against the tracker's flush log when a tracker is given ({@link Verification}):
 * before anything is written, the listing and lengths of the window's files ({@link ArchiveLedger#check}); while the
 * files stream by, each logged range's SHA-256, line count and first and last event, and whether lines after the
 * flush log are a tail the service would adopt. Differences found before writing refuse the whole replay (nothing is
 * written); those found while streaming fail it at the end, naming file and offset. Either way
 * {@code --allow-unverified} lets it go on, saying so. With or without a tracker, an event whose {@code clusterTime}
 * goes backwards within its collection, or that repeats one, is refused (a failure naming file and offset): a copied
 * range must never put older state over newer.
 *
 * <p>A write the server rejects with {@code PathNotViable} (code 28: a dotted path runs through a value that is not
 * a document) is skipped, not failed: it happens only when the target already holds a newer state of the document
 * than the event's pre-image (a re-run), and the later event that changed the path's type is replayed after it.
 */
public final class Replayer {
    static final int PATH_NOT_VIABLE = 28;
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    private final ArchiveCatalog catalog;
    private final ReplayTarget target;
    private final Clock clock;
    private final PrintWriter terminal;
    private java.util.function.Consumer<String> plan = line -> { };
    private volatile ReplaySummary current;
    private final Verification verification;

    /** A replay without a tracker: the archive is not verified against a flush log (the summary says so). */
    public Replayer(ArchiveCatalog catalog, ReplayTarget target, Clock clock, PrintWriter terminal) {
        this(catalog, target, clock, terminal, Verification.none("no tracker was given"));
    }

    /** @param terminal the console for in-place progress, or null to log progress instead */
    public Replayer(ArchiveCatalog catalog, ReplayTarget target, Clock clock, PrintWriter terminal,
                    Verification verification) {
        this.catalog = catalog;
        this.target = target;
        this.clock = clock;
        this.terminal = terminal;
        this.verification = verification;
    }

    public ReplaySummary replay(ReplayOptions options) {
        Instant started = clock.instant();
        ReplaySummary summary = new ReplaySummary(options.window(), target.describe(), !target.writes());
        current = summary;
        summary.verification(verification);
        Map<String, List<StoredFile>> files = new LinkedHashMap<>();
        Map<String, Optional<SnapshotManifest>> snapshots = new LinkedHashMap<>();
        Map<StoredFile, Long> lengths = new LinkedHashMap<>();
        long totalBytes = 0;
        int totalFiles = 0;
        for (String collection : options.collections()) {
            Optional<SnapshotManifest> snapshot = snapshotFor(collection, options);
            snapshots.put(collection, snapshot);
            ReplayWindow window = windowOf(options, snapshot);
            List<StoredFile> chosen = catalog.files(collection).stream()
                    .filter(f -> window.overlaps(f.slot())).toList();
            files.put(collection, chosen);
            totalFiles += chosen.size();
            for (StoredFile f : chosen) {
                long length = catalog.store().length(f.file());
                lengths.put(f, length);
                totalBytes += length;
            }
        }
        Map<String, ArchiveLedger> ledgers = new LinkedHashMap<>();
        for (String collection : options.collections()) {
            summary.collection(collection, options.targetOf(collection));
            summary.files(collection, files.get(collection).size());
            verification.tracker().ifPresent(tracker -> {
                ArchiveLedger ledger = ArchiveLedger.read(tracker, catalog, collection);
                ledgers.put(collection, ledger);
                for (Finding f : ledger.check(files.get(collection), windowOf(options, snapshots.get(collection)),
                        lengths::get)) {
                    summary.mismatch(collection, f);
                }
            });
        }
        if (summary.mismatchCount() > 0 && !verification.allowDifferences()) {
            summary.refuse();
            summary.elapsed(Duration.between(started, clock.instant()));
            return summary;
        }
        long windowBytes = 0;
        for (Map.Entry<StoredFile, Long> f : lengths.entrySet()) {
            windowBytes += windowShare(f.getKey(), f.getValue(), options.window());
        }
        plan.accept((target.writes() ? "replay into " + target.describe() : "replay (dry run, nothing written)")
                + ", window " + options.window() + ": " + options.collections().size() + " collections, " + totalFiles
                + " files, " + Table.bytes(totalBytes) + (windowBytes < totalBytes
                        ? " (about " + Table.bytes(windowBytes) + " up to --until)" : ""));
        ReplayProgress progress = ReplayProgress.of(clock, terminal != null, windowBytes, totalFiles);
        Totals done = new Totals();
        for (String collection : options.collections()) {
            new CollectionRun(collection, options, summary, progress, done, ledgers.get(collection),
                    snapshots.get(collection))
                    .run(files.get(collection));
        }
        progress.finish();
        summary.elapsed(Duration.between(started, clock.instant()));
        return summary;
    }

    /**
     * The bytes of {@code file} a replay up to the window's {@code --until} reads, estimated for the ETA: the whole
     * file when its hour ends before {@code until}, else the share of its hour up to {@code until} (events spread
     * over the hour). Bytes before {@code --from} are read (and skipped) all the same, so they count.
     */
    static long windowShare(StoredFile file, long length, ReplayWindow window) {
        if (window.until().isEmpty()) {
            return length;
        }
        long start = file.slot().start().getEpochSecond();
        long until = ReplayWindow.seconds(window.until().get());
        double share = Math.min(1.0, Math.max(0.0, (until + 1 - start) / 3600.0));
        return (long) Math.ceil(length * share);
    }

    /** {@code <seconds>:<increment> (file:line)} of an event, as the interrupt message names it. */
    static String position(ArchivedEvent e) {
        BsonTimestamp t = e.event().clusterTime();
        return (t.getTime() & 0xFFFF_FFFFL) + ":" + (t.getInc() & 0xFFFF_FFFFL) + " (" + e.location() + ")";
    }

    /**
     * Has the plan (target, window, collections, files, bytes) handed to {@code listener} once the files are chosen,
     * before anything is read: the command prints it first, so an operator sees what runs before it runs.
     */
    public Replayer onPlan(java.util.function.Consumer<String> listener) {
        this.plan = listener;
        return this;
    }

    /** The summary of the replay in progress (or last run), for an interrupt to read where each collection is. */
    public Optional<ReplaySummary> current() {
        return Optional.ofNullable(current);
    }

    /**
     * The snapshot a collection's restore starts from: {@code --snapshot <id>}, or with {@code auto} the newest
     * complete one ending at or before {@code --until} (none when {@code --from} asks for events from a time).
     */
    private Optional<SnapshotManifest> snapshotFor(String collection, ReplayOptions options) {
        Optional<SnapshotPolicy> policy = options.snapshot().filter(SnapshotPolicy::use);
        if (policy.isEmpty()) {
            return Optional.empty();
        }
        SnapshotCatalog snapshots = catalog.snapshots();
        if (policy.get().id().isPresent()) {
            String id = policy.get().id().get();
            return snapshots.complete(collection).stream().filter(m -> m.id().equals(id)).findFirst();
        }
        if (options.window().from().isPresent()) {
            return Optional.empty();
        }
        return snapshots.newestServing(collection, options.window().until());
    }

    /** With a snapshot, events from its start T0 up to {@code --until}. */
    private static ReplayWindow windowOf(ReplayOptions options, Optional<SnapshotManifest> snapshot) {
        return snapshot.map(m -> new ReplayWindow(Optional.of(m.start()), options.window().until()))
                .orElse(options.window());
    }

    /** What the collections replayed so far add up to, for progress across collections. */
    private static final class Totals {
        long events;
        long bytes;
        int files;
    }

    /** The replay of one collection: its history, the batch being filled, and the counts. */
    private final class CollectionRun {
        private final String collection;
        private final String targetName;
        private final ReplayOptions options;
        private final ReplaySummary summary;
        private final ReplayProgress progress;
        private final Totals done;
        private final ArchiveLedger ledger;
        private final List<WriteModel<RawBsonDocument>> models = new ArrayList<>();
        private final List<Integer> owners = new ArrayList<>();
        private final List<ArchivedEvent> events = new ArrayList<>();
        private final List<WritePlan.Writes> plans = new ArrayList<>();
        private final Optional<SnapshotManifest> snapshot;
        private final ReplayWindow window;
        private long seen;

        CollectionRun(String collection, ReplayOptions options, ReplaySummary summary, ReplayProgress progress,
                      Totals done, ArchiveLedger ledger, Optional<SnapshotManifest> snapshot) {
            this.ledger = ledger;
            this.snapshot = snapshot;
            this.window = windowOf(options, snapshot);
            this.collection = collection;
            this.targetName = options.targetOf(collection);
            this.options = options;
            this.summary = summary;
            this.progress = progress;
            this.done = done;
        }

        void run(List<StoredFile> files) {
            long bytes = 0;
            int filesDone = 0;
            if (!options.ids().isEmpty() && snapshot.isEmpty()) {
                summary.notice(collection, "-", "--ids: no complete snapshot serves this time, so the listed "
                        + "documents are left as the target has them (events alone cannot rebuild a document that "
                        + "existed before the archive's first event)");
                return;
            }
            snapshot.ifPresent(this::loadSnapshot);
            try (ReadAhead reading = new ReadAhead(collection, catalog.store(), files, window,
                    options.batchSize(), ledger)) {
                for (ReadAhead.Item item; (item = reading.next()) != null; ) {
                    if (item instanceof ReadAhead.Planned planned) {
                        seen++;
                        bytes = planned.bytesRead();
                        filesDone = planned.filesDone();
                        if (!apply(planned.event(), planned.plan())) {
                            break;
                        }
                        progress.update(done.events + seen, done.bytes + bytes, done.files + filesDone);
                    } else if (item instanceof ReadAhead.Unreadable u) {
                        summary.failed(collection, null, new Failure(collection, u.file().path() + ":" + u.line(),
                                "unreadable", "-", u.reason()));
                    } else if (item instanceof ReadAhead.TornTail t) {
                        tornTail(t);
                    } else if (item instanceof ReadAhead.OutOfOrder o) {
                        seen++;
                        summary.failed(collection, Operation.of(o.event().event().operationType()), new Failure(
                                collection, o.event().position(), o.event().event().operationType(),
                                idOf(o.event().event()), o.reason()));
                    } else if (item instanceof ReadAhead.Mismatch m) {
                        summary.mismatch(collection, m.finding());
                    } else if (item instanceof ReadAhead.NotAdopted n) {
                        summary.mismatch(collection, new Finding(Finding.Severity.PROBLEM, Finding.Kind.UNLOGGED_BYTES,
                                n.event().file().path(), n.event().offset(), "line " + n.event().line() + " is after "
                                + "the flush log and the checkpoint but is not a continuation the service would adopt: "
                                + n.reason() + "; not applied"));
                        summary.skipped(collection, Operation.of(n.event().event().operationType()), "not in the "
                                + "flush log and not a continuation of the archive (see the differences)");
                    } else if (item instanceof ReadAhead.PendingTail p) {
                        summary.notice(collection, p.file().path() + " @" + p.offset(), p.events() + " events after "
                                + "the checkpoint are not in the flush log yet (a flush in progress, or a crash the "
                                + "service adopts on its next start); they continue the archive and were replayed");
                    } else if (item instanceof ReadAhead.Finished f) {
                        bytes = f.bytesRead();
                        filesDone = f.filesDone();
                    }
                }
                send();
            }
            done.events += seen;
            done.bytes += bytes;
            done.files += filesDone;
            if (options.snapshot().isPresent() && snapshot.isEmpty()) {
                summary.notice(collection, "-", "no snapshot used (" + (options.snapshot().get().use()
                        ? "none complete ends at or before --until" + (options.window().from().isPresent()
                        ? ", or --from was given" : "") : "--snapshot none") + "): documents that existed before the "
                        + "archive's first event and were not changed since are not restored; "
                        + summary.collections().get(collection).missedUpdates() + " updates found no document to "
                        + "apply to");
            }
        }

        /** Loads the snapshot before the events from its start; see {@link SnapshotRestore}. */
        private void loadSnapshot(SnapshotManifest m) {
            if (!options.ids().isEmpty()) {
                // --ids: the listed documents are rebuilt from the snapshot and the events, whatever state the
                // target holds them in now; the others are not touched.
                target.write(targetName, List.of(new com.mongodb.client.model.DeleteManyModel<>(
                        com.mongodb.client.model.Filters.in("_id", options.ids()))));
            }
            SnapshotRestore.Loaded loaded = SnapshotRestore.load(m, catalog.snapshots(), catalog.store(), target,
                    targetName, options.batchSize(), options.ids());
            summary.notice(collection, catalog.snapshots().layout().folder(collection, m.id()), "restored snapshot "
                    + m.id() + " (" + m.documents() + " documents read between " + ReplayWindow.describe(m.start())
                    + " and " + ReplayWindow.describe(m.end()) + "; " + loaded.inserted() + " inserted, "
                    + loaded.duplicates() + " present already), then events from " + ReplayWindow.describe(m.start())
                    + " to " + options.window().until().map(ReplayWindow::describe).orElse("the end of the archive"));
            for (String problem : loaded.problems()) {
                summary.failed(collection, null, new Failure(collection, m.id(), "snapshot", "-", problem));
            }
        }

        private void tornTail(ReadAhead.TornTail t) {
            String what = "a torn tail of " + t.bytes() + " bytes (an incomplete last " + (t.file().compression()
                    == io.changestream.archiver.config.ArchiverConfig.Compression.GZIP ? "gzip member" : "line");
            String where = t.file().path() + " @" + t.offset();
            switch (t.tail()) {
                case PENDING -> summary.notice(collection, where, "ignored " + what + " after the checkpoint: an "
                        + "append cut short by a crash; the service removes it on its next start)");
                case DAMAGED -> summary.mismatch(collection, new Finding(Finding.Severity.PROBLEM,
                        Finding.Kind.TORN_TAIL, t.file().path(), t.offset(), what + " inside the flush log's ranges "
                        + "or before the checkpoint: the file was cut after it was archived)"));
                case UNVERIFIED -> summary.notice(collection, where, "ignored " + what + "; not verified against "
                        + "the flush log: an append cut short by a crash, or a file cut after it was archived)");
            }
        }

        /** Queues one planned event; false when the collection's replay stops here. */
        private boolean apply(ArchivedEvent event, WritePlan plan) {
            if (plan instanceof WritePlan.Writes writes && !options.ids().isEmpty()
                    && !options.ids().contains(writes.documentId())) {
                return true; // --ids: another document's event, left as the target has it
            }
            if (plan instanceof WritePlan.Writes writes) {
                for (WriteModel<RawBsonDocument> model : writes.models()) {
                    models.add(model);
                    owners.add(events.size());
                }
                events.add(event);
                plans.add(writes);
                if (models.size() >= options.batchSize()) {
                    send();
                }
            } else if (plan instanceof WritePlan.Skip skip) {
                summary.skipped(collection, skip.operation(), skip.reason());
            } else if (plan instanceof WritePlan.Reject reject) {
                summary.failed(collection, reject.operation(), failure(event, reject.operation(),
                        idOf(event.event()), reject.reason()));
            } else if (plan instanceof WritePlan.Ddl ddl) {
                send();
                return ddl(event, ddl);
            }
            return true;
        }

        private boolean ddl(ArchivedEvent event, WritePlan.Ddl ddl) {
            String what = ddl.operation().type() + " at " + ReplayWindow.describe(event.event().clusterTime())
                    + ddl.renamedTo().map(to -> " (to " + to + ")").orElse("");
            switch (options.onDdl()) {
                case STOP -> {
                    summary.stopped(collection, what + " in " + event.location());
                    summary.notice(collection, event.location(), "stopped at " + what + "; nothing after it was "
                            + "applied. Replay up to just before it with --until, or pass --on-ddl=apply or skip");
                    return false;
                }
                case SKIP -> {
                    summary.skipped(collection, ddl.operation(), "DDL event skipped (--on-ddl=skip)");
                    summary.notice(collection, event.location(), "skipped " + what);
                }
                case APPLY -> {
                    try {
                        String result = applyDdl(ddl);
                        summary.applied(collection, ddl.operation());
                        summary.notice(collection, event.location(), "applied " + what + ": " + result);
                    } catch (MongoException | IllegalStateException e) {
                        summary.failed(collection, ddl.operation(), failure(event, ddl.operation(), "-",
                                e.getMessage()));
                    }
                }
            }
            return true;
        }

        private String applyDdl(WritePlan.Ddl ddl) {
            return switch (ddl.operation()) {
                case DROP, DROP_DATABASE -> {
                    target.drop(targetName);
                    yield "dropped target collection " + targetName;
                }
                case RENAME -> {
                    String source = ddl.renamedTo().orElseThrow(
                            () -> new IllegalStateException("rename event without its new name ('to.coll')"));
                    String to = options.targetOf(source);
                    target.rename(targetName, to);
                    yield "renamed target collection " + targetName + " to " + to;
                }
                default -> "nothing to apply";
            };
        }

        /** Sends the queued writes as one ordered bulk write and counts the outcome per event. */
        private void send() {
            if (models.isEmpty()) {
                return;
            }
            BulkOutcome outcome = target.write(targetName, models);
            Map<Integer, WriteFailure> failedEvents = new LinkedHashMap<>();
            long[] attempted = new long[3]; // replaces, updates, deletes that did not fail
            for (WriteFailure f : outcome.failures()) {
                failedEvents.putIfAbsent(owners.get(f.index()), f);
            }
            for (int i = 0; i < models.size(); i++) {
                if (failedEvents.containsKey(owners.get(i))) {
                    continue;
                }
                WriteModel<RawBsonDocument> m = models.get(i);
                attempted[m instanceof ReplaceOneModel ? 0 : m instanceof UpdateOneModel ? 1 : 2]++;
            }
            for (int e = 0; e < events.size(); e++) {
                Operation op = plans.get(e).operation();
                WriteFailure f = failedEvents.get(e);
                if (f == null) {
                    summary.applied(collection, op);
                } else if (f.code() == PATH_NOT_VIABLE && snapshot.isPresent()
                        && SnapshotRestore.inWindow(snapshot.get(), events.get(e).event().clusterTime())) {
                    summary.skipped(collection, op, "path conflicts with the snapshot's newer state of the document "
                            + "(inside the snapshot window, where the later change is applied too)");
                } else if (f.code() == PATH_NOT_VIABLE) {
                    summary.skipped(collection, op, "path conflicts with a newer state of the document (a re-run "
                            + "over a newer target)");
                } else {
                    summary.failed(collection, op, failure(events.get(e), op, idText(plans.get(e).documentId()),
                            "error " + f.code() + ": " + f.message()));
                }
            }
            ArchivedEvent last = events.get(events.size() - 1);
            summary.appliedUpTo(collection, position(last));
            if (outcome.counted()) {
                long replaceMatched = attempted[0] - outcome.upserted();
                long missedUpdates = Math.max(0, attempted[1] - (outcome.matched() - replaceMatched));
                summary.missed(collection, missedUpdates, Math.max(0, attempted[2] - outcome.deleted()));
            }
            models.clear();
            owners.clear();
            events.clear();
            plans.clear();
        }

        private Failure failure(ArchivedEvent event, Operation op, String id, String reason) {
            String type = op == Operation.OTHER ? event.event().operationType() : op.type();
            return new Failure(collection, event.location(), type, id, reason);
        }
    }

    private static String idOf(ChangeEvent event) {
        BsonValue key = event.raw().get("documentKey");
        return key != null && key.isDocument() && key.asDocument().containsKey("_id")
                ? idText(key.asDocument().get("_id")) : "-";
    }

    /** An {@code _id} as relaxed Extended JSON, as an operator would type it in a query. */
    static String idText(BsonValue id) {
        String json = new BsonDocument("v", id).toJson(RELAXED);
        return json.substring(json.indexOf(':') + 1, json.length() - 1).trim();
    }
}
