package io.changestream.archiver.replay;

import io.changestream.archiver.replay.verify.Finding;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What a replay did, counted per collection and per operation, with the first failures and every DDL event. Filled
 * in by {@link Replayer} as it goes (one thread), read once at the end; {@link ReplaySummaryText} renders it.
 *
 * <p>Every event in the window ends up in exactly one of: applied, skipped (not a failure, with its reason),
 * failed, or not reached (after a stop).
 *
 * <p>Apart from the events, the summary says whether the archive was verified against the tracker's flush log
 * ({@link Verification}) and lists every difference found: a replay that found one fails unless the differences
 * were allowed ({@code --allow-unverified}), and one that found them before writing anything was {@link #refused()}.
 */
public final class ReplaySummary {
    /** Failures kept with their details; the rest are only counted. */
    public static final int FAILURES_SHOWN = 20;

    private final Map<String, Tally> collections = new LinkedHashMap<>();
    private final List<Failure> failures = new ArrayList<>();
    private final List<Notice> notices = new ArrayList<>();
    private final ReplayWindow window;
    private final String target;
    private final boolean dryRun;
    private long failureCount;
    private Duration elapsed = Duration.ZERO;
    private final List<Mismatch> mismatches = new ArrayList<>();
    private long mismatchCount;
    private String unverifiedReason = "no tracker was given";
    private boolean allowDifferences = true;
    private boolean refused;

    /** Per collection, the last event a completed write covered; read by an interrupt from another thread. */
    private final Map<String, String> appliedUpTo = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<String> replayed = new java.util.concurrent.CopyOnWriteArrayList<>();

    public ReplaySummary(ReplayWindow window, String target, boolean dryRun) {
        this.window = window;
        this.target = target;
        this.dryRun = dryRun;
    }

    /** One failed event: where it is, what it was and why it failed. */
    public record Failure(String collection, String location, String operation, String documentId, String reason) {
    }

    /** A DDL event met, a stop, a torn tail, a path conflict: worth reading, not a failure unless counted as one. */
    public record Notice(String collection, String location, String message) {
    }

    /** A difference between a collection's archive and the tracker's flush log. */
    public record Mismatch(String collection, Finding finding) {
    }

    /** Counts of one collection. */
    public static final class Tally {
        private final String target;
        private final Map<Operation, long[]> byOperation = new EnumMap<>(Operation.class);
        private final Map<String, Long> skipReasons = new LinkedHashMap<>();
        private int files;
        private long unreadable;
        private long missedUpdates;
        private long missedDeletes;
        private String stoppedAt;

        Tally(String target) {
            this.target = target;
        }

        private long[] of(Operation op) {
            return byOperation.computeIfAbsent(op, o -> new long[3]);
        }

        public String target() {
            return target;
        }

        public int files() {
            return files;
        }

        public long applied(Operation op) {
            return byOperation.containsKey(op) ? byOperation.get(op)[0] : 0;
        }

        public long skipped(Operation op) {
            return byOperation.containsKey(op) ? byOperation.get(op)[1] : 0;
        }

        public long failed(Operation op) {
            return byOperation.containsKey(op) ? byOperation.get(op)[2] : 0;
        }

        public long events() {
            return byOperation.values().stream().mapToLong(c -> c[0] + c[1] + c[2]).sum();
        }

        public long applied() {
            return byOperation.values().stream().mapToLong(c -> c[0]).sum();
        }

        public long skipped() {
            return byOperation.values().stream().mapToLong(c -> c[1]).sum();
        }

        /** Failed events, and lines that could not be read (their operation is unknown). */
        public long failed() {
            return byOperation.values().stream().mapToLong(c -> c[2]).sum() + unreadable;
        }

        public long unreadable() {
            return unreadable;
        }

        public Map<String, Long> skipReasons() {
            return skipReasons;
        }

        public long missedUpdates() {
            return missedUpdates;
        }

        public long missedDeletes() {
            return missedDeletes;
        }

        public Optional<String> stoppedAt() {
            return Optional.ofNullable(stoppedAt);
        }
    }

    Tally collection(String name, String targetName) {
        if (!replayed.contains(name)) {
            replayed.add(name);
        }
        return collections.computeIfAbsent(name, n -> new Tally(targetName));
    }

    void files(String collection, int files) {
        collections.get(collection).files = files;
    }

    void applied(String collection, Operation op) {
        collections.get(collection).of(op)[0]++;
    }

    void skipped(String collection, Operation op, String reason) {
        Tally t = collections.get(collection);
        t.of(op)[1]++;
        t.skipReasons.merge(reason, 1L, Long::sum);
    }

    /** Counts a failed event; {@code op} is null for a line that could not be read at all. */
    void failed(String collection, Operation op, Failure failure) {
        if (op != null) {
            collections.get(collection).of(op)[2]++;
        } else {
            collections.get(collection).unreadable++;
        }
        failureCount++;
        if (failures.size() < FAILURES_SHOWN) {
            failures.add(failure);
        }
    }

    void missed(String collection, long updates, long deletes) {
        Tally t = collections.get(collection);
        t.missedUpdates += updates;
        t.missedDeletes += deletes;
    }

    void stopped(String collection, String at) {
        collections.get(collection).stoppedAt = at;
    }

    void notice(String collection, String location, String message) {
        notices.add(new Notice(collection, location, message));
    }

    /** How the archive is checked: set once, before the replay. */
    void verification(Verification verification) {
        this.unverifiedReason = verification.tracker().isPresent() ? null : verification.unverifiedReason();
        this.allowDifferences = verification.allowDifferences();
    }

    void mismatch(String collection, Finding finding) {
        mismatchCount++;
        if (mismatches.size() < FAILURES_SHOWN) {
            mismatches.add(new Mismatch(collection, finding));
        }
    }

    void refuse() {
        refused = true;
    }

    void elapsed(Duration elapsed) {
        this.elapsed = elapsed;
    }

    public Map<String, Tally> collections() {
        return collections;
    }

    public List<Failure> failures() {
        return failures;
    }

    /** Every failure, including those not kept in {@link #failures()}; unreadable lines included. */
    public long failureCount() {
        return failureCount;
    }

    public List<Notice> notices() {
        return notices;
    }

    public boolean stopped() {
        return collections.values().stream().anyMatch(t -> t.stoppedAt != null);
    }

    /**
     * True when every event of the window was applied or skipped for a reason that is not a failure, and the archive
     * matched the flush log (or was not checked against it, or its differences were allowed).
     */
    public boolean succeeded() {
        return failureCount == 0 && !stopped() && !refused && (mismatchCount == 0 || allowDifferences);
    }

    /** True when the archive was checked against the flush log and matched it. */
    public boolean verified() {
        return unverifiedReason == null && mismatchCount == 0;
    }

    /** Why the archive was not checked against the flush log; empty when it was. */
    public Optional<String> unverifiedReason() {
        return Optional.ofNullable(unverifiedReason);
    }

    /** The first differences from the flush log, in the order found. */
    public List<Mismatch> mismatches() {
        return mismatches;
    }

    /** Every difference from the flush log, including those not kept in {@link #mismatches()}. */
    public long mismatchCount() {
        return mismatchCount;
    }

    public boolean differencesAllowed() {
        return allowDifferences;
    }

    /** True when differences found before anything was written stopped the replay from writing at all. */
    public boolean refused() {
        return refused;
    }

    public ReplayWindow window() {
        return window;
    }

    public String target() {
        return target;
    }

    public boolean dryRun() {
        return dryRun;
    }

    public Duration elapsed() {
        return elapsed;
    }

    public long events() {
        return collections.values().stream().mapToLong(Tally::events).sum();
    }

    /** Records that every write of {@code collection} up to {@code position} is done (or dry-run planned). */
    void appliedUpTo(String collection, String position) {
        appliedUpTo.put(collection, position);
    }

    /**
     * Where each replayed collection stands: {@code <seconds>:<increment> (file:line)} of the last event a completed
     * bulk write covered, or empty when nothing of it was written yet. Safe from any thread (an interrupt).
     */
    public Map<String, Optional<String>> appliedUpTo() {
        Map<String, Optional<String>> out = new LinkedHashMap<>();
        replayed.forEach(c -> out.put(c, Optional.ofNullable(appliedUpTo.get(c))));
        return out;
    }
}
