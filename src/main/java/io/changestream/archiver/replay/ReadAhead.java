package io.changestream.archiver.replay;

import io.changestream.archiver.replay.verify.ArchiveLedger;
import io.changestream.archiver.replay.verify.EventOrder;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.store.ArchiveStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads, decodes and plans one collection's events on a thread of its own, a few chunks ahead of the writes, so
 * parsing Extended JSON overlaps with the target's bulk writes instead of alternating with them.
 *
 * <p>Everything the reader finds, events and what it had to pass over, travels through one bounded queue in archive
 * order; the consumer (the replay's own thread) is the only one to act on it, so the summary is never shared between
 * threads. The queue holds at most {@value #CHUNKS_AHEAD} chunks of at most a batch of events or 8 MiB of them: the
 * reader blocks rather than run ahead of the target with unbounded memory. A failure of the reader (the store)
 * reaches the consumer after the items read before it.
 *
 * <p>Events are planned only when they continue the collection's history ({@link EventOrder}): an event whose
 * {@code clusterTime} is before the one before it, or that repeats one, is a copied or misplaced line, and applying
 * it would put stale state over newer state. It travels as {@link OutOfOrder}, never as a plan.
 */
final class ReadAhead implements AutoCloseable {
    private static final int CHUNKS_AHEAD = 4;
    /** A chunk ends at this many bytes of events even before it has a batch of them: big documents, bounded memory. */
    private static final long CHUNK_BYTES = 8L << 20;
    private static final List<Item> END = new ArrayList<>(0);

    /** One thing read, in archive order. */
    sealed interface Item {
    }

    /**
     * An event in the window with its plan, and how far the reading had got: for progress.
     */
    record Planned(ArchivedEvent event, WritePlan plan, long bytesRead, int filesDone) implements Item {
    }

    /** A line that could not be decoded, or the rest of a damaged file. */
    record Unreadable(StoredFile file, long line, String reason) implements Item {
    }

    /** An incomplete last line or member, and what the flush log says it is. */
    record TornTail(StoredFile file, long offset, long bytes, CollectionHistory.Tail tail) implements Item {
    }

    /** An event that does not continue the history: its clusterTime goes backwards, or it repeats an event. */
    record OutOfOrder(ArchivedEvent event, String reason) implements Item {
    }

    /** A difference between a file and the flush log. */
    record Mismatch(Finding finding) implements Item {
    }

    /** Complete lines after the flush log that the service's next start adopts (they are replayed). */
    record PendingTail(StoredFile file, long offset, long events) implements Item {
    }

    /** A line after the flush log that the service would not adopt (not replayed). */
    record NotAdopted(ArchivedEvent event, String reason) implements Item {
    }

    /** The window is read: where the reading ended, for progress. */
    record Finished(long bytesRead, int filesDone) implements Item {
    }

    private final BlockingQueue<List<Item>> queue = new ArrayBlockingQueue<>(CHUNKS_AHEAD);
    private final Thread reader;
    private final int chunkSize;
    private volatile boolean stopped;
    private volatile RuntimeException failure;
    private List<Item> pending = new ArrayList<>();
    private long pendingBytes;
    private List<Item> chunk = List.of();
    private int index;
    private boolean ended;

    /** @param ledger the collection's flush log to hold the files against, or null to read them unverified */
    ReadAhead(String collection, ArchiveStore store, List<StoredFile> files, ReplayWindow window, int chunkSize,
              ArchiveLedger ledger) {
        this.chunkSize = Math.max(1, chunkSize);
        this.reader = new Thread(() -> read(store, files, window, ledger), "replay-read-" + collection);
        reader.setDaemon(true);
        reader.start();
    }

    /** The next item, or null when the collection's window is read; rethrows a failure of the reader. */
    Item next() {
        while (index == chunk.size()) {
            if (ended) {
                return null;
            }
            try {
                chunk = queue.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("replay interrupted", e);
            }
            index = 0;
            if (chunk == END) {
                ended = true;
                if (failure != null) {
                    throw failure;
                }
                return null;
            }
        }
        return chunk.get(index++);
    }

    /** Stops the reader (after a stop at a DDL event, or a failure of the consumer) and waits for it. */
    @Override
    public void close() {
        stopped = true;
        reader.interrupt();
        try {
            reader.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void read(ArchiveStore store, List<StoredFile> files, ReplayWindow window, ArchiveLedger ledger) {
        CollectionHistory.Listener listener = new CollectionHistory.Listener() {
            @Override
            public void unreadable(StoredFile file, long line, String reason) {
                add(new Unreadable(file, line, reason));
            }

            @Override
            public void tornTail(StoredFile file, long offset, long bytes, CollectionHistory.Tail tail) {
                add(new TornTail(file, offset, bytes, tail));
            }

            @Override
            public void mismatch(Finding finding) {
                add(new Mismatch(finding));
            }

            @Override
            public void pendingTail(StoredFile file, long offset, long events) {
                add(new PendingTail(file, offset, events));
            }

            @Override
            public void notAdopted(ArchivedEvent event, String reason) {
                add(new NotAdopted(event, reason));
            }
        };
        EventOrder order = new EventOrder();
        try (CollectionHistory history = new CollectionHistory(store, files, window, listener, ledger)) {
            for (ArchivedEvent event; !stopped && (event = history.next()) != null; ) {
                Optional<Finding.Kind> broken = order.accept(event.event());
                if (broken.isPresent()) {
                    add(new OutOfOrder(event, outOfOrder(event, broken.get(), order)));
                    continue;
                }
                add(new Planned(event, WritePlanner.plan(event.event()), history.storedBytesRead(),
                        history.filesDone()));
            }
            history.close();
            add(new Finished(history.storedBytesRead(), history.filesDone()));
            handPending();
        } catch (RuntimeException e) {
            failure = e;
            handPending();
        } finally {
            handEnd();
        }
    }

    private static String outOfOrder(ArchivedEvent event, Finding.Kind kind, EventOrder order) {
        String time = ReplayWindow.describe(event.event().clusterTime());
        return (kind == Finding.Kind.TIME_BACKWARDS
                ? "its clusterTime " + time + " is before " + order.last().map(ReplayWindow::describe).orElse("?")
                + " of an event already read"
                : "it repeats the event " + event.event().resumeToken().toJson() + " of " + time)
                + ": a copied or misplaced line; not applied, so newer state is not overwritten by older";
    }

    /** Reader thread only. */
    private void add(Item item) {
        pending.add(item);
        if (item instanceof Planned p) {
            pendingBytes += p.event().event().byteSize();
        }
        if (pending.size() >= chunkSize || pendingBytes >= CHUNK_BYTES) {
            handPending();
        }
    }

    /** Passes the pending items to the consumer, blocking while the queue is full. Reader thread only. */
    private void handPending() {
        if (!pending.isEmpty() && !stopped) {
            try {
                queue.put(pending);
            } catch (InterruptedException e) {
                stopped = true; // close() interrupts only to stop the reader
            }
        }
        pending = new ArrayList<>(chunkSize);
        pendingBytes = 0;
    }

    private void handEnd() {
        if (stopped) {
            return; // nobody takes any more
        }
        try {
            queue.put(END);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
