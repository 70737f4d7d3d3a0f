package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.pipeline.FlushResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/** {@link FlushCoalescer}: one flush runs, one waits, and every request sees a flush that started after it. */
class FlushCoalescerTest {
    /** Flushes that complete when the test says so. */
    private final List<Sinks.One<FlushResult>> started = new ArrayList<>();
    private final FlushCoalescer coalescer = new FlushCoalescer(collection -> {
        Sinks.One<FlushResult> flush = Sinks.one();
        started.add(flush);
        return flush.asMono();
    });

    private void finish(int flush, int events) {
        started.get(flush).tryEmitValue(new FlushResult("orders", events, List.of("orders/f.json")));
    }

    @Test
    void aRequestWithNothingRunningStartsAFlushAtOnce() {
        CompletableFuture<FlushResult> answer = coalescer.request("orders");

        assertThat(started).hasSize(1);
        finish(0, 3);
        assertThat(answer.join().events()).isEqualTo(3);
    }

    @Test
    void requestsArrivingDuringAFlushShareOneFollowUpFlushThatStartsWhenItEnds() {
        CompletableFuture<FlushResult> first = coalescer.request("orders");
        CompletableFuture<FlushResult> second = coalescer.request("orders");
        CompletableFuture<FlushResult> third = coalescer.request("orders");
        assertThat(started).hasSize(1);

        finish(0, 3);

        assertThat(first.join().events()).isEqualTo(3);
        assertThat(started).hasSize(2);
        assertThat(second).isNotDone();
        finish(1, 5);
        assertThat(second.join().events()).isEqualTo(5);
        assertThat(third.join()).isSameAs(second.join());
        assertThat(started).hasSize(2);
    }

    @Test
    void collectionsFlushIndependently() {
        coalescer.request("orders");
        coalescer.request("customers");

        assertThat(started).hasSize(2);
    }

    @Test
    void aFailedFlushFailsOnlyItsOwnRequestsAndTheFollowUpStillRuns() {
        CompletableFuture<FlushResult> first = coalescer.request("orders");
        CompletableFuture<FlushResult> second = coalescer.request("orders");

        started.get(0).tryEmitError(new IllegalStateException("store down"));

        assertThat(first).isCompletedExceptionally();
        assertThat(started).hasSize(2);
        finish(1, 1);
        assertThat(second.join().events()).isEqualTo(1);
        CompletableFuture<FlushResult> later = coalescer.request("orders");
        assertThat(started).hasSize(3);
        assertThat(later).isNotDone();
    }

    @Test
    void aClientGoingAwayDoesNotCancelTheFlushItStarted() {
        CompletableFuture<FlushResult> answer = coalescer.request("orders");
        Mono.fromFuture(answer, true).subscribe().dispose();

        assertThat(started.get(0).currentSubscriberCount()).isEqualTo(1);
        finish(0, 2);
        assertThat(answer.join().events()).isEqualTo(2);
    }

    @Test
    void aFlushThatThrowsInsteadOfSignallingStillCompletesItsRequest() {
        FlushCoalescer throwing = new FlushCoalescer(c -> {
            throw new IllegalStateException("rejected");
        });

        CompletableFuture<FlushResult> answer = throwing.request("orders");

        assertThat(answer).isCompletedExceptionally();
        try {
            answer.join();
        } catch (CompletionException e) {
            assertThat(e).hasRootCauseMessage("rejected");
        }
        assertThat(throwing.request("orders")).isCompletedExceptionally();
    }
}
