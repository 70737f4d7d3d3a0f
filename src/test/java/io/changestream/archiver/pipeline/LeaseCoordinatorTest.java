package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.checkpoint.LeaseLostException;
import io.changestream.archiver.checkpoint.MongoLeaseStore;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.changestream.archiver.testing.MutableClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;

/**
 * The lease rounds of {@link LeaseCoordinator} against a MongoDB-wire tracker, one round at a time, under clocks the
 * test moves. After every round the structural invariant is checked: no collection runs in two instances.
 */
class LeaseCoordinatorTest {
    private static final LeaseTiming TIMING = LeaseTiming.DEFAULT;
    private static final List<String> COLLECTIONS = List.of("orders", "customers", "payments", "shipments");

    @RegisterExtension
    final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private final MongoLeaseStore store = new MongoLeaseStore(mongo.client(), "shop", "changestream_tracker");
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-22T10:00:00Z"));
    private final List<Instance> instances = new ArrayList<>();

    @Test
    void aSingleInstanceAcquiresEveryFreeCollectionInItsFirstRound() {
        Instance a = instance("pod-a", clock);

        a.round();

        assertThat(a.running.keySet()).containsExactlyElementsOf(COLLECTIONS);
        assertThat(a.running.values()).allSatisfy(h -> assertThat(h.lease().epoch()).isEqualTo(1));
        assertThat(a.coordinator.view()).satisfies(v -> {
            assertThat(v.settled()).isTrue();
            assertThat(v.held()).isEqualTo(4);
            assertThat(v.target()).isEqualTo(4);
        });
    }

    @Test
    void aRestartUnderTheSameInstanceIdTakesItsLeasesBackAtOnceWithANewEpoch() {
        Instance before = instance("pod-a", clock);
        before.round();
        before.coordinator.close(); // killed: nothing released

        Instance after = instance("pod-a", clock);
        after.round();

        assertThat(after.running.keySet()).containsExactlyElementsOf(COLLECTIONS);
        assertThat(after.running.values()).allSatisfy(h -> assertThat(h.lease().epoch()).isEqualTo(2));
    }

    @Test
    void aNewInstanceIdWaitsForTheDeadInstancesLeasesToExpireAndThenTakesThemAllOverWithANewEpoch() {
        Instance dead = instance("pod-a", clock);
        dead.round();
        dead.coordinator.close();
        Instance b = instance("pod-b", clock);

        b.round();
        clock.advance(TIMING.ttl().minusMillis(1));
        b.round();
        assertThat(b.running).isEmpty();
        assertThat(b.coordinator.view().held()).isLessThan(b.coordinator.view().target());

        clock.advance(Duration.ofMillis(1));
        b.round();
        assertThat(b.running.keySet()).containsExactlyElementsOf(COLLECTIONS);
        assertThat(b.running.values()).allSatisfy(h -> assertThat(h.lease().epoch()).isEqualTo(2));
    }

    @Test
    void renewalsKeepTheLeasesWithTheirEpochsAndOthersOut() {
        Instance a = instance("pod-a", clock);
        a.round();
        for (int i = 0; i < 40; i++) {
            clock.advance(TIMING.pollEvery());
            a.round();
        }

        assertThat(a.events).noneMatch(e -> e.startsWith("lost"));
        assertThat(a.running.values()).allSatisfy(h -> {
            assertThat(h.writable()).isTrue();
            assertThat(h.lease().epoch()).isEqualTo(1);
        });
        assertThat(store.acquire("orders", "pod-b", clock.instant(), TIMING.ttl())).isEmpty();
    }

    @Test
    void aHolderThatCannotRenewStopsWritingBeforeAnyoneMayTakeItsLeasesOver() {
        Instance a = instance("pod-a", clock);
        Instance b = instance("pod-b", clock);
        a.round();
        LeaseHold orders = a.running.get("orders");

        clock.advance(TIMING.ttl().minus(TIMING.safetyMargin())); // no round ran: no renewal
        assertThat(orders.writable()).isFalse();
        assertThatThrownBy(orders::checkWritable).isInstanceOf(LeaseLostException.class);
        b.round();
        assertThat(b.running).as("the leases have not expired yet").isEmpty();

        a.round();
        assertThat(a.events).contains("lost orders@1");
        assertThat(a.running.get("orders").lease().epoch()).as("retaken under a new epoch").isEqualTo(2);
    }

