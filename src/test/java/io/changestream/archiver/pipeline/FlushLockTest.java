package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The writer's pause between attempts waits with the collection's flush lock released, not asleep under it. */
class FlushLockTest {

    @Test
    void aFlushPausingBetweenAttemptsLeavesTheLockToAnotherFlush() throws Exception {
        FlushLock lock = new FlushLock();
        CountDownLatch pausing = new CountDownLatch(1);
        AtomicBoolean backOffEnded = new AtomicBoolean();
        AtomicBoolean heldAgainAfterPause = new AtomicBoolean();
        Thread backingOff = new Thread(() -> lock.locked(() -> {
            pausing.countDown();
            try {
                lock.pauseUnlocked(Duration.ofMinutes(10));
            } catch (InterruptedException e) {
                heldAgainAfterPause.set(lock.isLocked()); // the test ends the pause
                backOffEnded.set(true);
            }
            return null;
        }), "backing-off-flush");
        backingOff.start();
        assertThat(pausing.await(10, TimeUnit.SECONDS)).isTrue();

        // Another flush gets the lock while the first one is still in its ten-minute pause.
        String other = CompletableFuture.supplyAsync(() -> lock.locked(() -> "flushed"))
                .get(10, TimeUnit.SECONDS);

        assertThat(other).isEqualTo("flushed");
        assertThat(backOffEnded).isFalse();
        backingOff.interrupt();
        backingOff.join(10_000);
        assertThat(backOffEnded).isTrue();
        assertThat(heldAgainAfterPause).as("the lock is held again when the pause ends").isTrue();
        await().atMost(Duration.ofSeconds(10)).until(() -> !lock.isLocked());
    }

    @Test
    void pausingWithoutHoldingTheLockIsAnError() {
        assertThatThrownBy(() -> new FlushLock().pauseUnlocked(Duration.ofMillis(1)))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("without holding the flush lock");
    }
}
