package io.changestream.archiver.snapshot;

import io.changestream.archiver.testing.ForwardingArchiveStore;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.LeaseLostException;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The snapshot protocol of {@link SnapshotWriter}, on a local store and the in-memory tracker, with a scripted
 * source. Tests are named after the protocol's steps and crash points.
 */
class SnapshotWriterTest {
    private static final String COLLECTION = "orders";
    private static final Lease LEASE = new Lease(COLLECTION, "me", 1, Instant.parse("2099-01-01T00:00:00Z"),
            Instant.EPOCH);
    private static final long PART_BYTES = 700;

    @TempDir
    Path dir;

    private final InMemorySnapshotProgressStore tracker = new InMemorySnapshotProgressStore();

    private SnapshotWriter writer(SnapshotSource source, ArchiveStore store, Compression compression) {
        return new SnapshotWriter(source, store, tracker, layout(compression), JsonMode.CANONICAL, PART_BYTES,
                new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
    }

    private static SnapshotLayout layout(Compression compression) {
        return new SnapshotLayout(new ArchiveLayout("", compression));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step3and4_everyDocumentLandsOnceInPartsOfAboutThePartSizeAndTheManifestListsThem(Compression compression)
            throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(100);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotWriter w = writer(source, store, compression);
        SnapshotProgress begun = w.begin(COLLECTION, new BsonTimestamp(1_700_000_000, 1), LEASE);

        SnapshotProgress done = w.run(begun, LEASE, () -> { });

        assertThat(done.complete()).isTrue();
        assertThat(done.parts()).hasSizeGreaterThan(3);
        assertThat(ids(store, compression, done)).isEqualTo(range(0, 100));
        SnapshotManifest manifest = manifest(store, compression, done);
        assertThat(manifest.start()).isEqualTo(begun.start());
        assertThat(manifest.end()).isGreaterThanOrEqualTo(manifest.start()).isEqualTo(done.end().orElseThrow());
        assertThat(manifest.documents()).isEqualTo(100);
        for (SnapshotManifest.Part part : manifest.parts()) {
            byte[] bytes = read(store, new ArchiveFile(layout(compression).folder(COLLECTION, done.id()) + "/"
                    + part.file()));
            assertThat(bytes.length).isEqualTo(part.bytes());
            assertThat(SegmentEncoder.sha256Hex(bytes, 0, bytes.length)).isEqualTo(part.sha256());
        }
        assertThat(tracker.snapshots(COLLECTION)).containsExactly(done);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step2_aPartWrittenButNotRecordedIsAdoptedNotWrittenAgain(Compression compression) throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(100);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress begun = writer(source, store, compression).begin(COLLECTION, new BsonTimestamp(5, 1), LEASE);
        CountingStore counting = new CountingStore(store);
        SnapshotWriter first = writer(source, counting, compression);
        // the third part's record fails: parts 0 and 1 recorded, part 2 written but not recorded
        InMemorySnapshotProgressStore failing = tracker;
        int savesBefore = failing.saves();
        Runnable crashAtThirdRecord = () -> {
            if (failing.saves() == savesBefore + 2 && counting.appends == 3) {
                throw new IllegalStateException("crash between writing part 2 and recording it");
            }
        };
        assertThatThrownBy(() -> first.run(begun, LEASE, crashAtThirdRecord)).hasMessageContaining("crash");
        SnapshotProgress recorded = tracker.snapshots(COLLECTION).get(0);
        assertThat(recorded.parts()).hasSize(2);
        byte[] part2 = read(store, layout(compression).part(COLLECTION, recorded.id(), 2));
        assertThat(part2).isNotEmpty();

        source.documents.remove(50); // the source moves on meanwhile
        SnapshotProgress done = writer(source, counting, compression).run(recorded, LEASE, () -> { });

        assertThat(read(store, layout(compression).part(COLLECTION, recorded.id(), 2))).isEqualTo(part2);
        assertThat(counting.appendsTo(layout(compression).part(COLLECTION, recorded.id(), 2))).isEqualTo(1);
        List<Integer> ids = ids(store, compression, done);
        assertThat(ids).doesNotHaveDuplicates().isSorted();
        assertThat(done.documents()).isEqualTo(ids.size());
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step2_aTornPartIsCutAndWrittenAgainFromTheRecordedId(Compression compression) throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(60);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress begun = writer(source, store, compression).begin(COLLECTION, new BsonTimestamp(5, 1), LEASE);
        ArchiveFile part0 = layout(compression).part(COLLECTION, begun.id(), 0);
        byte[] torn = compression == Compression.NONE ? "{\"_id\": {\"$numberInt\": \"0\"}, \"pay".getBytes()
                : new byte[] {0x1f, (byte) 0x8b, 8, 0, 0};
        store.append(part0, 0, torn, 0, torn.length);

        SnapshotProgress done = writer(source, store, compression).run(begun, LEASE, () -> { });

        assertThat(ids(store, compression, done)).isEqualTo(range(0, 60));
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step2_aManifestWrittenButNotRecordedIsAdopted(Compression compression) throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(30);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotWriter w = writer(source, store, compression);
        SnapshotProgress begun = w.begin(COLLECTION, new BsonTimestamp(5, 1), LEASE);
        SnapshotProgress done = w.run(begun, LEASE, () -> { });
        // make the tracker forget the completion, as a crash between the manifest and the record would
        SnapshotProgress running = new SnapshotProgress(done.collection(), done.id(), done.start(), done.format(),
                java.util.Optional.empty(), SnapshotProgress.State.RUNNING, done.parts(), done.startedAt(),
                done.updatedAt());
        tracker.save(running, LEASE);

        SnapshotProgress again = writer(source, new CountingStore(store), compression).run(running, LEASE, () -> { });

        assertThat(again.complete()).isTrue();
        assertThat(again.end()).isEqualTo(done.end());
        assertThat(again.parts()).isEqualTo(done.parts());
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void crashPoints_aSnapshotKilledAtAnyStoreOrTrackerWriteResumesWithEveryDocumentOnceAndNoPartTwice(
            Compression compression) throws Exception {
        for (Crash.Mode mode : Crash.Mode.values()) {
            for (int at = 1; at <= 20; at++) { // every write of the 8-part snapshot, and beyond
                Path folder = dir.resolve(mode + "-" + compression + "-" + at);
                InMemorySnapshotProgressStore records = new InMemorySnapshotProgressStore();
                ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(80);
                LocalArchiveStore store = new LocalArchiveStore(folder);
                Crash crash = new Crash(mode, at);
                CountingStore counting = new CountingStore(store);
                SnapshotWriter first = new SnapshotWriter(source, crash.wrap(counting), crash.wrap(records),
                        layout(compression), JsonMode.CANONICAL, PART_BYTES, new ReadThrottle(0, System::nanoTime),
                        Clock.systemUTC());
                SnapshotProgress begun = new SnapshotWriter(source, store, records, layout(compression),
                        JsonMode.CANONICAL, PART_BYTES, new ReadThrottle(0, System::nanoTime), Clock.systemUTC())
                        .begin(COLLECTION, new BsonTimestamp(5, 1), LEASE);
                String seed = "mode " + mode + ", crash at write " + at + ", " + compression;
                try {
                    first.run(begun, LEASE, () -> { });
                } catch (Crash.Crashed expected) {
                    // the process died here
                }
                source.documents.put(1000, new BsonDocument("_id", new BsonInt32(1000))); // written meanwhile
                SnapshotProgress recorded = records.snapshots(COLLECTION).get(0);
                // once a whole manifest is written the snapshot is over: the later insert is not in it
                boolean manifestWritten = parses(read(store, layout(compression).manifest(COLLECTION, recorded.id())));
                SnapshotProgress done = new SnapshotWriter(source, counting, records, layout(compression),
                        JsonMode.CANONICAL, PART_BYTES, new ReadThrottle(0, System::nanoTime), Clock.systemUTC())
                        .run(recorded, LEASE, () -> { });

                List<Integer> expected = new ArrayList<>(range(0, 80));
                if (!manifestWritten) {
                    expected.add(1000);
                }
                assertThat(ids(store, compression, done)).as(seed).isEqualTo(expected);
                assertThat(done.documents()).as(seed).isEqualTo(expected.size());
                for (int n = 0; n < done.parts().size(); n++) {
                    assertThat(counting.appendsTo(layout(compression).part(COLLECTION, done.id(), n)))
                            .as("%s: part %d written once (a torn write counts as none)", seed, n)
                            .isLessThanOrEqualTo(mode == Crash.Mode.TORN ? 2 : 1);
                }
                assertThat(manifest(store, compression, done).documents()).as(seed).isEqualTo(expected.size());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void fencing_aFormerOwnersProgressIsRefusedOnceTheNewOwnerRecordedIt(Compression compression) throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(40);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress begun = writer(source, store, compression).begin(COLLECTION, new BsonTimestamp(5, 1), LEASE);
        Lease newer = new Lease(COLLECTION, "other", 2, LEASE.expiresAt(), LEASE.renewedAt());
        writer(source, store, compression).run(begun, newer, () -> { });

        assertThatThrownBy(() -> tracker.save(begun, LEASE)).isInstanceOf(LeaseLostException.class);
    }

    private static boolean parses(byte[] manifest) {
        try {
            SnapshotManifest.parse(manifest);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    // --- helpers -----------------------------------------------------------------------------------------------

    private static List<Integer> range(int from, int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = from; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    private static SnapshotManifest manifest(ArchiveStore store, Compression compression, SnapshotProgress p) {
        return SnapshotManifest.parse(read(store, layout(compression).manifest(COLLECTION, p.id())));
    }

    /** The _ids of every document in the parts the manifest names, in order. */
    static List<Integer> ids(ArchiveStore store, Compression compression, SnapshotProgress p) {
        SnapshotManifest manifest = manifest(store, compression, p);
        List<Integer> ids = new ArrayList<>();
        for (SnapshotManifest.Part part : manifest.parts()) {
            byte[] data = read(store, new ArchiveFile(layout(compression).folder(COLLECTION, p.id()) + "/"
                    + part.file()));
            ArchiveLines.Units units = ArchiveLines.split(data, compression);
            assertThat(units.completeLength()).isEqualTo(data.length);
            for (ArchiveLines.Unit unit : units.units()) {
                for (byte[] line : unit.lines()) {
                    ids.add(new ExtendedJsonDecoder().decodeLine(line, 0, line.length).getInt32("_id").getValue());
                }
            }
        }
        return ids;
    }

    static byte[] read(ArchiveStore store, ArchiveFile file) {
        if (store.length(file) == 0) {
            return new byte[0];
        }
        try (InputStream in = store.read(file, 0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Counts successful appends per file. */
    static final class CountingStore extends ForwardingArchiveStore {
        private final Map<String, Integer> perFile = new TreeMap<>();
        int appends;

        CountingStore(ArchiveStore delegate) {
            super(delegate);
        }

        int appendsTo(ArchiveFile file) {
            return perFile.getOrDefault(file.path(), 0);
        }

        @Override
        public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
            long end = delegate.append(file, position, data, offset, length);
            appends++;
            perFile.merge(file.path(), 1, Integer::sum);
            return end;
        }

        @Override
        public void close() {
        }
    }

    /**
     * Kills the run at the {@code at}-th write to the store or the tracker: before it happens, after it happened
     * (the answer lost), or half way (a torn append on the local store; a tracker write is all or nothing).
     */
    static final class Crash {
        enum Mode { BEFORE, AFTER, TORN }

        static final class Crashed extends RuntimeException {
            Crashed(String what) {
                super("crashed " + what);
            }
        }

        private final Mode mode;
        private final int at;
        private int writes;

        Crash(Mode mode, int at) {
            this.mode = mode;
            this.at = at;
        }

        private boolean due() {
            return ++writes == at;
        }

        ArchiveStore wrap(ArchiveStore store) {
            return new ForwardingArchiveStore(store) {
                @Override
                public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
                    if (!due()) {
                        return store.append(file, position, data, offset, length);
                    }
                    switch (mode) {
                        case BEFORE -> throw new Crashed("before appending " + file);
                        case AFTER -> {
                            store.append(file, position, data, offset, length);
                            throw new Crashed("after appending " + file);
                        }
                        default -> {
                            byte[] half = Arrays.copyOfRange(data, offset, offset + Math.max(1, length / 2));
                            store.append(file, position, half, 0, half.length);
                            throw new Crashed("half way through appending " + file);
                        }
                    }
                }

                @Override
                public void close() {
                }
            };
        }

        io.changestream.archiver.checkpoint.SnapshotProgressStore wrap(
                io.changestream.archiver.checkpoint.SnapshotProgressStore tracker) {
            return new io.changestream.archiver.checkpoint.SnapshotProgressStore() {
                @Override
                public List<SnapshotProgress> snapshots(String collection) {
                    return tracker.snapshots(collection);
                }

                @Override
                public void save(SnapshotProgress progress, Lease lease) {
                    if (!due()) {
                        tracker.save(progress, lease);
                        return;
                    }
                    if (mode == Mode.AFTER) {
                        tracker.save(progress, lease);
                        throw new Crashed("after recording " + progress.parts().size() + " parts");
                    }
                    throw new Crashed("before recording " + progress.parts().size() + " parts");
                }
            };
        }
    }
}
