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
import io.changestream.archiver.snapshot.SnapshotWriterTest.CountingStore;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A lost lease mid-snapshot: the former owner stops, the new owner (a newer lease epoch) resumes the same snapshot
 * from its recorded parts and finishes it, and the former owner's late writes change nothing.
 */
class SnapshotLeaseHandoverTest {
    private static final String COLLECTION = "orders";
    private static final Instant FAR = Instant.parse("2099-01-01T00:00:00Z");
    private static final Lease FORMER = new Lease(COLLECTION, "former", 1, FAR, Instant.EPOCH);
    private static final Lease NEW = new Lease(COLLECTION, "new", 2, FAR, Instant.EPOCH);
    private static final long PART_BYTES = 700;

    @TempDir
    Path dir;

    private final InMemorySnapshotProgressStore tracker = new InMemorySnapshotProgressStore();

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aLeaseLostAfterThreePartsHandsTheSnapshotToTheNewOwnerWhichResumesAtPartThree(Compression compression)
            throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(80);
        CountingStore store = new CountingStore(new LocalArchiveStore(dir));
        SnapshotProgress begun = writer(source, store, compression).begin(COLLECTION, new BsonTimestamp(5, 1),
                FORMER);
        Runnable formerHold = () -> {
            if (tracker.snapshots(COLLECTION).get(0).parts().size() == 3) {
                throw new LeaseLostException(COLLECTION, 1, "lease of orders taken over by new");
            }
        };
        assertThatThrownBy(() -> writer(source, store, compression).run(begun, FORMER, formerHold))
                .isInstanceOf(LeaseLostException.class);
        SnapshotProgress interrupted = tracker.snapshots(COLLECTION).get(0);
        assertThat(interrupted.parts()).hasSize(3);
        int openedBefore = source.opened;

        SnapshotProgress done = writer(source, store, compression).run(interrupted, NEW, () -> { });

        assertThat(done.id()).isEqualTo(begun.id());
        assertThat(done.parts().subList(0, 3)).as("resumed at the recorded part").isEqualTo(interrupted.parts());
        assertThat(source.opened).isEqualTo(openedBefore + 1);
        assertThat(SnapshotWriterTest.ids(store, compression, done)).isEqualTo(range(80));
        for (int n = 0; n < done.parts().size(); n++) {
            assertThat(store.appendsTo(layout(compression).part(COLLECTION, done.id(), n))).isEqualTo(1);
        }
        assertThatThrownBy(() -> tracker.save(interrupted, FORMER)).isInstanceOf(LeaseLostException.class);
    }

    /**
     * The race the writer's essay names: the former owner passed its last lease check and its write of part n is
     * still under way when the new owner resumes; it lands while the new owner reads part n. The new owner's write
     * of part n is refused by the store (create-if-absent) and it adopts the former owner's part, which continues
     * the chain, and finishes: it must not give the snapshot up as failed.
     */
    @ParameterizedTest
    @EnumSource(Compression.class)
    void aPartTheFormerOwnerWritesWhileTheNewOwnerReadsIsAdoptedAndTheNewOwnerFinishes(Compression compression)
            throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(80);
        LocalArchiveStore local = new LocalArchiveStore(dir);
        CountingStore store = new CountingStore(local);
        SnapshotProgress begun = writer(source, store, compression).begin(COLLECTION, new BsonTimestamp(5, 1),
                FORMER);
        ArchiveFile part3 = layout(compression).part(COLLECTION, begun.id(), 3);
        Frozen former = new Frozen(store, part3);
        assertThatThrownBy(() -> writer(source, former, compression).run(begun, FORMER, () -> { }))
                .isInstanceOf(Frozen.Paused.class);
        SnapshotProgress interrupted = tracker.snapshots(COLLECTION).get(0);
        assertThat(interrupted.parts()).hasSize(3);
        AtomicBoolean landed = new AtomicBoolean();
        source.afterEachRead = () -> {
            if (landed.compareAndSet(false, true)) {
                former.resume(); // the former owner's append of part 3 completes now
            }
        };

        SnapshotProgress done = writer(source, store, compression).run(interrupted, NEW, () -> { });

        assertThat(landed).isTrue();
        assertThat(done.complete()).isTrue();
        assertThat(SnapshotWriterTest.read(local, part3)).isEqualTo(former.data);
        assertThat(SnapshotWriterTest.ids(store, compression, done)).isEqualTo(range(80));
        for (int n = 0; n < done.parts().size(); n++) {
            assertThat(store.appendsTo(layout(compression).part(COLLECTION, done.id(), n))).as("part %d", n)
                    .isEqualTo(1);
        }
        assertThat(tracker.snapshots(COLLECTION)).containsExactly(done);
    }

    private SnapshotWriter writer(SnapshotSource source, ArchiveStore store, Compression compression) {
        return new SnapshotWriter(source, store, tracker, layout(compression), JsonMode.CANONICAL, PART_BYTES,
                new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
    }

    private static SnapshotLayout layout(Compression compression) {
        return new SnapshotLayout(new ArchiveLayout("", compression));
    }

    private static List<Integer> range(int to) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < to; i++) {
            out.add(i);
        }
        return out;
    }

    /** The former owner's store: its append to one file is held (the thread paused) until {@link #resume}. */
    private static final class Frozen extends ForwardingArchiveStore {
        static final class Paused extends RuntimeException {
            Paused() {
                super("the former owner is paused in its append");
            }
        }

        private final ArchiveFile held;
        byte[] data;

        Frozen(ArchiveStore delegate, ArchiveFile held) {
            super(delegate);
            this.held = held;
        }

        void resume() {
            delegate.append(held, 0, data, 0, data.length);
        }

        @Override
        public long append(ArchiveFile file, long position, byte[] bytes, int offset, int length) {
            if (file.equals(held)) {
                data = Arrays.copyOfRange(bytes, offset, offset + length);
                throw new Paused();
            }
            return delegate.append(file, position, bytes, offset, length);
        }

        @Override
        public void close() {
        }
    }
}
