package io.changestream.archiver.snapshot;

import io.changestream.archiver.testing.ForwardingArchiveStore;
import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.snapshot.SnapshotWriterTest.CountingStore;
import io.changestream.archiver.snapshot.SnapshotWriterTest.Crash;
import io.changestream.archiver.store.AdlsArchiveStore;
import io.changestream.archiver.store.AdlsRetrySettings;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreUnavailableException;
import io.changestream.archiver.store.TestStores;
import io.changestream.archiver.store.adls.DfsExchange;
import io.changestream.archiver.store.adls.DfsTestServer;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The crash-point sweep of {@link SnapshotWriterTest}, on ADLS (the in-process DFS server), plain and gzip: the
 * writer dies at each of the first 20 store or tracker writes (before the write, or after it with the answer lost),
 * or a part's commit is applied and answered 503 (an ambiguous commit, settled by reading the file back). The next
 * run finishes the snapshot: every document once, decoded equal to the source, no part committed twice, the
 * manifest last. The suite crashes each of the 20 points once (before or after, alternating by kind of write);
 * {@code -Dsnapshot.crash.full=true} crashes every point both ways.
 */
class SnapshotWriterAdlsCrashTest {
    private static final String COLLECTION = "orders";
    private static final Lease LEASE = new Lease(COLLECTION, "me", 1, Instant.parse("2099-01-01T00:00:00Z"),
            Instant.EPOCH);
    private static final long PART_BYTES = 700;
    /** {@code -Dsnapshot.crash.full=true}: both crash modes at every point, and a 503 on every part's commit. */
    private static final boolean FULL = Boolean.getBoolean("snapshot.crash.full");

    private DfsTestServer server;
    private ArchiveStore store;
    private ArchiveStore oneTry;

    @BeforeEach
    void start() {
        server = DfsTestServer.start();
        store = TestStores.adls(TestStores.sharedKey(server));
        oneTry = AdlsArchiveStore.open(TestStores.sharedKey(server), AdlsRetrySettings.of(1, Duration.ofMillis(20))
                .withTryTimeout(Duration.ofSeconds(10)));
    }

