package io.changestream.archiver.capture;

import java.time.Instant;
import org.bson.BsonTimestamp;

/**
 * Cluster times as instants. A {@link BsonTimestamp}'s seconds are an <i>unsigned</i> 32-bit count since the epoch,
 * while {@link BsonTimestamp#getTime()} returns them as a signed {@code int}: read without the mask, every time after
 * 2038-01-19 would turn negative (1901).
 */
public final class ClusterTimes {
    private ClusterTimes() {
    }

    /** The whole second of a cluster time (its increment orders events within the second and is dropped). */
    public static Instant instant(BsonTimestamp clusterTime) {
        return Instant.ofEpochSecond(clusterTime.getTime() & 0xFFFF_FFFFL);
    }
}
