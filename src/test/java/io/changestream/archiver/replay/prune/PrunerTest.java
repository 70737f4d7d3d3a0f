package io.changestream.archiver.replay.prune;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.SnapshotFormat;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.verify.CollectionVerdict;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.replay.verify.SnapshotVerifier;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.Events;
import io.changestream.archiver.testing.HandMadeSnapshots;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import io.changestream.archiver.testing.WriterHarness;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Pruner}'s rule and order on an archive written by the real writer over four hours (two events each) with
 * hand-made snapshots: what goes, what stays, and that verify passes after a prune and after one stopped half way.
 */
class PrunerTest {
    private static final SnapshotFormat PLAIN = new SnapshotFormat(Compression.NONE, JsonMode.CANONICAL);
    private static final String C = WriterHarness.COLLECTION;
    private static final Instant START = Instant.parse("2026-03-01T10:05:00Z");
    private static final Lease LEASE = new Lease(C, "me", 1, START, START);

    @TempDir
    Path dir;

    private LocalArchiveStore store;
    private WriterHarness h;
    private ArchiveCatalog catalog;
    private final InMemorySnapshotProgressStore progress = new InMemorySnapshotProgressStore();

    @BeforeEach
    void archiveFourHours() {
        store = new LocalArchiveStore(dir);
        h = new WriterHarness(store, Compression.NONE, Events.inserts(8, START, 1800), START.plusSeconds(4 * 3600));
        h.restart(3);
        for (int i = 0; i < 4; i++) {
            h.deliver(2);
            h.writer.flush(h.buffer, FlushTrigger.MANUAL);
        }
        catalog = new ArchiveCatalog(store, "");
        assertThat(catalog.files(C)).hasSize(4);
    }

    @Test
    void hourFilesBeforeTheOldestKeptSnapshotsStartGoWithTheirFlushLogEntriesAndOlderSnapshotsGoToo() {
        SnapshotManifest old = snapshot(60, 120);
        SnapshotManifest kept = snapshot(2 * 3600 + 60, 2 * 3600 + 120);

        PrunePlan plan = pruner().plan(C, kept.end());

        assertThat(plan.refused()).as(plan.toText()).isFalse();
        assertThat(plan.snapshots()).extracting(PrunePlan.SnapshotRemoval::id).containsExactly(old.id());
        assertThat(plan.snapshots().get(0).files().get(0).fileName()).isEqualTo("manifest.json");
        List<String> hours = catalog.files(C).stream().map(f -> f.path()).toList();
        assertThat(plan.hourFiles()).extracting(f -> f.file().path()).containsExactly(hours.get(0), hours.get(1));
        assertThat(plan.flushLog()).extracting(PrunePlan.LogRemoval::file).containsExactly(hours.get(0),
                hours.get(1));
        assertThat(plan.toText()).contains("keep snapshot " + kept.id()).contains("the start of the oldest kept snapshot");

        pruner().apply(plan);

        assertThat(catalog.files(C)).extracting(f -> f.path()).containsExactly(hours.get(2), hours.get(3));
        assertThat(catalog.snapshots().list(C)).extracting(l -> l.id()).containsExactly(kept.id());
        assertThat(h.tracker.flushLog(C)).extracting(FlushRecord::file).doesNotContain(hours.get(0), hours.get(1))
                .contains(hours.get(2), hours.get(3));
        assertConsistent();
        assertThat(pruner().plan(C, kept.end()).removesNothing()).as("a second prune has nothing left to do")
                .isTrue();
    }

