package io.changestream.archiver.pipeline;

import java.time.Duration;

/**
 * How long a collection lease lasts and how often its holder works on it. Everything derives from the TTL, so the
 * ratios that make the scheme safe hold at every size:
 * <ul>
 *   <li>{@link #renewEvery()} = TTL/3: one failed renewal is survived; the holder keeps retrying every poll.</li>
 *   <li>{@link #safetyMargin()} = TTL/3: a holder that could not renew stops writing at expiry minus this, by its
 *       own clock, so clock skew up to the margin cannot make two writers overlap in time.</li>
 *   <li>{@link #pollEvery()} = TTL/10: how soon free or expired leases are picked up, a rebalancing starts, and a
 *       holder notices its deadline passed.</li>
 * </ul>
 * The service uses {@link #DEFAULT} (30 s); tests shorten it. There is deliberately no setting: the TTL bounds
 * how long a dead pod's collections wait, and a shorter one only adds tracker writes.
 */
public record LeaseTiming(Duration ttl) {
    public static final LeaseTiming DEFAULT = new LeaseTiming(Duration.ofSeconds(30));

    public LeaseTiming {
        if (ttl.compareTo(Duration.ofMillis(300)) < 0) {
            throw new IllegalArgumentException("lease TTL must be >= 300 ms, got " + ttl);
        }
    }

    public Duration renewEvery() {
        return ttl.dividedBy(3);
    }

    public Duration safetyMargin() {
        return ttl.dividedBy(3);
    }

    public Duration pollEvery() {
        return ttl.dividedBy(10);
    }
}
