package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** The rounds that retry a failed flush (issue 13, finding 11), with the flush itself replaced by a recorder. */
class FlushRetriesTest {
    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T10:00:00Z"));
    private final List<FlushTrigger> rounds = new CopyOnWriteArrayList<>();

    private FlushRetries retries(Duration firstDelay) {
        return new FlushRetries(firstDelay, clock, trigger -> Mono.fromRunnable(() -> rounds.add(trigger)));
    }

    @Test
    void aFailedFlushSchedulesOneRoundAtATime() {
        FlushRetries retries = retries(Duration.ofHours(1)); // the round stays pending during the test

        FlushRetries.Next first = retries.failed(FlushTrigger.SCHEDULE, "store down");
        FlushRetries.Next second = retries.failed(FlushTrigger.MANUAL, "store still down");

        assertThat(second.retryIn()).as("the pending round is kept, not rescheduled").isEqualTo(first.retryIn());
        assertThat(second.failedInARow()).isEqualTo(2);
        assertThat(second.failingSince()).isEqualTo(clock.instant());
        assertThat(retries.describe()).hasValueSatisfying(d -> assertThat(d)
                .contains("flush failing since 2026-01-01T10:00:00Z", "2 failed in a row", "store still down"));
        retries.stop();
    }

    @Test
    void theRoundsCarryTheTriggerOfTheFlushThatFailedFirst() {
        FlushRetries retries = retries(Duration.ofMillis(1));

        retries.failed(FlushTrigger.SCHEDULE, "store down");
        retries.failed(FlushTrigger.MANUAL, "store still down");

        await().atMost(Duration.ofSeconds(10)).until(() -> !rounds.isEmpty());
        assertThat(rounds).containsOnly(FlushTrigger.SCHEDULE);
        retries.stop();
    }

    @Test
    void statusTellsWhenTheNextRoundRunsAndASuccessEndsTheRetries() {
        FlushRetries retries = retries(Duration.ofHours(1)); // the round stays pending during the test

        retries.failed(FlushTrigger.SIZE, "HTTP 503");

        assertThat(retries.describe()).hasValueSatisfying(d -> assertThat(d).contains("next retry in", "HTTP 503"));
        assertThat(retries.succeeded()).isEqualTo(1);
        assertThat(retries.describe()).isEmpty();
        assertThat(retries.failed(FlushTrigger.SIZE, "again").failedInARow()).as("the count starts over").isEqualTo(1);
        retries.stop();
    }

    @Test
    void afterStopNoRoundIsScheduledAndStatusSaysSo() {
        FlushRetries retries = retries(Duration.ofHours(1));
        retries.failed(FlushTrigger.SCHEDULE, "store down");

        retries.stop();
        FlushRetries.Next next = retries.failed(FlushTrigger.SHUTDOWN, "store down");

        assertThat(next.retryIn()).isEmpty();
        assertThat(retries.describe()).hasValueSatisfying(d -> assertThat(d).contains("retries stopped"));
        assertThat(rounds).isEmpty();
    }

    @Test
    void theWaitBetweenRoundsDoublesAndIsCappedAtAMinuteUnlessTheRetryDelayIsLonger() {
        FlushRetries retries = retries(Duration.ofSeconds(1));
        FlushRetries slow = retries(Duration.ofMinutes(5));

        // jitter is 0.5-1.5: the first wait is 0.5-1.5 s, the fourth 4-12 s
        assertThat(retries.waitBefore(1)).isBetween(Duration.ofMillis(500), Duration.ofMillis(1500));
        assertThat(retries.waitBefore(4)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(12));
        for (int failed = 7; failed < 40; failed++) {
            assertThat(retries.waitBefore(failed)).as("after %d failures", failed)
                    .isLessThanOrEqualTo(FlushRetries.MAX_BACKOFF).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
        }
        assertThat(slow.waitBefore(20)).isGreaterThan(FlushRetries.MAX_BACKOFF)
                .isLessThanOrEqualTo(Duration.ofMinutes(5));
    }
}
