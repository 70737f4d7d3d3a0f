package io.changestream.archiver.testing;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.LeaseStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Leases and heartbeats in memory, for unit tests; the same rules as the tracker collection (LeaseStoreTest). */
public final class InMemoryLeaseStore implements LeaseStore {
    private final Map<String, Lease> leases = new HashMap<>();
    private final Map<String, Instant> heartbeats = new TreeMap<>();

    @Override
    public synchronized Optional<Lease> acquire(String collection, String owner, Instant now, Duration ttl) {
        Lease current = leases.get(collection);
        if (current != null && current.liveAt(now) && !current.owner().equals(owner)) {
            return Optional.empty();
        }
        Lease next = new Lease(collection, owner, current == null ? 1 : current.epoch() + 1, now.plus(ttl), now);
        leases.put(collection, next);
        return Optional.of(next);
    }

    @Override
    public synchronized Optional<Lease> renew(Lease lease, Instant now, Duration ttl) {
        if (!mine(lease)) {
            return Optional.empty();
        }
        Lease renewed = lease.renewed(now, now.plus(ttl));
        leases.put(lease.collection(), renewed);
        return Optional.of(renewed);
    }

    @Override
    public synchronized boolean release(Lease lease, Instant now) {
        if (!mine(lease)) {
            return false;
        }
        leases.put(lease.collection(), new Lease(lease.collection(), lease.owner(), lease.epoch(), Instant.EPOCH,
                leases.get(lease.collection()).renewedAt()));
        return true;
    }

    @Override
    public synchronized List<Lease> leases(Collection<String> collections) {
        return collections.stream().map(leases::get).filter(l -> l != null).toList();
    }

    @Override
    public synchronized void heartbeat(String instance, Instant now, Duration ttl) {
        heartbeats.put(instance, now.plus(ttl));
    }

    @Override
    public synchronized Set<String> liveInstances(Instant now) {
        return heartbeats.entrySet().stream().filter(e -> e.getValue().isAfter(now)).map(Map.Entry::getKey)
                .collect(Collectors.toCollection(java.util.LinkedHashSet::new));
    }

    @Override
    public synchronized void withdraw(String instance) {
        heartbeats.remove(instance);
    }

    @Override
    public synchronized void forgetInstancesExpiredBefore(Instant cutoff) {
        heartbeats.values().removeIf(expiry -> expiry.isBefore(cutoff));
    }

    private boolean mine(Lease lease) {
        Lease current = leases.get(lease.collection());
        return current != null && current.owner().equals(lease.owner()) && current.epoch() == lease.epoch();
    }
}
