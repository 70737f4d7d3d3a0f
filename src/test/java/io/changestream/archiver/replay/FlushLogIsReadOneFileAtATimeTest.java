package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.replay.verify.ArchiveLedger;
import io.changestream.archiver.replay.verify.CollectionVerdict;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.replay.verify.Finding.Kind;
import io.changestream.archiver.replay.prune.PrunePlan;
import io.changestream.archiver.replay.prune.Pruner;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.Events;
import io.changestream.archiver.testing.HandMadeSnapshots;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import io.changestream.archiver.testing.WriterHarness;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The readers of the flush log hold one hour file's entries at a time, never the whole log, which grows with the
 * archive (years of hourly entries): over an archive of four hour files with two logged ranges each, {@link Verifier}
 * never asks the tracker for the collection's whole flush log, and no answer it gets holds more than one file's
 * ranges, while its totals and findings cover every file. The same holds for replay's {@link ArchiveLedger} and for
 * {@link Pruner}'s plan, stopped-prune leftovers included.
 */
class FlushLogIsReadOneFileAtATimeTest {
    private static final String C = WriterHarness.COLLECTION;
    private static final Instant START = Instant.parse("2026-03-01T10:05:00Z");

    @TempDir
    Path dir;

    private LocalArchiveStore store;
    private WriterHarness h;
    private int largestAnswer;

    @BeforeEach
    void archiveFourHoursInEightFlushes() {
        store = new LocalArchiveStore(dir);
        h = new WriterHarness(store, Compression.NONE, Events.inserts(8, START, 1800), START.plusSeconds(4 * 3600));
        h.restart(3);
        for (int i = 0; i < 8; i++) {
            h.deliver(1);
            h.writer.flush(h.buffer, FlushTrigger.MANUAL);
        }
        assertThat(new ArchiveCatalog(store, "").files(C)).hasSize(4);
        assertThat(h.tracker.flushLog(C)).hasSize(8);
    }

    @Test
    void verifyReadsTheFlushLogOneHourFileAtATimeAndCountsEveryRange() {
        CollectionVerdict verdict = new Verifier(new ArchiveCatalog(store, ""), streamingOnly()).verify(C);

        assertThat(verdict.consistent()).as("%s", verdict.findings()).isTrue();
        assertThat(verdict.files()).isEqualTo(4);
        assertThat(verdict.ranges()).isEqualTo(8);
        assertThat(verdict.events()).isEqualTo(8);
        assertThat(verdict.bytes()).isEqualTo(h.tracker.flushLog(C).stream().mapToLong(FlushRecord::length).sum());
        assertThat(largestAnswer).as("flush records handed out at once").isEqualTo(2);
    }

    @Test
    void aMissingHourFileIsStillFoundWhenTheLogIsReadFileByFile() throws Exception {
        ArchiveCatalog catalog = new ArchiveCatalog(store, "");
        StoredFile second = catalog.files(C).get(1);
        Files.delete(dir.resolve(second.path()));

        CollectionVerdict verdict = new Verifier(catalog, streamingOnly()).verify(C);

        assertThat(verdict.findings()).filteredOn(f -> f.kind() == Kind.MISSING_FILE).singleElement()
                .satisfies(f -> assertThat(f.file()).isEqualTo(second.path()))
                .satisfies(f -> assertThat(f.message()).contains("2 ranges with 2 events"));
        assertThat(verdict.ranges()).isEqualTo(8);
        assertThat(largestAnswer).as("flush records handed out at once").isEqualTo(2);
    }

    @Test
    void replaysLedgerReadsOneHourFilesRangesAtATimeAndStillFindsAMissingFile() throws Exception {
        ArchiveCatalog catalog = new ArchiveCatalog(store, "");
        List<StoredFile> files = catalog.files(C);
        ArchiveLedger intact = ArchiveLedger.read(streamingOnly(), catalog, C);

        assertThat(intact.check(files, ReplayWindow.ALL, f -> store.length(f.file()))).isEmpty();
        assertThat(files).allSatisfy(f -> assertThat(intact.ranges(f).ranges()).hasSize(2));
        Files.delete(dir.resolve(files.get(1).path()));
        List<StoredFile> left = catalog.files(C);
        ArchiveLedger ledger = ArchiveLedger.read(streamingOnly(), catalog, C);

        assertThat(ledger.check(left, ReplayWindow.ALL, f -> store.length(f.file())))
                .extracting(Finding::kind, Finding::file).containsExactly(tuple(Kind.MISSING_FILE, files.get(1).path()));
        assertThat(largestAnswer).as("flush records handed out at once").isEqualTo(2);
    }

    @Test
    void pruneFindsTheFilesAndTheStoppedPrunesLeftoverOneHourFilesEntriesAtATime() {
        ArchiveCatalog catalog = new ArchiveCatalog(store, "");
        List<StoredFile> hours = catalog.files(C);
        HandMadeSnapshots snapshots = new HandMadeSnapshots(store, catalog.snapshots());
        SnapshotManifest old = snapshots.complete(C, at(3600 + 300), at(3600 + 400));
        SnapshotManifest kept = snapshots.complete(C, at(3 * 3600 + 300), at(3 * 3600 + 400));
        store.delete(hours.get(0).file()); // a prune to old's end stopped before the file's flush-log entries

        PrunePlan plan = new Pruner(catalog, streamingOnly(), new InMemorySnapshotProgressStore())
                .plan(C, kept.end());

        assertThat(plan.refused()).as(plan.toText()).isFalse();
        assertThat(plan.snapshots()).extracting(PrunePlan.SnapshotRemoval::id).containsExactly(old.id());
        assertThat(plan.hourFiles()).extracting(f -> f.file().path())
                .containsExactly(hours.get(1).path(), hours.get(2).path());
        assertThat(plan.flushLog()).extracting(PrunePlan.LogRemoval::file, PrunePlan.LogRemoval::entries,
                        PrunePlan.LogRemoval::events)
                .containsExactly(tuple(hours.get(1).path(), 2, 2L), tuple(hours.get(2).path(), 2, 2L),
                        tuple(hours.get(0).path(), 2, 2L));
        assertThat(plan.flushLog().get(2).reason()).contains("stopped before its flush-log entries");
        assertThat(largestAnswer).as("flush records handed out at once").isEqualTo(2);
    }

    private static BsonTimestamp at(int secondsAfterTheFirstHour) {
        return new BsonTimestamp((int) START.truncatedTo(ChronoUnit.HOURS).plusSeconds(secondsAfterTheFirstHour)
                .getEpochSecond(), 1);
    }

    /** The harness's tracker, refusing the whole-log read and noting the largest per-file answer. */
    private CheckpointStore streamingOnly() {
        return (CheckpointStore) Proxy.newProxyInstance(getClass().getClassLoader(),
                new Class<?>[] {CheckpointStore.class}, (proxy, method, args) -> {
                    if (method.getName().equals("flushLog") && method.getParameterCount() == 1) {
                        throw new AssertionError("the whole flush log was read: " + args[0]);
                    }
                    Object answer;
                    try {
                        answer = method.invoke(h.tracker, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                    if (method.getName().equals("flushLog")) {
                        largestAnswer = Math.max(largestAnswer, ((List<?>) answer).size());
                    }
                    return answer;
                });
    }
}
