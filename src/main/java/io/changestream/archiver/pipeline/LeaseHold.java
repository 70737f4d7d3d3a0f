package io.changestream.archiver.pipeline;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.LeaseLostException;
import java.time.Clock;
import java.time.Instant;

/**
 * This process's right to write one collection: the {@link Lease} it acquired, whose epoch every tracker write
 * carries (the fence the tracker checks), and a local deadline, which the writer checks before every store or
 * tracker write (the fence this process checks itself).
 *
 * <p>The deadline is the lease's expiry minus {@link LeaseTiming#safetyMargin()}, by this process's clock, and
 * moves on with every renewal. A process that cannot renew (tracker unreachable, partitioned) therefore stops
 * writing a margin <i>before</i> any other instance may take the lease over, as long as the clocks of the two
 * differ by less than that margin. {@link #revoke} ends the hold at once: the lease was lost, taken over, or
 * handed on. A revoked hold never becomes writable again; the next acquisition makes a new hold with a new epoch.
 */
public final class LeaseHold {
    private final Lease lease;
    private final Clock clock;
    private volatile Instant deadline;
    private volatile Instant renewedAt;
    private volatile String revoked;

    /**
     * @param deadline when writing must stop unless a renewal extends it: the lease's expiry minus the safety
     *                 margin
     */
    public LeaseHold(Lease lease, Clock clock, Instant deadline) {
        this.lease = lease;
        this.clock = clock;
        this.deadline = deadline;
        this.renewedAt = lease.renewedAt();
    }

    /** The lease as acquired: collection, owner and the epoch that fences this holder's writes. */
    public Lease lease() {
        return lease;
    }

    public String collection() {
        return lease.collection();
    }

    /** @throws LeaseLostException when this holder must not write any more */
    public void checkWritable() {
        String why = revoked;
        if (why == null && !clock.instant().isBefore(deadline)) {
            why = "its lease could not be renewed before " + deadline + " (expiry minus the safety margin)";
        }
        if (why != null) {
            throw new LeaseLostException(lease.collection(), lease.epoch(), "this instance (" + lease.owner()
                    + ") may no longer write " + lease.collection() + " under lease epoch " + lease.epoch() + ": "
                    + why);
        }
    }

    public boolean writable() {
        return revoked == null && clock.instant().isBefore(deadline);
    }

    public boolean revoked() {
        return revoked != null;
    }

    Instant deadline() {
        return deadline;
    }

    Instant renewedAt() {
        return renewedAt;
    }

    /** A renewal sent at {@code at} succeeded: writing stays allowed until {@code newDeadline}. */
    void extend(Instant at, Instant newDeadline) {
        renewedAt = at;
        if (newDeadline.isAfter(deadline)) {
            deadline = newDeadline;
        }
    }

    /** Ends the hold for good; the first reason sticks. */
    synchronized void revoke(String why) {
        if (revoked == null) {
            revoked = why;
        }
    }

    @Override
    public String toString() {
        return lease.collection() + "@epoch" + lease.epoch();
    }
}
