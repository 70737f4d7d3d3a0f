package io.changestream.archiver.store;

import java.time.Duration;

/**
 * How the Azure SDK retries one request: up to {@code maxTries} tries, exponential backoff from {@code firstDelay}
 * capped at {@code maxDelay} (plus random jitter, see {@link RetryJitterPolicy}), each try abandoned after
 * {@code tryTimeout}.
 *
 * <p>These are the retries inside one store call. The exactly-once writer retries whole appends on top of them
 * (after re-reading the length); so a store call that fails has already been tried {@code maxTries} times.
 */
public record AdlsRetrySettings(int maxTries, Duration firstDelay, Duration maxDelay, Duration tryTimeout) {
    /** Long enough for a 16 MiB append over a slow link, short enough that a hung connection is abandoned. */
    public static final Duration DEFAULT_TRY_TIMEOUT = Duration.ofSeconds(60);
    /** The longest single backoff; beyond it an outage is the writer's to handle (buffer kept, next trigger). */
    public static final Duration MAX_DELAY_CAP = Duration.ofSeconds(30);

    public AdlsRetrySettings {
        if (maxTries < 1) {
            throw new IllegalArgumentException("maxTries must be at least 1, got " + maxTries);
        }
        if (firstDelay.isNegative() || firstDelay.isZero()) {
            throw new IllegalArgumentException("firstDelay must be positive, got " + firstDelay);
        }
        if (maxDelay.compareTo(firstDelay) < 0) {
            throw new IllegalArgumentException("maxDelay " + maxDelay + " must not be below firstDelay " + firstDelay);
        }
        if (tryTimeout.isNegative() || tryTimeout.toSeconds() < 1) {
            throw new IllegalArgumentException("tryTimeout must be at least 1 s (the SDK counts whole seconds), got "
                    + tryTimeout);
        }
    }

    /** From {@code RETRY_ATTEMPTS} and {@code RETRY_DELAY_MS}; a zero delay becomes 1 ms (the SDK's minimum). */
    public static AdlsRetrySettings of(int attempts, Duration delay) {
        Duration first = delay.compareTo(Duration.ofMillis(1)) < 0 ? Duration.ofMillis(1) : delay;
        Duration max = first.compareTo(MAX_DELAY_CAP) > 0 ? first : MAX_DELAY_CAP;
        return new AdlsRetrySettings(Math.max(1, attempts), first, max, DEFAULT_TRY_TIMEOUT);
    }

    public AdlsRetrySettings withTryTimeout(Duration timeout) {
        return new AdlsRetrySettings(maxTries, firstDelay, maxDelay, timeout);
    }
}
