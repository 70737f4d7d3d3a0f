package io.changestream.archiver.store;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What this writer last saw of each ADLS file it touched: the committed length, the ETag of that commit, and an
 * unsettled commit whose outcome it never learned. {@link AdlsArchiveStore} flushes with {@code If-Match} on that
 * ETag, so a commit by anyone else makes our next flush fail instead of interleaving bytes.
 *
 * <p>Invariants:
 * <ul>
 *   <li>The ETag of a path changes here only to one this writer received from its own successful create or flush,
 *       or to one it proved is its own: the length moved to exactly the end of its unsettled commit and the bytes
 *       there hash to what it sent ({@link Unsettled}).</li>
 *   <li>A path on which another writer's commit was detected is stopped for the life of this process: every later
 *       append fails with the recorded reason. Learning a foreign state silently would turn the fence into a blind
 *       append; a restart (a fresh fence, after the tracker lease is settled) is the way back.</li>
 * </ul>
 */
final class EtagFence {

    /** The state of one file as this writer knows it; {@code etag == null} means the file did not exist. */
    record Seen(long length, String etag, Unsettled unsettled) {
        static Seen absent() {
            return new Seen(0, null, null);
        }

        boolean exists() {
            return etag != null;
        }
    }

    /** A flush of {@code [start, end)} whose answer was lost; {@code sha256} is the hash of the bytes sent. */
    record Unsettled(long start, long end, byte[] sha256) {
        boolean matches(byte[] committedSha256) {
            return Arrays.equals(sha256, committedSha256);
        }
    }

    private final Map<String, Seen> seen = new ConcurrentHashMap<>();
    private final Map<String, String> stopped = new ConcurrentHashMap<>();

    Optional<Seen> seen(String path) {
        return Optional.ofNullable(seen.get(path));
    }

    /** Remembers a state this writer created, or learned on first touch. */
    void record(String path, long length, String etag) {
        seen.put(path, new Seen(length, etag, null));
    }

    /** Remembers the first state of a path only; a later read must not overwrite what the fence relies on. */
    void learnIfUnknown(String path, Seen state) {
        seen.putIfAbsent(path, state);
    }

    /** Our flush of {@code [start, end)} may or may not have committed; settle it before the next append. */
    void unsettled(String path, Seen before, Unsettled flush) {
        seen.put(path, new Seen(before.length(), before.etag(), flush));
    }

    /** Clears what an unsettled flush left behind once the file showed it did not commit. */
    void settledAsNotCommitted(String path, Seen before) {
        seen.put(path, new Seen(before.length(), before.etag(), null));
    }

    /** The path was deleted by this process ({@code prune}); what was seen of it no longer holds. */
    void forget(String path) {
        seen.remove(path);
    }

    void stop(String path, String reason) {
        stopped.putIfAbsent(path, reason);
    }

    Optional<String> stoppedReason(String path) {
        return Optional.ofNullable(stopped.get(path));
    }
}
