package io.changestream.archiver.replay;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/**
 * What replay does at a {@code drop}, {@code rename}, {@code dropDatabase} or {@code invalidate} event
 * ({@code --on-ddl}). Every such event is reported whatever the policy.
 */
public enum DdlPolicy {
    /**
     * The default: the collection's replay ends before the event, nothing is dropped or renamed, and the replay
     * exits 1 naming the event and its time, so the operator chooses: {@code --until} just before it (a restore to
     * before an accidental drop), or {@code apply}/{@code skip}. Destroying data is never the silent default.
     */
    STOP,
    /**
     * Applies it to the target: {@code drop} drops the target collection; {@code rename} renames it to the event's
     * new name (mapped through {@code --rename}) in the target database; {@code dropDatabase} drops the target
     * collection only, never the rest of the target database; {@code invalidate} has nothing to apply.
     */
    APPLY,
    /** Reports it and goes on with the next event, leaving the target collection as it is. */
    SKIP;

    public String text() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<DdlPolicy> parse(String text) {
        return Arrays.stream(values()).filter(p -> p.text().equals(text)).findFirst();
    }
}