    @Test
    void aPruneStoppedAfterTheFilesBeforeTheirFlushLogEntriesLeavesVerifyPassingAndTheNextOneFinishes() {
        snapshot(60, 120);
        SnapshotManifest kept = snapshot(2 * 3600 + 60, 2 * 3600 + 120);
        PrunePlan plan = pruner().plan(C, kept.end());
        plan.snapshots().forEach(s -> s.files().forEach(store::delete));
        plan.hourFiles().forEach(f -> store.delete(f.file())); // the crash: the flush-log entries are still there

        CollectionVerdict verdict = new Verifier(catalog, h.tracker).verify(C);
        assertThat(verdict.consistent()).as("%s", verdict.findings()).isTrue();
        assertThat(verdict.findings()).extracting(Finding::kind).contains(Finding.Kind.PRUNED_FILE);

        PrunePlan rest = pruner().plan(C, kept.end());
        assertThat(rest.hourFiles()).isEmpty();
        assertThat(rest.flushLog()).extracting(PrunePlan.LogRemoval::file)
                .containsExactlyElementsOf(plan.flushLog().stream().map(PrunePlan.LogRemoval::file).toList());
        pruner().apply(rest);
        assertThat(new Verifier(catalog, h.tracker).verify(C).findings()).isEmpty();
    }

    @Test
    void aMissingFileAfterTheOldestSnapshotsStartIsStillAProblemNotAPrunedFile() {
        SnapshotManifest kept = snapshot(2 * 3600 + 60, 2 * 3600 + 120);
        store.delete(catalog.files(C).get(2).file()); // holds kept's start: lost, not pruned

        assertThat(new Verifier(catalog, h.tracker).verify(C).findings()).extracting(Finding::kind)
                .contains(Finding.Kind.MISSING_FILE).doesNotContain(Finding.Kind.PRUNED_FILE);
        PrunePlan plan = pruner().plan(C, kept.end());
        assertThat(plan.refused()).isTrue();
        assertThat(plan.removesNothing()).isTrue();
    }

    @Test
    void aSnapshotWhoseManifestAnInterruptedPruneRemovedIsRemovedNextTimeAndHoldsNoHistoryBack() {
        SnapshotManifest old = snapshot(60, 120);
        SnapshotManifest kept = snapshot(2 * 3600 + 60, 2 * 3600 + 120);
        progress.save(new SnapshotProgress(C, old.id(), old.start(),
                Optional.of(new SnapshotFormat(old.compression(), old.jsonMode())), Optional.of(old.end()),
                SnapshotProgress.State.COMPLETE, List.of(), START, START), LEASE);
        store.delete(catalog.snapshots().layout().manifest(C, old.id()));

        PrunePlan plan = pruner().plan(C, kept.end());

        assertThat(plan.snapshots()).extracting(PrunePlan.SnapshotRemoval::id).containsExactly(old.id());
        assertThat(plan.hourFiles()).hasSize(2);
    }

    @Test
    void anIncompleteSnapshotTheTrackerRecordsIsNeverRemovedAndTheHistoryFromItsStartIsKept() {
        snapshot(60, 120);
        SnapshotManifest kept = snapshot(2 * 3600 + 60, 2 * 3600 + 120);
        String running = new HandMadeSnapshots(store, catalog.snapshots()).incomplete(C, at(3600 + 10));
        progress.save(SnapshotProgress.started(C, running, at(3600 + 10), PLAIN, START), LEASE);

        PrunePlan plan = pruner().plan(C, kept.end());

        assertThat(plan.toText()).contains("keep snapshot " + running + ": incomplete (running");
        assertThat(plan.snapshots()).extracting(PrunePlan.SnapshotRemoval::id).doesNotContain(running);
        assertThat(plan.hourFiles()).as("hour 1 holds the running snapshot's start").hasSize(1);
    }

