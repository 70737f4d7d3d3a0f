package io.changestream.archiver.ops.http;

import io.changestream.archiver.pipeline.FlushResult;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import reactor.core.publisher.Mono;

/**
 * Coalesces the HTTP flush requests of one collection: at most one runs and at most one waits.
 *
 * <p>A request must see every event buffered when it arrived, so it cannot join a flush that is already running
 * (that flush took its snapshot earlier). It joins the <i>next</i> flush instead: the first request arriving during
 * a flush schedules one follow-up flush, later ones wait for the same follow-up, and all of them get its result.
 * Without this, each request would hold a flush thread waiting on the collection's lock while a slow store retries,
 * and a burst of requests could occupy every flush thread the size and schedule triggers need.
 *
 * <p>The flushes run detached from the requests: a client that disconnects (or times out) does not cancel a flush
 * half way, and its result still reaches the requests that share it.
 */
final class FlushCoalescer {
    private final Function<String, Mono<FlushResult>> flush;
    private final Map<String, Slot> slots = new ConcurrentHashMap<>();

    /** Running and queued flushes of one collection; guarded by itself. */
    private static final class Slot {
        CompletableFuture<FlushResult> running;
        CompletableFuture<FlushResult> next;
    }

    FlushCoalescer(Function<String, Mono<FlushResult>> flush) {
        this.flush = flush;
    }

    /** A flush of {@code collection} that starts after this call; completes when it is durable, or fails. */
    CompletableFuture<FlushResult> request(String collection) {
        Slot slot = slots.computeIfAbsent(collection, c -> new Slot());
        CompletableFuture<FlushResult> mine;
        boolean launch = false;
        synchronized (slot) {
            if (slot.running == null) {
                slot.running = new CompletableFuture<>();
                mine = slot.running;
                launch = true;
            } else {
                if (slot.next == null) {
                    slot.next = new CompletableFuture<>();
                }
                mine = slot.next;
            }
        }
        if (launch) {
            launch(collection, slot, mine);
        }
        return mine;
    }

    private void launch(String collection, Slot slot, CompletableFuture<FlushResult> promise) {
        promise.whenComplete((result, error) -> {
            CompletableFuture<FlushResult> queued;
            synchronized (slot) {
                queued = slot.next;
                slot.next = null;
                slot.running = queued;
            }
            if (queued != null) {
                launch(collection, slot, queued);
            }
        });
        Mono.defer(() -> flush.apply(collection))
                .defaultIfEmpty(new FlushResult(collection, 0, List.of()))
                .subscribe(promise::complete, promise::completeExceptionally);
    }
}