    @AfterEach
    void stop() {
        store.close();
        oneTry.close();
        server.close();
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aSnapshotKilledAtAnyWriteOnAdlsResumesWithEveryDocumentOnceEqualToTheSourceAndNoPartCommittedTwice(
            Compression compression) throws Exception {
        for (Crash.Mode mode : List.of(Crash.Mode.BEFORE, Crash.Mode.AFTER)) { // an ADLS commit is never torn
            for (int at = 1; at <= 20; at++) {
                if (!FULL && mode != (at % 4 < 2 ? Crash.Mode.BEFORE : Crash.Mode.AFTER)) {
                    continue; // in the suite: each kind of write, before and after, at 20 points
                }
                String seed = "mode " + mode + ", crash at write " + at + ", " + compression;
                SnapshotLayout layout = layout(mode + "-" + at, compression);
                InMemorySnapshotProgressStore records = new InMemorySnapshotProgressStore();
                ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(80);
                Crash crash = new Crash(mode, at);
                CountingStore counting = new CountingStore(store);
                SnapshotProgress begun = writer(source, store, records, layout).begin(COLLECTION,
                        new BsonTimestamp(5, 1), LEASE);
                try {
                    writer(source, crash.wrap(counting), crash.wrap(records), layout).run(begun, LEASE, () -> { });
                } catch (Crash.Crashed expected) {
                    // the process died here
                }
                sweepStep(seed, layout, records, source, counting);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aPartCommitAnswered503IsSettledByReadingItBackAndTheSnapshotResumesWithNoPartTwice(Compression compression)
            throws Exception {
        List<Integer> parts = FULL ? List.of(0, 1, 2, 3, 4, 5, 6, 7) : List.of(0, 3, 7);
        for (int part : parts) {
            for (boolean sdkRetries : List.of(true, false)) {
                String seed = "commit of part " + part + " answered 503, SDK retries " + sdkRetries + ", "
                        + compression;
                SnapshotLayout layout = layout("p" + part + "-" + sdkRetries, compression);
                InMemorySnapshotProgressStore records = new InMemorySnapshotProgressStore();
                ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(80);
                CountingStore counting = new CountingStore(sdkRetries ? store : oneTry);
                ArchiveFile target = layout.part(COLLECTION, SnapshotLayout.id(new BsonTimestamp(5, 1)), part);
                ArchiveStore faulty = new CommitThenFailOn(counting, target);
                SnapshotProgress begun = writer(source, store, records, layout).begin(COLLECTION,
                        new BsonTimestamp(5, 1), LEASE);
                boolean failed = false;
                try {
                    writer(source, faulty, records, layout).run(begun, LEASE, () -> { });
                } catch (StoreUnavailableException e) {
                    failed = true; // the answer never came: the run stops, its part stands in the store
                }
                assertThat(failed).as(seed).isEqualTo(!sdkRetries);
                sweepStep(seed, layout, records, source, counting);
                assertThat(server.exchanges().stream().filter(x -> x.request().is("PATCH", "action", "flush")
                        && x.request().path().endsWith(target.path()) && x.status() == 200)).as(seed).isEmpty();
            }
        }
        assertThat(server.faults().injectedFailures()).isEqualTo(2 * parts.size());
    }

    /** Resumes the snapshot in a "new process" and checks the result against the source. */
    private void sweepStep(String seed, SnapshotLayout layout, InMemorySnapshotProgressStore records,
            ScriptedSnapshotSource source, CountingStore counting) throws InterruptedException {
        source.documents.put(1000, new BsonDocument("_id", new BsonInt32(1000))); // written meanwhile
        SnapshotProgress recorded = records.snapshots(COLLECTION).get(0);
        boolean manifestWritten = store.length(layout.manifest(COLLECTION, recorded.id())) > 0;
        SnapshotProgress done = writer(source, counting, records, layout).run(recorded, LEASE, () -> { });

        List<BsonDocument> expected = new ArrayList<>(source.documents.values());
        if (manifestWritten) {
            expected.remove(expected.size() - 1); // the snapshot was over before the insert
        }
        assertThat(documents(layout, done)).as(seed).isEqualTo(expected);
        assertThat(done.complete()).as(seed).isTrue();
        assertThat(done.documents()).as(seed).isEqualTo(expected.size());
        assertThat(records.snapshots(COLLECTION)).as(seed).containsExactly(done);
        for (int n = 0; n < done.parts().size(); n++) {
            assertThat(counting.appendsTo(layout.part(COLLECTION, done.id(), n)))
                    .as("%s: part %d committed at most once", seed, n).isLessThanOrEqualTo(1);
        }
        assertThat(counting.appendsTo(layout.manifest(COLLECTION, done.id()))).as(seed).isLessThanOrEqualTo(1);
        assertThat(store.list(layout.folder(COLLECTION, done.id()))).as("%s: nothing beyond the parts", seed)
                .hasSize(done.parts().size() + 1);
        // the manifest is the last file committed in the folder
        List<DfsExchange> commits = server.exchanges().stream()
                .filter(x -> x.request().is("PATCH", "action", "flush") && x.status() == 200
                        && x.request().path().contains(layout.folder(COLLECTION, done.id()) + "/"))
                .toList();
        assertThat(commits.get(commits.size() - 1).request().path()).as(seed).endsWith("manifest.json");
    }

    private List<BsonDocument> documents(SnapshotLayout layout, SnapshotProgress done) {
        SnapshotManifest manifest = SnapshotManifest.parse(SnapshotWriterTest.read(store,
                layout.manifest(COLLECTION, done.id())));
        assertThat(manifest.parts()).hasSize(done.parts().size());
        List<BsonDocument> out = new ArrayList<>();
        for (SnapshotManifest.Part part : manifest.parts()) {
            byte[] data = SnapshotWriterTest.read(store, new ArchiveFile(layout.folder(COLLECTION, done.id()) + "/"
                    + part.file()));
            assertThat(SegmentEncoder.sha256Hex(data, 0, data.length)).isEqualTo(part.sha256());
            for (ArchiveLines.Unit unit : ArchiveLines.split(data, layout.compression()).units()) {
                for (byte[] line : unit.lines()) {
                    out.add(new ExtendedJsonDecoder().decodeLine(line, 0, line.length));
                }
            }
        }
        return out;
    }

    private static SnapshotLayout layout(String prefix, Compression compression) {
        return new SnapshotLayout(new ArchiveLayout(prefix, compression));
    }

    private static SnapshotWriter writer(SnapshotSource source, ArchiveStore store, SnapshotProgressStore tracker,
            SnapshotLayout layout) {
        return new SnapshotWriter(source, store, tracker, layout, JsonMode.CANONICAL, PART_BYTES,
                new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
    }

    /** Arms the DFS server to commit and then answer 503 for the flush of one file's first append. */
    private final class CommitThenFailOn extends ForwardingArchiveStore {
        private final ArchiveFile target;

        CommitThenFailOn(ArchiveStore delegate, ArchiveFile target) {
            super(delegate);
            this.target = target;
        }

        @Override
        public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
            if (file.equals(target)) {
                server.faults().commitThenFail(1);
            }
            return delegate.append(file, position, data, offset, length);
        }

        @Override
        public void close() {
        }
    }
}
