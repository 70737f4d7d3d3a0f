package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.util.retry.RetryBackoffSpec;

/** One backoff for the whole service: the writer's pauses and Reactor's retries are the same definition. */
class RetryPolicyTest {

    @Test
    void theReactiveBackoffCarriesTheSameFirstDelayCapAndJitter() {
        RetryPolicy policy = RetryPolicy.of(5, Duration.ofSeconds(1));
        RetryBackoffSpec spec = policy.reactive(4);

        assertThat(spec.minBackoff).isEqualTo(Duration.ofSeconds(1));
        assertThat(spec.maxBackoff).isEqualTo(Duration.ofSeconds(60));
        assertThat(spec.jitterFactor).isEqualTo(RetryPolicy.JITTER);
        assertThat(spec.maxAttempts).isEqualTo(4);
    }

    @Test
    void eachPauseDoublesWithinHalfOfItselfNeverBelowTheFirstDelayNorAboveTheCap() {
        RetryPolicy policy = RetryPolicy.of(5, Duration.ofMillis(1000));
        for (int retry = 1; retry <= 12; retry++) {
            long nominal = Math.min(1000L << (retry - 1), 60_000);
            for (int sample = 0; sample < 200; sample++) {
                assertThat(policy.delay(retry).toMillis()).as("retry %d", retry)
                        .isBetween(Math.max(1000, nominal / 2), Math.min(60_000, nominal + nominal / 2));
            }
        }
    }

    @Test
    void theCapIsSixtySecondsOrTheFirstDelayWhenThatIsLonger() {
        assertThat(RetryPolicy.of(5, Duration.ofMillis(50)).maxDelay()).isEqualTo(Duration.ofSeconds(60));
        assertThat(RetryPolicy.of(5, Duration.ofSeconds(90)).maxDelay()).isEqualTo(Duration.ofSeconds(90));
        assertThat(RetryPolicy.of(5, Duration.ofSeconds(90)).delay(3)).isEqualTo(Duration.ofSeconds(90));
    }
}
