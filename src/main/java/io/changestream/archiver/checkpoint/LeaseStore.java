package io.changestream.archiver.checkpoint;

import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Collection leases and instance heartbeats in the tracker. The real implementation is the tracker collection
 * ({@link MongoLeaseStore}, which also states the protocol); unit tests use an in-memory one. Times are the
 * caller's clock, passed in, so the rules can be tested at any instant.
 *
 * <p>Contract: {@link #acquire} succeeds only for a lease that is free (never held, expired at {@code now}, or
 * released) or already the caller's, and increments its epoch; two callers can never both succeed for one live
 * lease. {@link #renew} and {@link #release} act only while owner and epoch still match.
 */
public interface LeaseStore {

    /** Takes the lease when free, expired at {@code now}, or already {@code owner}'s; empty when another holds it. */
    Optional<Lease> acquire(String collection, String owner, Instant now, Duration ttl);

    /** Extends the lease if owner and epoch are still the caller's; empty when it was taken over. */
    Optional<Lease> renew(Lease lease, Instant now, Duration ttl);

    /** Makes the lease free at once, if it is still the caller's. Returns whether it was. */
    boolean release(Lease lease, Instant now);

    /** The leases of these collections (collections never leased have none). */
    List<Lease> leases(Collection<String> collections);

    /** Records that {@code instance} is alive until {@code now + ttl}. */
    void heartbeat(String instance, Instant now, Duration ttl);

    /** Instances whose heartbeat has not expired at {@code now}, sorted. */
    Set<String> liveInstances(Instant now);

    /** Removes the heartbeat of an instance that is shutting down, so the others re-divide at once. */
    void withdraw(String instance);

    /** Removes heartbeats that expired before {@code cutoff}: instances that died without a graceful stop. */
    void forgetInstancesExpiredBefore(Instant cutoff);
}
