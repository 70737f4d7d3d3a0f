package io.changestream.archiver.pipeline;

import java.time.Instant;
import java.util.Objects;
import org.bson.BsonTimestamp;

/**
 * Where capture of a collection without a checkpoint begins: the source cluster's operation time read when this
 * process started ({@link FirstStart}), before anything could wait on the store or the tracker. A fresh collection's
 * change stream opens at this time ({@code startAtOperationTime}, inclusive), however late recovery succeeds, and
 * its first checkpoint records it. It is also the natural point in time of anything that must describe the
 * collection "as capture found it" (a snapshot taken for the archive's start belongs at this time).
 *
 * @param operationTime the cluster's operation time ({@code operationTime} of a {@code ping})
 * @param readAt        when this process read it, by its own clock (for logs and status only)
 */
public record CaptureStart(BsonTimestamp operationTime, Instant readAt) {
    public CaptureStart {
        Objects.requireNonNull(operationTime, "operationTime");
        Objects.requireNonNull(readAt, "readAt");
    }

    /** The operation time as operators read it: {@code <seconds>:<increment>} (the form {@code replay --until} takes). */
    public String describe() {
        return Integer.toUnsignedString(operationTime.getTime()) + ":" + Integer.toUnsignedString(operationTime.getInc())
                + " (" + Instant.ofEpochSecond(Integer.toUnsignedLong(operationTime.getTime())) + ")";
    }
}
