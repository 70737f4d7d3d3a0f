package io.changestream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How RETRY_ATTEMPTS and RETRY_DELAY_MS become the SDK's retry policy, and the jitter added to it. */
class AdlsRetrySettingsTest {

    @Test
    void retryAttemptsAndDelayBecomeTriesAndFirstDelayWithTheDefaultTryTimeout() {
        AdlsRetrySettings settings = AdlsRetrySettings.of(5, Duration.ofMillis(1000));

        assertThat(settings.maxTries()).isEqualTo(5);
        assertThat(settings.firstDelay()).isEqualTo(Duration.ofSeconds(1));
        assertThat(settings.maxDelay()).isEqualTo(AdlsRetrySettings.MAX_DELAY_CAP);
        assertThat(settings.tryTimeout()).isEqualTo(AdlsRetrySettings.DEFAULT_TRY_TIMEOUT);
    }

    @Test
    void aZeroDelayBecomesTheSdksOneMillisecondMinimum() {
        assertThat(AdlsRetrySettings.of(3, Duration.ZERO).firstDelay()).isEqualTo(Duration.ofMillis(1));
    }

    @Test
    void aFirstDelayLongerThanTheCapBecomesTheMaximumToo() {
        assertThat(AdlsRetrySettings.of(3, Duration.ofMinutes(2)).maxDelay()).isEqualTo(Duration.ofMinutes(2));
    }

    @Test
    void aTryTimeoutBelowOneSecondIsRefusedBecauseTheSdkCountsWholeSeconds() {
        assertThatThrownBy(() -> AdlsRetrySettings.of(3, Duration.ofMillis(10)).withTryTimeout(Duration.ofMillis(500)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0.5S");
    }

    @Test
    void jitterIsNoneBeforeTheFirstTryThenHalfTheDoublingDelayUpToHalfTheMaximum() {
        Duration first = Duration.ofMillis(100);
        Duration max = Duration.ofMillis(1000);

        assertThat(RetryJitterPolicy.jitterBoundMillis(0, first, max)).isZero();
        assertThat(RetryJitterPolicy.jitterBoundMillis(1, first, max)).isEqualTo(50);
        assertThat(RetryJitterPolicy.jitterBoundMillis(2, first, max)).isEqualTo(100);
        assertThat(RetryJitterPolicy.jitterBoundMillis(3, first, max)).isEqualTo(200);
        assertThat(RetryJitterPolicy.jitterBoundMillis(10, first, max)).isEqualTo(500);
        assertThat(RetryJitterPolicy.jitterBoundMillis(1_000, first, max)).isEqualTo(500);
    }
}
