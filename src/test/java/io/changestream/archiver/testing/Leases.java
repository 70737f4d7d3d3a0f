package io.changestream.archiver.testing;

import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.pipeline.LeaseHold;
import java.time.Clock;
import java.time.Instant;

/** Lease holds for tests that are not about leases. */
public final class Leases {
    private Leases() {
    }

    /** A hold of {@code collection} under {@code epoch} that stays writable until revoked. */
    public static LeaseHold hold(String collection, long epoch) {
        return new LeaseHold(new Lease(collection, "test-instance", epoch, Instant.MAX, Instant.now()),
                Clock.systemUTC(), Instant.MAX);
    }
}