    @Test
    void anIncompleteFolderTheTrackerHasNoRecordOfIsKeptNamedInThePlanAndHoldsNoHistoryBack() {
        SnapshotManifest old = snapshot(60, 120);
        SnapshotManifest kept = snapshot(2 * 3600 + 60, 2 * 3600 + 120);
        String orphan = new HandMadeSnapshots(store, catalog.snapshots()).incomplete(C, at(3600 + 10));
        List<String> hours = catalog.files(C).stream().map(f -> f.path()).toList();

        PrunePlan plan = pruner().plan(C, kept.end());

        assertThat(plan.refused()).as(plan.toText()).isFalse();
        assertThat(plan.snapshots()).extracting(PrunePlan.SnapshotRemoval::id).containsExactly(old.id());
        assertThat(plan.hourFiles()).as("nothing will resume it, so its start (hour 1) holds nothing back")
                .extracting(f -> f.file().path()).containsExactly(hours.get(0), hours.get(1));
        assertThat(plan.toText()).contains("keep snapshot " + orphan + ": incomplete and the tracker has no record "
                        + "of it, so nothing will resume it and no restore uses it")
                .contains("not holding history back")
                .contains("remove the folder " + catalog.snapshots().layout().folder(C, orphan) + " by hand");

        pruner().apply(plan);

        assertThat(catalog.snapshots().list(C)).extracting(l -> l.id()).containsExactly(orphan, kept.id());
        assertConsistent();
        assertThat(pruner().plan(C, kept.end()).removesNothing()).as("a second prune has nothing left to do")
                .isTrue();
    }

    @Test
    void keepSinceBeforeEverySnapshotsEndRemovesNothing() {
        SnapshotManifest first = snapshot(60, 120);
        snapshot(2 * 3600 + 60, 2 * 3600 + 120);

        PrunePlan plan = pruner().plan(C, new BsonTimestamp(first.end().getTime() - 1, 1));

        assertThat(plan.removesNothing()).as(plan.toText()).isTrue();
        assertThat(plan.toText()).contains("no complete snapshot ends at or before");
    }

    @Test
    void theCheckpointsHourFileIsNeverRemovedEvenWhenEveryEventIsBeforeTheKeptSnapshot() {
        SnapshotManifest late = snapshot(5 * 3600, 5 * 3600 + 10);

        PrunePlan plan = pruner().plan(C, late.end());

        List<String> hours = catalog.files(C).stream().map(f -> f.path()).toList();
        assertThat(plan.hourFiles()).extracting(f -> f.file().path()).containsExactlyElementsOf(hours.subList(0, 3));
        assertThat(plan.toText()).contains("the checkpoint's file (" + hours.get(3) + ")");
        pruner().apply(plan);
        assertConsistent();
    }

    @Test
    void aDamagedSnapshotRefusesThePlanAndNothingIsRemoved() {
        snapshot(60, 120);
        SnapshotManifest kept = snapshot(2 * 3600 + 60, 2 * 3600 + 120);
        store.delete(catalog.snapshots().part(kept, kept.parts().get(0)));

        PrunePlan plan = pruner().plan(C, kept.end());

        assertThat(plan.refused()).isTrue();
        assertThat(plan.removesNothing()).isTrue();
        assertThat(plan.toText()).contains("REFUSED").contains("missing");
    }

    // ---------------------------------------------------------------------------------------------------------

    private Pruner pruner() {
        return new Pruner(catalog, h.tracker, progress);
    }

    private void assertConsistent() {
        CollectionVerdict verdict = new Verifier(catalog, h.tracker).verify(C);
        assertThat(verdict.consistent()).as("%s", verdict.findings()).isTrue();
        assertThat(new SnapshotVerifier(catalog.snapshots(), store, Optional.of(h.tracker), Optional.of(progress))
                .verify(List.of(C))).allMatch(v -> v.problems().isEmpty());
    }

    private static BsonTimestamp at(int secondsAfterStart) {
        return new BsonTimestamp((int) START.plusSeconds(secondsAfterStart).getEpochSecond(), 1);
    }

    /** A complete one-document snapshot from {@code START + start} to {@code START + end}. */
    private SnapshotManifest snapshot(int start, int end) {
        return new HandMadeSnapshots(store, catalog.snapshots()).complete(C, at(start), at(end));
    }
}
