package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.MongoCheckpointStore;
import io.changestream.archiver.checkpoint.MongoLeaseStore;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.changestream.archiver.testing.Events;
import io.changestream.archiver.testing.MutableClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing of the exactly-once writer against the real tracker collection and a local archive: a former owner
 * ("zombie": paused, partitioned, or with a clock far behind) whose lease was taken over can neither move the
 * checkpoint nor make the new owner archive anything twice.
 */
class ZombieWriterTest {
    private static final String COLLECTION = "orders";
    private static final Duration TTL = LeaseTiming.DEFAULT.ttl();
    private static final Instant START = Instant.parse("2026-11-22T10:00:00Z");

    @TempDir
    Path dir;

    @RegisterExtension
    final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private final MongoCheckpointStore tracker =
            new MongoCheckpointStore(mongo.client(), "shop", "changestream_tracker", false);
    private final MongoLeaseStore leases = new MongoLeaseStore(mongo.client(), "shop", "changestream_tracker");
    private final MutableClock clock = new MutableClock(START);
    private final List<ChangeEvent> stream = Events.inserts(20, START);
    private LocalArchiveStore store;

    @BeforeEach
    void openStore() {
        store = new LocalArchiveStore(dir);
    }

    @Test
    void aZombieWhoseLeaseWasTakenOverCannotCommitAndItsStrayAppendIsAdoptedOnceByTheNewOwner() {
        Writer zombie = zombieThatArchivedTenAndBuffersFiveMore();
        Writer owner = newOwnerAfterTheTtl();
        owner.recoverAndCapture(20);
        Checkpoint before = tracker.load(COLLECTION).orElseThrow();

        assertThatThrownBy(() -> zombie.writer.flush(zombie.buffer, FlushTrigger.SIZE))
                .isInstanceOf(FlushFailedException.class)
                .satisfies(e -> assertThat(((FlushFailedException) e).leaseLost()).isTrue());
        assertThat(tracker.load(COLLECTION).orElseThrow()).isEqualTo(before);

        owner.writer.flush(owner.buffer, FlushTrigger.SIZE);
        assertArchiveHoldsTheStreamExactlyOnce();
        assertThat(tracker.flushLog(COLLECTION)).extracting(FlushRecord::trigger).contains(FlushTrigger.RECOVERY);
    }

    @Test
    void aZombieAppendBeyondWhatTheNewOwnerHasCapturedIsAdoptedOnlyOnceCaptureCatchesUp() {
        Writer zombie = zombieThatArchivedTenAndBuffersFiveMore();
        Writer owner = newOwnerAfterTheTtl();
        owner.recoverAndCapture(12);
        assertThatThrownBy(() -> zombie.writer.flush(zombie.buffer, FlushTrigger.SIZE))
                .isInstanceOf(FlushFailedException.class);

        assertThatThrownBy(() -> owner.writer.flush(owner.buffer, FlushTrigger.SIZE))
                .isInstanceOf(FlushFailedException.class)
                .hasMessageContaining("capture has not delivered yet")
                .satisfies(e -> assertThat(((FlushFailedException) e).conflict()).as("retryable").isFalse());
        assertThat(owner.buffer.size()).isEqualTo(2);

        owner.capture(12, 20);
        owner.writer.flush(owner.buffer, FlushTrigger.SIZE);
        assertArchiveHoldsTheStreamExactlyOnce();
    }

