package io.changestream.archiver.pipeline;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.LeaseStore;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Splits the watched collections between the live instances through leases in the tracker
 * ({@link LeaseStore}) and keeps this instance's share of them.
 *
 * <h2>A round</h2>
 * Every {@link LeaseTiming#pollEvery()}, on one thread:
 * <ol>
 *   <li>Holds whose local deadline has passed are lost, before any tracker call, so a slow tracker cannot delay
 *       it: their pipelines stop capture and writes and drop what they buffered.</li>
 *   <li>When due ({@link LeaseTiming#renewEvery()}): the heartbeat, and a renewal of every hold. A renewal that
 *       matches nothing means another instance took the lease over: lost at once.</li>
 *   <li>The lease table and the live instances are read, and this instance's target is computed
 *       ({@link FairShare}).</li>
 *   <li>Above target, the excess is handed over: capture stops, the buffer is flushed, then the lease is
 *       released. Below target, free, expired and own leases are acquired, each with a new epoch.</li>
 * </ol>
 *
 * <h2>Invariants</h2>
 * <ul>
 *   <li>At most one hold per collection in this process; a pipeline writes only while its hold is writable.</li>
 *   <li>A live lease of another instance is never taken: rebalancing is always the holder's own handover, so
 *       no collection ever has two owners and a hand-over loses no buffered event.</li>
 *   <li>A lease is released only after its pipeline surrendered under its flush lock (no write in flight and
 *       none to come). When that cannot be promised, it is left to expire.</li>
 * </ul>
 * With one instance (the default deployment) the first round acquires every collection whose lease is free or
 * already this instance's, so it starts as fast as without leases. A new instance id after a kill waits for the
 * dead one's leases and heartbeat to expire: at most the TTL after its last renewal.
 *
 * <h2>Threads</h2>
 * Rounds run on the coordinator's own thread ({@code leases}, a single-thread scheduler); {@link #fenced} is called
 * from a flush thread and hops to it; {@link #start}, {@link #drain}, {@link #release} and {@link #close} run on the
 * service's thread; {@link #view} is read anywhere. {@code held}, {@code handingOver}, {@code lastHeartbeat},
 * {@code failing}, {@code closed} and {@code rounds} are guarded by this object's monitor: a round holds it
 * throughout, tracker calls included, and only rounds, handover completions and shutdown take it. {@code view} is a
 * volatile immutable record replaced at the end of each round; {@code draining} is volatile so that shutdown need
 * not wait for a round stuck on the tracker. Handovers flush on the flush scheduler and report back through
 * {@code handedOver}, under the monitor; {@link Pipelines#acquired} must return at once (the pipeline starts in the
 * background).
 */
final class LeaseCoordinator implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LeaseCoordinator.class);

    /** What the coordinator asks of the pipelines. */
    interface Pipelines {
        /** Start archiving the hold's collection; must return quickly. */
        void acquired(LeaseHold hold);

        /** The hold is revoked already: stop capture now and drop the buffered events. */
        void lost(LeaseHold hold);

        /**
         * Stop capture, flush, and surrender. Completes with true once nothing more will be written under the
         * hold, so the lease may be released; with false when that cannot be promised.
         */
        Mono<Boolean> handOver(LeaseHold hold);
    }

    /** What the last round saw, for status and readiness. */
    record View(Map<String, Lease> table, Set<String> live, int target, int held, Optional<String> problem,
                boolean settled) {
    }

    private final List<String> collections;
    private final String instanceId;
    private final LeaseStore store;
    private final Clock clock;
    private final LeaseTiming timing;
    private final Pipelines pipelines;
    private final Map<String, LeaseHold> held = new LinkedHashMap<>();
    private final Set<String> handingOver = new HashSet<>();
    private volatile View view;
    private Instant lastHeartbeat;
    private volatile boolean draining;
    private boolean failing;
    private boolean closed;
    private volatile Scheduler thread;
    private Disposable rounds;

    LeaseCoordinator(List<String> collections, String instanceId, LeaseStore store, Clock clock,
                     LeaseTiming timing, Pipelines pipelines) {
        this.collections = List.copyOf(collections);
        this.instanceId = instanceId;
        this.store = store;
        this.clock = clock;
        this.timing = timing;
        this.pipelines = pipelines;
        this.view = new View(Map.of(), Set.of(), collections.size(), 0, Optional.of("no lease round has run yet"),
                false);
    }

    /** Runs the first round now (in the background) and then every {@link LeaseTiming#pollEvery()}. */
    synchronized void start() {
        thread = Schedulers.newSingle("leases", true);
        rounds = thread.schedulePeriodically(this::round, 0, timing.pollEvery().toMillis(), TimeUnit.MILLISECONDS);
    }

    View view() {
        return view;
    }

    String instanceId() {
        return instanceId;
    }

    /** One round (see the class comment). Never throws: a failure is kept in the view. */
    synchronized void round() {
        if (closed) {
            return;
        }
        Instant now = clock.instant();
        for (LeaseHold hold : new ArrayList<>(held.values())) {
            if (!now.isBefore(hold.deadline())) {
                lose(hold, "it could not be renewed in time (deadline " + hold.deadline() + ")");
            }
        }
        try {
            if (lastHeartbeat == null || !now.isBefore(lastHeartbeat.plus(timing.renewEvery()))) {
                store.heartbeat(instanceId, now, timing.ttl());
                store.forgetInstancesExpiredBefore(now.minus(timing.ttl().multipliedBy(10)));
                lastHeartbeat = now;
            }
            renewDue(now);
            Map<String, Lease> table = new HashMap<>();
            store.leases(collections).forEach(l -> table.put(l.collection(), l));
            Set<String> live = store.liveInstances(now);
            int target = FairShare.target(collections.size(), instanceId, live, holdings(table, now));
            if (!draining) {
                shedAbove(target);
                acquireUpTo(target, table, now);
            }
            report(new View(Map.copyOf(table), Set.copyOf(live), target, held.size() - handingOver.size(),
                    Optional.empty(), true));
        } catch (RuntimeException e) {
            View last = view;
            report(new View(last.table(), last.live(), last.target(), held.size() - handingOver.size(),
                    Optional.of("lease round failed: " + e.getMessage()), last.settled()));
        }
    }

    /** The hold's writer was refused: by the tracker (a newer epoch) or by the hold itself (deadline passed). */
    void fenced(LeaseHold hold) {
        Runnable lose = () -> {
            synchronized (this) {
                if (held.get(hold.collection()) == hold) {
                    lose(hold, "a write under it was refused (another instance holds a newer epoch, or the "
                            + "deadline passed)");
                }
            }
        };
        if (thread == null) {
            lose.run();
        } else if (!thread.isDisposed()) {
            try {
                thread.schedule(lose);
            } catch (RejectedExecutionException stopped) {
                // The coordinator stopped meanwhile: every hold is revoked already.
            }
        }
    }

    /** Graceful shutdown begins: no acquisitions or handovers any more; renewals go on until {@link #release}. */
    void drain() {
        draining = true; // volatile, not under the lock: a round may be waiting for an unreachable tracker
    }

    /**
     * Releases the leases of these surrendered holds and withdraws this instance's heartbeat, then stops. Holds not
     * given (their final flush did not finish) are revoked and left to expire.
     */
    synchronized void release(Collection<LeaseHold> surrendered) {
        held.values().stream().filter(h -> !surrendered.contains(h))
                .forEach(h -> h.revoke("shutdown before its final flush finished"));
        if (view.problem().isPresent()) {
            // Each call would wait out the tracker's server selection timeout, past the shutdown budget.
            log.warn("the tracker did not answer the last lease round: leases are left to expire within {} s",
                    timing.ttl().toSeconds());
            close();
            return;
        }
        for (LeaseHold hold : surrendered) {
            if (held.remove(hold.collection(), hold)) {
                hold.revoke("released at shutdown");
                releaseQuietly(hold);
            }
        }
        try {
            store.withdraw(instanceId);
        } catch (RuntimeException e) {
            log.warn("could not withdraw the heartbeat of {}: {}; it expires by itself", instanceId, e.getMessage());
        }
        close();
    }

    /** Stops the rounds without releasing anything (held leases expire after the TTL). */
    @Override
    public synchronized void close() {
        closed = true;
        held.values().forEach(h -> h.revoke("lease rounds stopped"));
        if (rounds != null) {
            rounds.dispose();
            thread.dispose();
        }
    }

    private void renewDue(Instant now) {
        for (LeaseHold hold : new ArrayList<>(held.values())) {
            if (now.isBefore(hold.renewedAt().plus(timing.renewEvery()))) {
                continue;
            }
            Optional<Lease> renewed = store.renew(hold.lease(), now, timing.ttl());
            if (renewed.isPresent()) {
                hold.extend(now, renewed.get().expiresAt().minus(timing.safetyMargin()));
            } else {
                lose(hold, "another instance took it over (the tracker holds another owner or epoch)");
            }
        }
    }

    private Map<String, Integer> holdings(Map<String, Lease> table, Instant now) {
        Map<String, Integer> counts = new HashMap<>();
        table.values().stream().filter(l -> l.liveAt(now) && !l.owner().equals(instanceId))
                .forEach(l -> counts.merge(l.owner(), 1, Integer::sum));
        counts.put(instanceId, held.size() - handingOver.size());
        return counts;
    }

    private void shedAbove(int target) {
        List<LeaseHold> keep = new ArrayList<>(held.values());
        keep.removeIf(h -> handingOver.contains(h.collection()));
        Collections.reverse(keep);
        for (int i = 0; i < keep.size() - target; i++) {
            LeaseHold hold = keep.get(i);
            handingOver.add(hold.collection());
            log.info("handing {} over: this instance holds {} collections and its fair share is {}",
                    hold.collection(), keep.size(), target);
            pipelines.handOver(hold).subscribe(quiet -> handedOver(hold, quiet), e -> handedOver(hold, false));
        }
    }

    private synchronized void handedOver(LeaseHold hold, boolean quiet) {
        handingOver.remove(hold.collection());
        hold.revoke("handed over");
        if (held.remove(hold.collection(), hold) && quiet) {
            releaseQuietly(hold);
        }
    }

    private void acquireUpTo(int target, Map<String, Lease> table, Instant now) {
        int have = held.size() - handingOver.size();
        for (String collection : collections) {
            if (have >= target) {
                return;
            }
            Lease current = table.get(collection);
            if (held.containsKey(collection)
                    || (current != null && current.liveAt(now) && !current.owner().equals(instanceId))) {
                continue;
            }
            Optional<Lease> acquired = store.acquire(collection, instanceId, now, timing.ttl());
            if (acquired.isEmpty()) {
                continue; // another instance was faster
            }
            Lease lease = acquired.get();
            LeaseHold hold = new LeaseHold(lease, clock, lease.expiresAt().minus(timing.safetyMargin()));
            held.put(collection, hold);
            table.put(collection, lease);
            have++;
            log.info("acquired the lease of {} (epoch {}{})", collection, lease.epoch(),
                    current == null ? ", first owner" : ", previous owner " + current.owner());
            pipelines.acquired(hold);
        }
    }

    private void lose(LeaseHold hold, String why) {
        hold.revoke(why);
        held.remove(hold.collection(), hold);
        handingOver.remove(hold.collection());
        log.warn("lost the lease of {} (epoch {}): {}; capture and writes stopped, the next owner captures the "
                + "unarchived events again", hold.collection(), hold.lease().epoch(), why);
        pipelines.lost(hold);
    }

    private void releaseQuietly(LeaseHold hold) {
        try {
            store.release(hold.lease(), clock.instant());
            log.info("released the lease of {} (epoch {})", hold.collection(), hold.lease().epoch());
        } catch (RuntimeException e) {
            log.warn("could not release the lease of {}: {}; it expires within {} s", hold.collection(),
                    e.getMessage(), timing.ttl().toSeconds());
        }
    }

    /** Logs a failing round once when the failures start, and once when they end. */
    private void report(View next) {
        view = next;
        if (next.problem().isPresent() && !failing) {
            failing = true;
            log.warn("{}; retrying every {} ms; held leases stay valid until their deadline", next.problem().get(),
                    timing.pollEvery().toMillis());
        } else if (next.problem().isPresent()) {
            log.debug("{}", next.problem().get());
        } else if (failing) {
            failing = false;
            log.info("lease rounds succeed again: holding {} of {} collections (fair share {})", next.held(),
                    collections.size(), next.target());
        }
    }
}
