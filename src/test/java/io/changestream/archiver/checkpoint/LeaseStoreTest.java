package io.changestream.archiver.checkpoint;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.changestream.archiver.testing.InMemoryLeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lease rules, with times chosen by the test, in the tracker collection ({@link MongoLeaseStore} against a
 * MongoDB-wire server) and in the in-memory store the unit tests use, so the fake cannot drift from the real one.
 */
class LeaseStoreTest {
    private static final Duration TTL = Duration.ofSeconds(30);
    private static final Instant T0 = Instant.parse("2026-11-22T10:00:00Z");
    @RegisterExtension
    static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private static int trackers;

    static Stream<Arguments> stores() {
        Supplier<LeaseStore> real = () -> new MongoLeaseStore(mongo.client(), "shop", "tracker" + ++trackers);
        Supplier<LeaseStore> fake = InMemoryLeaseStore::new;
        return Stream.of(Arguments.of("tracker collection", real), Arguments.of("in memory", fake));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aLeaseNeverHeldIsAcquiredWithEpochOneUntilTheTtl(String kind, Supplier<LeaseStore> store) {
        LeaseStore leases = store.get();
        Lease lease = leases.acquire("orders", "pod-a", T0, TTL).orElseThrow();

        assertThat(lease).isEqualTo(new Lease("orders", "pod-a", 1, T0.plus(TTL), T0));
        assertThat(leases.leases(List.of("orders", "customers"))).containsExactly(lease);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aLiveLeaseOfAnotherInstanceCannotBeAcquired(String kind, Supplier<LeaseStore> store) {
        LeaseStore leases = store.get();
        leases.acquire("orders", "pod-a", T0, TTL).orElseThrow();

        assertThat(leases.acquire("orders", "pod-b", T0.plus(TTL).minusMillis(1), TTL)).isEmpty();
        assertThat(leases.leases(List.of("orders")).get(0).owner()).isEqualTo("pod-a");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void anExpiredLeaseIsTakenOverAndTheTakeoverIncrementsTheEpoch(String kind, Supplier<LeaseStore> store) {
        LeaseStore leases = store.get();
        leases.acquire("orders", "pod-a", T0, TTL).orElseThrow();

        Lease taken = leases.acquire("orders", "pod-b", T0.plus(TTL), TTL).orElseThrow();

        assertThat(taken.owner()).isEqualTo("pod-b");
        assertThat(taken.epoch()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void itsOwnerTakesALiveLeaseBackAtOnceWithANewEpochAfterARestart(String kind, Supplier<LeaseStore> store) {
        LeaseStore leases = store.get();
        leases.acquire("orders", "pod-a", T0, TTL).orElseThrow();

        Lease again = leases.acquire("orders", "pod-a", T0.plusSeconds(1), TTL).orElseThrow();

        assertThat(again.epoch()).isEqualTo(2);
        assertThat(again.expiresAt()).isEqualTo(T0.plusSeconds(1).plus(TTL));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aRenewalExtendsTheLeaseAndKeepsItsEpoch(String kind, Supplier<LeaseStore> store) {
        LeaseStore leases = store.get();
        Lease lease = leases.acquire("orders", "pod-a", T0, TTL).orElseThrow();

        Lease renewed = leases.renew(lease, T0.plusSeconds(10), TTL).orElseThrow();

        assertThat(renewed.epoch()).isEqualTo(1);
        assertThat(leases.leases(List.of("orders"))).containsExactly(renewed);
        assertThat(leases.acquire("orders", "pod-b", T0.plus(TTL), TTL)).as("renewed: not expired yet").isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aRenewalAfterATakeoverMatchesNothing(String kind, Supplier<LeaseStore> store) {
        LeaseStore leases = store.get();
        Lease lease = leases.acquire("orders", "pod-a", T0, TTL).orElseThrow();
        leases.acquire("orders", "pod-b", T0.plus(TTL), TTL).orElseThrow();

        assertThat(leases.renew(lease, T0.plus(TTL).plusSeconds(1), TTL)).isEmpty();
        assertThat(leases.release(lease, T0.plus(TTL).plusSeconds(1))).isFalse();
        assertThat(leases.leases(List.of("orders")).get(0).owner()).isEqualTo("pod-b");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void aReleasedLeaseIsFreeForAnyInstanceAtOnce(String kind, Supplier<LeaseStore> store) {
        LeaseStore leases = store.get();
        Lease lease = leases.acquire("orders", "pod-a", T0, TTL).orElseThrow();

        assertThat(leases.release(lease, T0.plusSeconds(1))).isTrue();

        Lease taken = leases.acquire("orders", "pod-b", T0.plusSeconds(1), TTL).orElseThrow();
        assertThat(taken.epoch()).isEqualTo(2);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("stores")
    void instancesAreLiveUntilTheirHeartbeatExpiresOrTheyWithdraw(String kind, Supplier<LeaseStore> store) {
        LeaseStore leases = store.get();
        leases.heartbeat("pod-b", T0, TTL);
        leases.heartbeat("pod-a", T0.plusSeconds(5), TTL);
        leases.heartbeat("pod-c", T0, TTL);

        assertThat(leases.liveInstances(T0.plusSeconds(1))).containsExactly("pod-a", "pod-b", "pod-c");
        assertThat(leases.liveInstances(T0.plus(TTL))).containsExactly("pod-a");

        leases.withdraw("pod-a");
        leases.forgetInstancesExpiredBefore(T0.plus(TTL).plusSeconds(1));
        assertThat(leases.liveInstances(T0)).isEmpty();
    }
}
