package io.changestream.archiver.pipeline;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter: attempt {@code n} (1-based) waits {@code firstDelay * 2^(n-1)}, scaled by a
 * random factor in [0.5, 1.5) so that many collections failing together do not retry in lock step; capped.
 */
public record RetryPolicy(int attempts, Duration firstDelay, Duration maxDelay) {
    public RetryPolicy {
        if (attempts < 1) {
            throw new IllegalArgumentException("retry attempts must be >= 1, got " + attempts);
        }
        if (firstDelay.isNegative() || maxDelay.compareTo(firstDelay) < 0) {
            throw new IllegalArgumentException("retry delays must satisfy 0 <= first <= max, got " + firstDelay
                    + " and " + maxDelay);
        }
    }

    /** The wait before retry number {@code retry} (1 = the first retry). */
    public Duration delay(int retry) {
        double base = firstDelay.toMillis() * Math.pow(2, Math.min(retry - 1, 30));
        double jittered = base * (0.5 + ThreadLocalRandom.current().nextDouble());
        return Duration.ofMillis((long) Math.min(jittered, maxDelay.toMillis()));
    }
}
