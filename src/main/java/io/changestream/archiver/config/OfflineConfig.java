package io.changestream.archiver.config;

import io.changestream.archiver.config.ArchiverConfig.Store;
import io.changestream.archiver.config.ArchiverConfig.Tracker;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the commands that read the archive ({@code replay}, {@code verify}, {@code status}) take from the same
 * environment as {@code run}: the store, the tracker when the command needs it, and the watched collections when
 * they are configured. The source settings are not required, so these commands work on a machine that can reach
 * the archive (and tracker) but not the source cluster.
 *
 * @param store       where the archive is
 * @param tracker     the tracker, present when the command asked for it
 * @param collections {@code MONGODB_COLLECTIONS} when set, else empty (the commands then discover collections)
 */
public record OfflineConfig(Store store, Optional<Tracker> tracker, List<String> collections) {
    public OfflineConfig {
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(tracker, "tracker");
        collections = List.copyOf(collections);
    }
}
