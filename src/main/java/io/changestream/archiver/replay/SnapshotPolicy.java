package io.changestream.archiver.replay;

import io.changestream.archiver.snapshot.SnapshotLayout;
import java.util.Optional;

/**
 * {@code replay --snapshot}: {@code auto} (the newest complete snapshot that serves {@code --until}), {@code none}
 * (events only, as before snapshots existed), or one snapshot by id.
 */
public record SnapshotPolicy(boolean use, Optional<String> id) {
    public static final SnapshotPolicy AUTO = new SnapshotPolicy(true, Optional.empty());
    public static final SnapshotPolicy NONE = new SnapshotPolicy(false, Optional.empty());

    /** @throws IllegalArgumentException naming what is allowed */
    public static SnapshotPolicy parse(String text) {
        if (text == null || text.equals("auto")) {
            return AUTO;
        }
        if (text.equals("none")) {
            return NONE;
        }
        if (SnapshotLayout.isId(text)) {
            return new SnapshotPolicy(true, Optional.of(text));
        }
        throw new IllegalArgumentException("auto, none, or a snapshot id like 20261203T210823Z-0000000005 (see the "
                + "snapshots command)");
    }
}