    @Test
    void aHolderPastItsLocalDeadlineAppendsNothingEvenBeforeAnyoneTookItsLeaseOver() {
        Lease lease = leases.acquire(COLLECTION, "pod-a", clock.instant(), TTL).orElseThrow();
        Writer holder = new Writer(new LeaseHold(lease, clock,
                lease.expiresAt().minus(LeaseTiming.DEFAULT.safetyMargin())));
        holder.recoverAndCapture(10);
        holder.writer.flush(holder.buffer, FlushTrigger.SIZE);
        holder.capture(10, 20);
        ArchiveFile file = new ArchiveLayout("", Compression.NONE).file(COLLECTION,
                HourSlot.of(stream.get(0).clusterTime()));
        long length = store.length(file);

        clock.advance(TTL.minus(LeaseTiming.DEFAULT.safetyMargin()));

        assertThatThrownBy(() -> holder.writer.flush(holder.buffer, FlushTrigger.SIZE))
                .isInstanceOf(FlushFailedException.class)
                .satisfies(e -> assertThat(((FlushFailedException) e).leaseLost()).isTrue());
        assertThat(store.length(file)).isEqualTo(length);
        assertThat(leases.acquire(COLLECTION, "pod-b", clock.instant(), TTL)).as("not expired yet").isEmpty();
    }

    /**
     * pod-a archives events 0-9 and buffers 10-14 under a hold that never notices its lease expired: a process
     * that was paused, or whose clock is far behind.
     */
    private Writer zombieThatArchivedTenAndBuffersFiveMore() {
        Lease lease = leases.acquire(COLLECTION, "pod-a", clock.instant(), TTL).orElseThrow();
        Writer zombie = new Writer(new LeaseHold(lease, Clock.systemUTC(), Instant.MAX));
        zombie.recoverAndCapture(10);
        zombie.writer.flush(zombie.buffer, FlushTrigger.SIZE);
        zombie.capture(10, 15);
        return zombie;
    }

    /** pod-b takes the expired lease over (a new epoch) and recovers; the test says how far its capture gets. */
    private Writer newOwnerAfterTheTtl() {
        clock.advance(TTL);
        return new Writer(hold(leases.acquire(COLLECTION, "pod-b", clock.instant(), TTL).orElseThrow()));
    }

    private LeaseHold hold(Lease lease) {
        return new LeaseHold(lease, clock, lease.expiresAt().minus(LeaseTiming.DEFAULT.safetyMargin()));
    }

    private void assertArchiveHoldsTheStreamExactlyOnce() {
        List<RawBsonDocument> archived = ArchiveContents.events(dir, COLLECTION);
        assertThat(ArchiveContents.assertNoDuplicates(archived)).isEqualTo(stream.size());
        assertThat(archived).extracting(e -> e.getDocument("_id"))
                .containsExactlyElementsOf(stream.stream().map(ChangeEvent::resumeToken).toList());
        assertThat(tracker.load(COLLECTION).orElseThrow().resumeToken()).contains(stream.get(19).resumeToken());
        long next = 0;
        for (FlushRecord r : tracker.flushLog(COLLECTION)) {
            assertThat(r.offset()).as("flush log ranges tile the file").isEqualTo(next);
            next = r.end();
        }
    }

    /** One instance's writer and buffer for the collection; the stream delivers what the test says. */
    private final class Writer {
        final CollectionBuffer buffer = new CollectionBuffer(new MemoryBudget(1 << 30), 1_000, 1 << 30);
        final ExactlyOnceWriter writer;

        Writer(LeaseHold hold) {
            writer = new ExactlyOnceWriter(COLLECTION, store, tracker, hold, new ArchiveLayout("", Compression.NONE),
                    new SegmentEncoder(JsonMode.CANONICAL, Compression.NONE), clock,
                    new RetryPolicy(3, Duration.ZERO, Duration.ZERO),
                    new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()).collection(COLLECTION));
        }

        /** Recovers, then captures from after the checkpoint up to (excluding) event {@code until}. */
        void recoverAndCapture(int until) {
            int next = writer.recover().flatMap(Checkpoint::resumeToken).map(t -> indexOf(t) + 1).orElse(0);
            capture(next, until);
        }

        void capture(int from, int until) {
            stream.subList(from, until).forEach(buffer::add);
        }
    }

    private int indexOf(BsonDocument token) {
        for (int i = 0; i < stream.size(); i++) {
            if (stream.get(i).resumeToken().equals(token)) {
                return i;
            }
        }
        throw new AssertionError("checkpoint token not in the stream: " + token.toJson());
    }
}
