package io.changestream.archiver.checkpoint;

import java.time.Instant;
import java.util.Objects;

/**
 * One collection's lease as the tracker holds it: which instance may archive the collection, under which epoch,
 * and until when. See {@link MongoLeaseStore} for the protocol.
 *
 * <p>The epoch is the fencing token. It grows by one at every acquisition (a takeover, or a restart of the same
 * instance), never at a renewal, so a writer that carries an older epoch is provably not the current owner.
 *
 * @param collection the watched collection
 * @param owner      {@code INSTANCE_ID} of the holder (the last holder once the lease has expired)
 * @param epoch      fencing token, &gt;= 1
 * @param expiresAt  the holder's clock time after which any instance may take the lease over
 * @param renewedAt  when the holder last acquired or renewed it
 */
public record Lease(String collection, String owner, long epoch, Instant expiresAt, Instant renewedAt) {
    public Lease {
        Objects.requireNonNull(collection, "collection");
        Objects.requireNonNull(owner, "owner");
        Objects.requireNonNull(expiresAt, "expiresAt");
        Objects.requireNonNull(renewedAt, "renewedAt");
        if (epoch < 1) {
            throw new IllegalArgumentException("lease epoch must be >= 1, got " + epoch + " for " + collection);
        }
    }

    /** True while the lease has not expired at {@code now}. */
    public boolean liveAt(Instant now) {
        return expiresAt.isAfter(now);
    }

    /** The same lease (owner and epoch) with a later expiry. */
    public Lease renewed(Instant renewedAt, Instant expiresAt) {
        return new Lease(collection, owner, epoch, expiresAt, renewedAt);
    }
}
