package io.changestream.archiver.pipeline;

import io.changestream.archiver.capture.ClusterTimes;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;

/**
 * A point-in-time view of one collection's pipeline, for {@code GET /status} and logs.
 *
 * @param collection      the collection
 * @param state           what capture is doing
 * @param bufferedEvents  events captured and not yet archived
 * @param bufferedBytes   their BSON bytes
 * @param newestCaptured  clusterTime of the newest captured event
 * @param newestArchived  clusterTime of the newest durably archived event
 * @param lastFlush       the most recent flush attempt
 * @param checkpoint      the durable position
 * @param owner           the instance holding this collection's lease; for {@link State#UNOWNED} its last holder,
 *                        empty when it never had one
 * @param detail          what is wrong, when something is: why a {@link State#STARTING} collection is not capturing
 *                        yet, or that its flushes fail and when the next retry runs
 */
public record CollectionStatus(String collection, State state, int bufferedEvents, long bufferedBytes,
                               Optional<Instant> newestCaptured, Optional<Instant> newestArchived,
                               Optional<LastFlush> lastFlush, Optional<CheckpointView> checkpoint, String owner,
                               Optional<String> detail) {

    /** A status with nothing wrong to tell. */
    public CollectionStatus(String collection, State state, int bufferedEvents, long bufferedBytes,
                            Optional<Instant> newestCaptured, Optional<Instant> newestArchived,
                            Optional<LastFlush> lastFlush, Optional<CheckpointView> checkpoint, String owner) {
        this(collection, state, bufferedEvents, bufferedBytes, newestCaptured, newestArchived, lastFlush, checkpoint,
                owner, Optional.empty());
    }

    CollectionStatus withDetail(String why) {
        return new CollectionStatus(collection, state, bufferedEvents, bufferedBytes, newestCaptured, newestArchived,
                lastFlush, checkpoint, owner, Optional.of(why));
    }

    public enum State {
        /**
         * Not capturing yet: reading the first-start time, recovering the archive tail, opening the stream; retried
         * while the source, tracker or store do not answer ({@code detail} says which). Writes made meanwhile are
         * captured once it starts (from the checkpoint, or from the first-start time for a fresh collection).
         */
        STARTING,
        /** The change stream is open and events are flowing. */
        WATCHING,
        /** The stream failed and is waiting to re-subscribe. */
        BACKING_OFF,
        /** All buffers together reached BUFFER_MAX_BYTES; capture waits for a flush to free room. */
        PAUSED_BY_BACKPRESSURE,
        /**
         * Capture stopped for good: history lost under the fail policy, a conflicting writer, or an event over 16 MB
         * the server cannot send ({@code detail} names the remedy).
         */
        FAILED,
        /** Shut down. */
        STOPPED,
        /** Another instance holds this collection's lease ({@code owner}) and archives it. */
        OWNED_ELSEWHERE,
        /**
         * No instance holds a live lease: its holder died or released it, and some instance takes it over at its
         * next lease round (a dead holder's lease first has to expire).
         */
        UNOWNED
    }

    /**
     * The latest flush: when, why, whether it worked, the files it touched and the error if it failed. The same record
     * describes a tracker's last flush log entry in {@code status} ({@link #of}).
     */
    public record LastFlush(Instant at, String trigger, boolean success, int events, List<String> files,
                            Optional<String> error) {

        /** A flush log entry (always a success): when it ended, its trigger, events and file. */
        public static LastFlush of(FlushRecord f) {
            return new LastFlush(f.startedAt().plus(f.duration()), f.trigger().tag(), true, f.events(),
                    List.of(f.file()), Optional.empty());
        }
    }

    /**
     * The checkpoint as shown to operators, by {@code GET /status} and {@code status} alike (see {@link StatusJson}):
     * the token as JSON (null before the first archived event, when capture begins at {@code clusterTime}), its
     * time, file and committed length, and {@code increment}, the ordinal of {@code clusterTime} within its second,
     * so that {@link #timestamp()} is the exact position {@code replay --until} accepts.
     */
    public record CheckpointView(String resumeToken, Instant clusterTime, Optional<String> file, long fileLength,
                                 long totalEvents, long totalBytes, Instant updatedAt, long increment) {

        /** A checkpoint at a whole second (increment 0). */
        public CheckpointView(String resumeToken, Instant clusterTime, Optional<String> file, long fileLength,
                              long totalEvents, long totalBytes, Instant updatedAt) {
            this(resumeToken, clusterTime, file, fileLength, totalEvents, totalBytes, updatedAt, 0);
        }

        public static CheckpointView of(Checkpoint c) {
            return new CheckpointView(c.resumeToken().map(BsonDocument::toJson).orElse(null),
                    ClusterTimes.instant(c.clusterTime()), c.file(), c.fileLength(),
                    c.totalEvents(), c.totalBytes(), c.updatedAt(), c.clusterTime().getInc() & 0xFFFFFFFFL);
        }

        /** {@code <seconds>:<increment>}: the checkpoint's exact {@code clusterTime}, as {@code --until} takes it. */
        public String timestamp() {
            return clusterTime.getEpochSecond() + ":" + increment;
        }
    }
}
