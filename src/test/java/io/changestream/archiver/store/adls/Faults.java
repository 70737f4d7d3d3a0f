package io.changestream.archiver.store.adls;

import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * Failures the DFS server injects, set per test. Each request consults them twice: before it is served
 * ({@link #failBeforeServing}: the request is not applied) and after it was applied ({@link #failAfterServing}:
 * the change stands but the answer is lost). An injected failure is a {@code 503 ServerBusy}, which the SDK
 * retries. Random choices are seeded, so a failing run can be replayed.
 */
public final class Faults {
    /** Flush (commit) requests. */
    public static final Predicate<DfsRequest> FLUSHES = request -> request.is("PATCH", "action", "flush");
    /** Append (stage) requests. */
    public static final Predicate<DfsRequest> APPENDS = request -> request.is("PATCH", "action", "append");
    public static final Predicate<DfsRequest> ANY = request -> true;

    private int failNext;
    private Predicate<DfsRequest> failNextWhich = ANY;
    private double failProbability;
    private double loseProbability;
    private Random random = new Random(0);
    private Duration delayAll = Duration.ZERO;
    private int delayNext;
    private Predicate<DfsRequest> delayNextWhich = ANY;
    private Duration delayNextBy = Duration.ZERO;
    private boolean outage;
    private int commitThenFail;
    private final AtomicInteger injected = new AtomicInteger();

    /** The next {@code requests} requests answer 503 without being served. */
    public synchronized Faults failNext(int requests) {
        return failNext(requests, ANY);
    }

    /** The next {@code requests} requests matching {@code which} answer 503 without being served. */
    public synchronized Faults failNext(int requests, Predicate<DfsRequest> which) {
        failNext = requests;
        failNextWhich = which;
        return this;
    }

    /** Each request answers 503, unserved, with this probability. */
    public synchronized Faults failRandomly(double probability, long seed) {
        failProbability = probability;
        random = new Random(seed);
        return this;
    }

    /** Each request is served and then answers 503 with this probability: the change stands, the answer is lost. */
    public synchronized Faults loseAnswersRandomly(double probability, long seed) {
        loseProbability = probability;
        random = new Random(seed);
        return this;
    }

    /** Every answer comes this late. */
    public synchronized Faults delayAnswers(Duration by) {
        delayAll = by;
        return this;
    }

    /** The next {@code requests} requests matching {@code which} are served this late (past a try timeout, say). */
    public synchronized Faults delayNext(int requests, Predicate<DfsRequest> which, Duration by) {
        delayNext = requests;
        delayNextWhich = which;
        delayNextBy = by;
        return this;
    }

    /** Every request answers 503 until {@link #endOutage()}. */
    public synchronized Faults startOutage() {
        outage = true;
        return this;
    }

    public synchronized Faults endOutage() {
        outage = false;
        return this;
    }

    /** The next {@code flushes} flushes are applied (committed) and still answer 503. */
    public synchronized Faults commitThenFail(int flushes) {
        commitThenFail = flushes;
        return this;
    }

    public synchronized void clear() {
        failNext = 0;
        failProbability = 0;
        loseProbability = 0;
        delayAll = Duration.ZERO;
        delayNext = 0;
        outage = false;
        commitThenFail = 0;
    }

    /** How many 503s were injected so far. */
    public int injectedFailures() {
        return injected.get();
    }

    synchronized Duration delay(DfsRequest request) {
        if (delayNext > 0 && delayNextWhich.test(request)) {
            delayNext--;
            return delayAll.plus(delayNextBy);
        }
        return delayAll;
    }

    synchronized boolean failBeforeServing(DfsRequest request) {
        boolean targeted = failNext > 0 && failNextWhich.test(request);
        if (targeted) {
            failNext--;
        }
        return count(outage || targeted || (failProbability > 0 && random.nextDouble() < failProbability));
    }

    synchronized boolean failAfterServing(DfsRequest request) {
        boolean commitThenFailHere = commitThenFail > 0 && FLUSHES.test(request);
        if (commitThenFailHere) {
            commitThenFail--;
        }
        return count(commitThenFailHere || (loseProbability > 0 && random.nextDouble() < loseProbability));
    }

    private boolean count(boolean fail) {
        if (fail) {
            injected.incrementAndGet();
        }
        return fail;
    }
}