    @Test
    void aTakeoverByAnInstanceWhoseClockRunsAheadIsNoticedAtTheNextRenewal() {
        Instance a = instance("pod-a", clock);
        a.round();
        // Skew beyond the safety margin: both think they may write, and only the epoch fence of the tracker
        // writes (CheckpointFencingTest, ZombieWriterTest) keeps them apart. So no invariant check here.
        MutableClock ahead = new MutableClock(clock.instant().plus(TIMING.ttl()));
        Instance b = new Instance("pod-b", ahead);
        b.coordinator.round();
        assertThat(b.running).hasSize(4);

        clock.advance(TIMING.renewEvery());
        a.coordinator.round();

        assertThat(a.running).isEmpty();
        assertThat(a.events).filteredOn(e -> e.startsWith("lost")).hasSize(4);
    }

    @Test
    void twoInstancesSplitFourCollectionsTwoAndTwoByHandingOverNotByTakingAway() {
        Instance a = instance("pod-a", clock);
        Instance b = instance("pod-b", clock);
        a.round();
        b.round();
        assertThat(b.running).isEmpty();

        a.round();
        b.round();

        assertThat(a.running).hasSize(2);
        assertThat(b.running).hasSize(2);
        assertThat(a.events).containsExactlyInAnyOrder("acquired orders@1", "acquired customers@1",
                "acquired payments@1", "acquired shipments@1", "handed over shipments@1", "handed over payments@1");
        assertThat(b.running.values()).allSatisfy(h -> assertThat(h.lease().epoch()).isEqualTo(2));
        assertThat(a.coordinator.view().target()).isEqualTo(2);
        assertThat(b.coordinator.view().target()).isEqualTo(2);
    }

    @Test
    void aHandoverThatCannotPromiseQuietLeavesTheLeaseToExpire() {
        Instance a = instance("pod-a", clock);
        a.quietHandOver = false;
        Instance b = instance("pod-b", clock);
        a.round();
        b.round();
        Instant handedOver = clock.instant();
        a.round();

        while (clock.instant().isBefore(handedOver.plus(TIMING.ttl()))) {
            b.round();
            assertThat(b.running).as("at %s", clock.instant()).isEmpty();
            clock.advance(TIMING.pollEvery());
            a.round();
        }
        b.round();
        assertThat(b.running).hasSize(2);
    }

    @Test
    void aGracefulReleaseLetsAnotherInstanceTakeEverythingOverAtOnce() {
        Instance a = instance("pod-a", clock);
        Instance b = instance("pod-b", clock);
        a.round();
        b.round();

        a.coordinator.drain();
        a.coordinator.release(List.copyOf(a.running.values()));
        b.round();

        assertThat(b.running.keySet()).containsExactlyInAnyOrderElementsOf(COLLECTIONS);
        assertThat(a.running.values()).allSatisfy(h -> assertThat(h.revoked()).isTrue());
    }

    @Test
    void aFencedWriteEndsItsHoldAtOnce() {
        Instance a = instance("pod-a", clock);
        a.round();
        LeaseHold orders = a.running.get("orders");

        a.coordinator.fenced(orders);

        assertThat(orders.revoked()).isTrue();
        assertThat(a.events).contains("lost orders@1");
    }

    private Instance instance(String id, Clock clock) {
        Instance instance = new Instance(id, clock);
        instances.add(instance);
        return instance;
    }

    /** One archiver instance as far as leases go: its coordinator and the pipelines it would run. */
    private final class Instance implements LeaseCoordinator.Pipelines {
        final LeaseCoordinator coordinator;
        final Map<String, LeaseHold> running = new LinkedHashMap<>();
        final List<String> events = new ArrayList<>();
        boolean quietHandOver = true;

        Instance(String id, Clock clock) {
            coordinator = new LeaseCoordinator(COLLECTIONS, id, store, clock, TIMING, this);
        }

        void round() {
            coordinator.round();
            assertNoCollectionRunsTwice();
        }

        @Override
        public void acquired(LeaseHold hold) {
            running.put(hold.collection(), hold);
            events.add("acquired " + label(hold));
        }

        @Override
        public void lost(LeaseHold hold) {
            running.remove(hold.collection(), hold);
            events.add("lost " + label(hold));
        }

        @Override
        public Mono<Boolean> handOver(LeaseHold hold) {
            running.remove(hold.collection(), hold);
            events.add("handed over " + label(hold));
            return Mono.just(quietHandOver);
        }
    }

    private static String label(LeaseHold hold) {
        return hold.collection() + "@" + hold.lease().epoch();
    }

    private void assertNoCollectionRunsTwice() {
        Set<String> seen = new HashSet<>();
        for (Instance i : instances) {
            i.running.values().stream().filter(LeaseHold::writable).forEach(h ->
                    assertThat(seen.add(h.collection())).as("%s writable in two instances", h.collection()).isTrue());
        }
    }
}
