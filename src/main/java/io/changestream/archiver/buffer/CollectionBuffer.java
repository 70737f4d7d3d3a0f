package io.changestream.archiver.buffer;

import io.changestream.archiver.capture.ChangeEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * The captured, not yet archived events of one collection, in change-stream order.
 *
 * <p>Events leave the buffer only through {@link #removeDurable}, which the exactly-once writer calls after the
 * store holds them and the checkpoint covers them; a failed flush therefore leaves every event in place for the next
 * attempt. Every event's bytes are counted in the shared {@link MemoryBudget} from {@link #add} to removal.
 *
 * <p><b>Threads.</b> {@link #add} runs on the capture thread (the driver's); {@link #snapshot} and
 * {@link #removeDurable} in a flush (flush scheduler, under the pipeline's flush lock); {@link #discard} on lease
 * loss or handover; {@link #size}, {@link #bytes} and {@link #isFull} anywhere. Every field is guarded by this
 * object's monitor; the budget is told of removals outside it.
 */
public final class CollectionBuffer {
    private final ArrayDeque<ChangeEvent> events = new ArrayDeque<>();
    private final MemoryBudget budget;
    private final int maxEvents;
    private final long maxBytes;
    private long bytes;
    private boolean discarded;

    public CollectionBuffer(MemoryBudget budget, int maxEvents, long maxBytes) {
        this.budget = budget;
        this.maxEvents = maxEvents;
        this.maxBytes = maxBytes;
    }

    /**
     * Appends an event; returns true when the buffer has reached FLUSH_MAX_EVENTS or FLUSH_MAX_BYTES. An event that
     * arrives while the buffer is already that full waits for more than one flush (the store is slow or down), so it
     * is kept {@linkplain ChangeEvent#compact compact}. After {@link #discard} it takes nothing: an event still in
     * flight from a stopped capture is left to the next owner.
     */
    public synchronized boolean add(ChangeEvent event) {
        if (discarded) {
            return false;
        }
        events.addLast(isFull() ? event.compact() : event);
        bytes += event.byteSize();
        budget.take(event.byteSize());
        return isFull();
    }

    public synchronized boolean isFull() {
        return events.size() >= maxEvents || bytes >= maxBytes;
    }

    /** A copy of the buffered events, oldest first; the buffer is unchanged. */
    public synchronized List<ChangeEvent> snapshot() {
        return new ArrayList<>(events);
    }

    /** Removes the {@code count} oldest events, which are now durable and checkpointed. */
    public void removeDurable(int count) {
        long freed = 0;
        synchronized (this) {
            if (discarded) {
                return; // a flush that was already writing when the lease was lost
            }
            if (count > events.size()) {
                throw new IllegalArgumentException("cannot remove " + count + " events, " + events.size() + " buffered");
            }
            Iterator<ChangeEvent> it = events.iterator();
            for (int i = 0; i < count; i++) {
                freed += it.next().byteSize();
                it.remove();
            }
            bytes -= freed;
        }
        budget.release(freed);
    }

    /**
     * Empties the buffer for good and returns its memory to the budget: the lease was lost or handed over, and the
     * events are after the checkpoint, so the collection's next owner captures them again.
     */
    public void discard() {
        long freed;
        synchronized (this) {
            discarded = true;
            freed = bytes;
            events.clear();
            bytes = 0;
        }
        budget.release(freed);
    }

    public synchronized int size() {
        return events.size();
    }

    public synchronized long bytes() {
        return bytes;
    }
}
