package io.changestream.archiver.replay;

import io.changestream.archiver.checkpoint.CheckpointStore;
import java.util.Objects;
import java.util.Optional;

/**
 * Whether a replay holds the archive it reads against the tracker's flush log, and what it does with differences.
 *
 * <p>With a tracker, every file of the window is checked ({@link io.changestream.archiver.replay.verify.ArchiveLedger}
 * before anything is written, {@link io.changestream.archiver.replay.verify.LoggedRanges} while the bytes stream by),
 * and a difference fails the replay unless {@code allowDifferences} ({@code --allow-unverified}). Without one, the
 * replay can only refuse events that do not continue the history (clusterTime backwards, an event twice) and says
 * that the archive was not verified, and why.
 *
 * @param tracker          the tracker to read the flush log from; empty: not verified
 * @param unverifiedReason why there is no tracker, for the summary; empty when there is one
 * @param allowDifferences replay even when the archive differs from the flush log, saying so
 */
public record Verification(Optional<CheckpointStore> tracker, String unverifiedReason, boolean allowDifferences) {
    public Verification {
        Objects.requireNonNull(tracker, "tracker");
        Objects.requireNonNull(unverifiedReason, "unverifiedReason");
        if (tracker.isEmpty() && unverifiedReason.isBlank()) {
            throw new IllegalArgumentException("an unverified replay needs the reason it is not verified");
        }
    }

    /** Check the archive against this tracker's flush log. */
    public static Verification against(CheckpointStore tracker, boolean allowDifferences) {
        return new Verification(Optional.of(tracker), "", allowDifferences);
    }

    /** Do not check it: there is no tracker to check it against, for this reason. */
    public static Verification none(String reason) {
        return new Verification(Optional.empty(), reason, true);
    }
}
