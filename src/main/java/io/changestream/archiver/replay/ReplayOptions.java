package io.changestream.archiver.replay;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One replay, as the command line asked for it (already validated).
 *
 * @param collections archived collections to replay, in this order
 * @param window      the clusterTime window
 * @param renames     target collection name by archived name; unmapped collections keep their name
 * @param onDdl       what to do at drop, rename, dropDatabase and invalidate events
 * @param batchSize   writes per bulk write
 * @param snapshot    whether and which snapshot to restore first ({@code replay --snapshot}); empty: events only,
 *                    and nothing said about snapshots
 * @param ids         {@code replay --ids}: restore only these documents (by {@code _id}); empty: all
 */
public record ReplayOptions(List<String> collections, ReplayWindow window, Map<String, String> renames,
                            DdlPolicy onDdl, int batchSize, java.util.Optional<SnapshotPolicy> snapshot,
                            java.util.Set<org.bson.BsonValue> ids) {
    public static final int DEFAULT_BATCH_SIZE = 1000;

    /** Every document. */
    public ReplayOptions(List<String> collections, ReplayWindow window, Map<String, String> renames, DdlPolicy onDdl,
                         int batchSize, java.util.Optional<SnapshotPolicy> snapshot) {
        this(collections, window, renames, onDdl, batchSize, snapshot, java.util.Set.of());
    }

    /** Events only, as before snapshots existed. */
    public ReplayOptions(List<String> collections, ReplayWindow window, Map<String, String> renames, DdlPolicy onDdl,
                         int batchSize) {
        this(collections, window, renames, onDdl, batchSize, java.util.Optional.empty());
    }

    public ReplayOptions {
        collections = List.copyOf(collections);
        Objects.requireNonNull(window, "window");
        renames = Map.copyOf(renames);
        Objects.requireNonNull(onDdl, "onDdl");
        Objects.requireNonNull(snapshot, "snapshot");
        ids = java.util.Set.copyOf(ids);
        if (batchSize < 1) {
            throw new IllegalArgumentException("batchSize must be at least 1, got " + batchSize);
        }
    }

    public String targetOf(String collection) {
        return renames.getOrDefault(collection, collection);
    }
}
