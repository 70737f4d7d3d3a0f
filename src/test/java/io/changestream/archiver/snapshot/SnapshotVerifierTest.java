package io.changestream.archiver.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.SnapshotFormat;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.replay.verify.SnapshotVerifier;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.HandMadeSnapshots;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** {@code verify}'s snapshot check against snapshots written by {@link SnapshotWriter} and then damaged. */
class SnapshotVerifierTest {
    private static final SnapshotFormat PLAIN = new SnapshotFormat(Compression.NONE, JsonMode.CANONICAL);
    private static final Lease LEASE = new Lease("orders", "me", 1, Instant.parse("2099-01-01T00:00:00Z"),
            Instant.EPOCH);

    @TempDir
    Path dir;

    private SnapshotProgress snapshot(LocalArchiveStore store, Compression compression, int start)
            throws InterruptedException {
        SnapshotWriter w = new SnapshotWriter(new ScriptedSnapshotSource().fill(50), store,
                new InMemorySnapshotProgressStore(), new SnapshotLayout(new ArchiveLayout("", compression)),
                JsonMode.CANONICAL, 600, new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
        return w.run(w.begin("orders", new BsonTimestamp(start, 1), LEASE), LEASE, () -> { });
    }

    private List<SnapshotVerifier.Verdict> verify(LocalArchiveStore store) {
        return new SnapshotVerifier(new SnapshotCatalog(store, ""), store, Optional.empty(), Optional.empty())
                .verify(List.of("orders"));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aCompleteSnapshotIsConsistentAndAFolderWithoutManifestIsIncompleteNotAProblem(Compression compression)
            throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress done = snapshot(store, compression, 100);
        byte[] line = "{\"_id\": 1}\n".getBytes();
        ArchiveFile stray = new SnapshotLayout(new ArchiveLayout("", compression)).part("orders",
                SnapshotLayout.id(new BsonTimestamp(200, 1)), 0);
        store.append(stray, 0, line, 0, line.length);

        SnapshotVerifier.Verdict v = verify(store).get(0);

        assertThat(v.complete()).containsExactly(done.id());
        assertThat(v.incomplete()).containsExactly(SnapshotLayout.id(new BsonTimestamp(200, 1)));
        assertThat(v.problems()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aDamagedOrMissingPartIsAProblemNamingTheFile(Compression compression) throws Exception {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress done = snapshot(store, compression, 100);
        SnapshotLayout layout = new SnapshotLayout(new ArchiveLayout("", compression));
        Path part1 = dir.resolve(layout.part("orders", done.id(), 1).path());
        byte[] bytes = Files.readAllBytes(part1);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(part1, bytes);
        Files.delete(dir.resolve(layout.part("orders", done.id(), 2).path()));

        SnapshotVerifier.Verdict v = verify(store).get(0);

        assertThat(v.problems()).anyMatch(p -> p.startsWith(layout.part("orders", done.id(), 1).path())
                && (p.contains("SHA-256") || p.contains("damaged gzip")));
        assertThat(v.problems()).anyMatch(p -> p.startsWith(layout.part("orders", done.id(), 2).path())
                && p.contains("missing"));
        assertThat(SnapshotVerifier.toText(verify(store))).contains("problem: ");
    }

    @org.junit.jupiter.api.Test
    void anIncompleteFolderTheTrackerHasNoRecordOfIsANoteNamingItAndARecordedOneIsNot() {
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotCatalog catalog = new SnapshotCatalog(store, "");
        HandMadeSnapshots folders = new HandMadeSnapshots(store, catalog);
        BsonTimestamp resumable = new BsonTimestamp(200, 1);
        folders.incomplete("orders", resumable);
        String orphan = folders.incomplete("orders", new BsonTimestamp(300, 1));
        InMemorySnapshotProgressStore records = new InMemorySnapshotProgressStore();
        records.save(SnapshotProgress.started("orders", SnapshotLayout.id(resumable), resumable, PLAIN, Instant.EPOCH), LEASE);

        List<SnapshotVerifier.Verdict> verdicts = new SnapshotVerifier(catalog, store, Optional.empty(),
                Optional.of(records)).verify(List.of("orders"));

        SnapshotVerifier.Verdict v = verdicts.get(0);
        assertThat(v.incomplete()).containsExactly(SnapshotLayout.id(resumable), orphan);
        assertThat(v.problems()).isEmpty();
        assertThat(v.notes()).singleElement().asString()
                .startsWith("snapshot " + orphan + ": incomplete and the tracker has no record of it")
                .contains("remove the folder " + catalog.layout().folder("orders", orphan) + " by hand");
        assertThat(SnapshotVerifier.toText(verdicts)).contains("note: snapshot " + orphan);
    }
}
