package io.changestream.archiver.checkpoint;

import java.util.Locale;

/** Why a flush ran. Recorded in every flush log entry and in the {@code trigger} metric tag. */
public enum FlushTrigger {
    /** A buffer reached FLUSH_MAX_EVENTS / FLUSH_MAX_BYTES, or all buffers reached BUFFER_MAX_BYTES. */
    SIZE,
    /** FLUSH_SCHEDULE fired. */
    SCHEDULE,
    /** POST /flush or an internal caller. */
    MANUAL,
    /** SIGTERM / SIGINT. */
    SHUTDOWN,
    /** This instance hands the collection's lease to another (the fair share changed): its last flush. */
    HANDOVER,
    /** Bytes found in the store beyond the checkpoint (a crash, or an ambiguous store answer) were adopted. */
    RECOVERY;

    /** The lower-case name used in the tracker and in metrics. */
    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
