package io.changestream.archiver.buffer;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The cap on all buffers together ({@code BUFFER_MAX_BYTES}). Capture asks {@link #hasRoom()} before requesting
 * the next event; when the cap is reached it parks a resume action here, and a flush that {@link #release frees}
 * room runs the parked actions. Events already received are always accepted ({@link #take} never refuses), so
 * the cap is exceeded by at most one event per collection and nothing is ever dropped.
 *
 * <p><b>Threads.</b> {@link #take} and {@link #whenRoom} are called by capture, on the thread that delivers an event
 * (a driver thread); {@link #release} by flushes (on the flush scheduler, under that collection's flush lock) and
 * by lease loss; the readers ({@link #paused}, {@link #usedBytes}) by status and metrics on any thread. Every
 * mutable field is guarded by this object's monitor. The pressure listener and the resume actions run outside it:
 * a resume that {@link #whenRoom} runs at once runs on the caller's thread, a parked one on the {@code resumeOn}
 * executor, so that no capture resumes on a flush thread holding a flush lock.
 */
public final class MemoryBudget {
    private final long capBytes;
    private final Executor resumeOn;
    private final List<Runnable> parked = new ArrayList<>();
    private long usedBytes;
    private Runnable onPressureChange = () -> { };

    /** Parked actions run on the releasing thread: for tests and benchmarks that release from no lock. */
    public MemoryBudget(long capBytes) {
        this(capBytes, Runnable::run);
    }

    /**
     * @param resumeOn where parked resume actions run once a release makes room: the archiver passes its flush
     *                 scheduler, since {@link #release} is called by a flush under the collection's flush lock and a
     *                 resume requests the next event, which the driver may deliver on the requesting thread
     */
    public MemoryBudget(long capBytes, Executor resumeOn) {
        if (capBytes <= 0) {
            throw new IllegalArgumentException("buffer cap must be > 0 bytes, got " + capBytes);
        }
        this.capBytes = capBytes;
        this.resumeOn = resumeOn;
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
        resume.forEach(resumeOn::execute);
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
