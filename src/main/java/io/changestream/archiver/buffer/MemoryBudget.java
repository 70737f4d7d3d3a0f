package io.changestream.archiver.buffer;

import java.util.ArrayList;
import java.util.List;

/**
 * The cap on all buffers together ({@code BUFFER_MAX_BYTES}). Capture asks {@link #hasRoom()} before requesting
 * the next event; when the cap is reached it parks a resume action here, and a flush that {@link #release frees}
 * room runs the parked actions. Events already received are always accepted ({@link #take} never refuses), so
 * the cap is exceeded by at most one event per collection and nothing is ever dropped.
 */
public final class MemoryBudget {
    private final long capBytes;
    private final List<Runnable> parked = new ArrayList<>();
    private long usedBytes;
    private Runnable onPressureChange = () -> { };

    public MemoryBudget(long capBytes) {
        if (capBytes <= 0) {
            throw new IllegalArgumentException("buffer cap must be > 0 bytes, got " + capBytes);
        }
        this.capBytes = capBytes;
    }

    /** Called (outside the lock) whenever capture pauses or resumes; used for metrics and size flushes. */
    public synchronized void onPressureChange(Runnable listener) {
        this.onPressureChange = listener;
    }

    public synchronized void take(long bytes) {
        usedBytes += bytes;
    }

    public void release(long bytes) {
        List<Runnable> resume;
        synchronized (this) {
            usedBytes -= bytes;
            if (usedBytes >= capBytes || parked.isEmpty()) {
                return;
            }
            resume = new ArrayList<>(parked);
            parked.clear();
        }
        onPressureChange.run();
        resume.forEach(Runnable::run);
    }

    public synchronized boolean hasRoom() {
        return usedBytes < capBytes;
    }

    /**
     * Runs {@code resume} now if there is room, otherwise once a release makes room. Returns false when it was
     * parked (capture is paused).
     */
    public boolean whenRoom(Runnable resume) {
        boolean parkedNow;
        synchronized (this) {
            parkedNow = usedBytes >= capBytes;
            if (parkedNow) {
                parked.add(resume);
            }
        }
        if (parkedNow) {
            onPressureChange.run();
            return false;
        }
        resume.run();
        return true;
    }

    /** True while some capture is parked waiting for room. */
    public synchronized boolean paused() {
        return !parked.isEmpty();
    }

    public synchronized long usedBytes() {
        return usedBytes;
    }

    public long capBytes() {
        return capBytes;
    }
}
