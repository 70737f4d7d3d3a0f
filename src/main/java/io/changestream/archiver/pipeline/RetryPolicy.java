package io.changestream.archiver.pipeline;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import reactor.util.retry.Retry;
import reactor.util.retry.RetryBackoffSpec;

/**
 * The service's one backoff: retry {@code n} (1-based) waits {@code firstDelay × 2^(n-1)}, at most {@code maxDelay},
 * moved by a random jitter of up to ±{@link #JITTER} of itself (never below {@code firstDelay} nor above
 * {@code maxDelay}), so that many collections failing together do not retry in lock step. It is Reactor's
 * {@link Retry#backoff} with {@code .maxBackoff(maxDelay).jitter(JITTER)}: reactive paths (change-stream
 * re-subscription, collection start-up, the first-start read) use {@link #reactive}, and the two places that pace
 * themselves ({@link ExactlyOnceWriter}'s attempts within a flush, {@link FlushRetries}' timer between rounds) use
 * {@link #delay}, which computes the same numbers. Only the Azure SDK's per-request retries have a policy of their
 * own ({@code store.RetryJitterPolicy}), since the SDK paces those.
 *
 * <p>{@code RETRY_DELAY_MS} is the first delay everywhere; the cap is {@link #MAX_DELAY} (60 s, or
 * {@code RETRY_DELAY_MS} when longer) except for change-stream re-subscription, which keeps its 30 s.
 */
public record RetryPolicy(int attempts, Duration firstDelay, Duration maxDelay) {
    /** The jitter factor: each delay is moved by a random amount of up to half of itself. */
    public static final double JITTER = 0.5;
    /** The longest pause between two tries, unless the first delay is longer. */
    public static final Duration MAX_DELAY = Duration.ofSeconds(60);

    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("retry attempts must be >= 1, got " + attempts);
        }
        if (firstDelay.isNegative() || maxDelay.compareTo(firstDelay) < 0) {
            throw new IllegalArgumentException("retry delays must satisfy 0 <= first <= max, got " + firstDelay
                    + " and " + maxDelay);
        }
    }

    /** {@code attempts} tries, {@code firstDelay} first, capped at {@link #MAX_DELAY} (or {@code firstDelay}). */
    public static RetryPolicy of(int attempts, Duration firstDelay) {
        return new RetryPolicy(attempts, firstDelay, firstDelay.compareTo(MAX_DELAY) > 0 ? firstDelay : MAX_DELAY);
    }

    /** The same backoff with another cap (at least the first delay). */
    public RetryPolicy cappedAt(Duration cap) {
        return new RetryPolicy(attempts, firstDelay, cap.compareTo(firstDelay) < 0 ? firstDelay : cap);
    }

    /** This backoff for Reactor's {@code retryWhen}, with at most {@code maxRetries} retries. */
    public RetryBackoffSpec reactive(long maxRetries) {
        return Retry.backoff(maxRetries, firstDelay).maxBackoff(maxDelay).jitter(JITTER);
    }

    /** The wait before retry number {@code retry} (1 = the first retry), as {@link #reactive} computes it. */
    public Duration delay(int retry) {
        long first = firstDelay.toMillis();
        long max = maxDelay.toMillis();
        long base = (long) Math.min(first * Math.pow(2, Math.min(retry - 1, 62)), max);
        long offset = (long) (base * JITTER);
        long low = Math.max(first - base, -offset);
        long high = Math.min(max - base, offset);
        long jitter = high > low ? ThreadLocalRandom.current().nextLong(low, high) : 0;
        return Duration.ofMillis(base + jitter);
    }
}
