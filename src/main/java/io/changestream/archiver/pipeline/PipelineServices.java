package io.changestream.archiver.pipeline;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeStreamWatcher;
import io.changestream.archiver.capture.ClusterClock;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.ArchiveStore;
import java.time.Clock;
import reactor.core.scheduler.Scheduler;

/**
 * The wiring of the collection pipelines: the services every pipeline of this process shares, built once by the
 * {@link Archiver}, and {@link #pipeline}, which builds one collection's object graph (buffer, encoder, writer,
 * pipeline) around a lease hold. The Archiver keeps the coordination (leases, start retries, pressure relief,
 * readiness, shutdown); what a pipeline is made of is decided here.
 *
 * <p><b>Threads.</b> Immutable; {@link #pipeline} runs on the lease thread, once per acquisition.
 */
record PipelineServices(ArchiverConfig config, ArchiveStore store, CheckpointStore checkpoints, CursorMonitor monitor,
                        ClusterClock clusterClock, FirstStart firstStart, MemoryBudget budget, ArchiveLayout layout,
                        RetryPolicy retry, ArchiverMetrics metrics, Scheduler flushScheduler, Clock clock) {

    /** One collection's pipeline for the epoch of {@code hold}: a fresh buffer and writer, none of an earlier epoch's. */
    CollectionPipeline pipeline(LeaseHold hold, ChangeStreamWatcher watcher, CollectionPipeline.Owner owner) {
        String name = hold.collection();
        ArchiverMetrics.PerCollection perCollection = metrics.collection(name);
        CollectionBuffer buffer = new CollectionBuffer(budget, config.flush().maxEvents(), config.flush().maxBytes());
        // One encoder per writer: it reuses its buffers between flushes.
        SegmentEncoder encoder = new SegmentEncoder(config.store().jsonMode(), config.store().compression());
        ExactlyOnceWriter writer = new ExactlyOnceWriter(name, store, checkpoints, hold, layout, encoder, clock, retry,
                perCollection);
        return new CollectionPipeline(hold, watcher, buffer, writer, perCollection, this, owner);
    }
}
