package io.changestream.archiver.store;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;
import reactor.core.publisher.Mono;

/**
 * Adds random jitter to the storage SDK's exponential backoff, which has none: without it, every collection's
 * writer that hit the same outage retries in lock-step and the recovering account sees bursts.
 *
 * <p>Runs once per try (after the SDK's retry policy). Before try {@code n > 1} it waits a random time in
 * {@code [0, min(firstDelay * 2^(n-2), maxDelay) / 2]}, on top of the SDK's own delay. The try count is kept in
 * the call's context, which lives across the retries of one call.
 */
final class RetryJitterPolicy implements HttpPipelinePolicy {
    private static final String TRY_KEY = "changestream-archiver-try";
    /** Past this many doublings any sane delay is capped anyway; it keeps the shift from overflowing. */
    private static final int MAX_DOUBLINGS = 20;

    private final Duration firstDelay;
    private final Duration maxDelay;

    RetryJitterPolicy(Duration firstDelay, Duration maxDelay) {
        this.firstDelay = firstDelay;
        this.maxDelay = maxDelay;
    }

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        Duration jitter = nextJitter(context);
        return jitter.isZero() ? next.process() : Mono.delay(jitter).then(Mono.defer(next::process));
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        Duration jitter = nextJitter(context);
        if (!jitter.isZero()) {
            try {
                Thread.sleep(jitter.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while backing off before a retry", e);
            }
        }
        return next.processSync();
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_RETRY;
    }

    private Duration nextJitter(HttpPipelineCallContext context) {
        int previousTries = (Integer) context.getData(TRY_KEY).orElse(0);
        context.setData(TRY_KEY, previousTries + 1);
        long bound = jitterBoundMillis(previousTries, firstDelay, maxDelay);
        return bound <= 0 ? Duration.ZERO : Duration.ofMillis(ThreadLocalRandom.current().nextLong(bound + 1));
    }

    /** The largest jitter before the try after {@code previousTries} tries: 0 before the first try. */
    static long jitterBoundMillis(int previousTries, Duration firstDelay, Duration maxDelay) {
        if (previousTries == 0) {
            return 0;
        }
        long exponential = firstDelay.toMillis() << Math.min(previousTries - 1, MAX_DOUBLINGS);
        return Math.min(exponential, maxDelay.toMillis()) / 2;
    }
}
