package io.changestream.archiver.bench;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.config.Setting;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.pipeline.ExactlyOnceWriter;
import io.changestream.archiver.pipeline.RetryPolicy;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.Leases;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.bson.json.JsonWriterSettings;

/**
 * Three ways to archive the same change events, on one thread, in MB of BSON input per CPU-second
 * ({@link CpuSlices}):
 * <ul>
 *   <li><b>pipeline</b>: the archiver's own classes, as a collection's capture and flush use them.
 *       Per event, what capture does on delivery: {@link ChangeEvent#of}, the captured and buffered
 *       metrics, {@link CollectionBuffer#add} and the {@link MemoryBudget} check. When the buffer is
 *       full ({@code FLUSH_MAX_EVENTS} / {@code FLUSH_MAX_BYTES} at their defaults) the
 *       {@link ExactlyOnceWriter} flushes it, on the same thread: split by hour,
 *       {@link SegmentEncoder} (canonical Extended JSON, no compression: the defaults), append to a
 *       {@link LocalArchiveStore} on disk ({@code FileChannel} write and {@code fsync}), SHA-256 of
 *       the appended bytes, flush log entry and checkpoint, buffer release. The tracker is
 *       {@link LatestCheckpointOnly}, which keeps the checkpoint in memory: in production it is a
 *       network round trip per flush, which is latency, not CPU, and not what this measures. The driver's own decoding of
 *       the wire reply is not counted either (it is the same for every contender).</li>
 *   <li><b>driver</b>: {@code RawBsonDocument.toJson(JsonWriterSettings EXTENDED)} and
 *       {@code getBytes(UTF_8)} per event, the floor the pipeline must beat by 5x. Encoding only:
 *       no buffer, no store.</li>
 *   <li><b>naive</b>: the predecessor's approach: each event decoded to a {@link Document}, written
 *       as pretty (indented, relaxed) JSON into a {@code StringBuilder}, and every
 *       {@code FLUSH_MAX_EVENTS} events the whole text written as one new file with
 *       {@code Files.writeString} (no fsync, which favours it).</li>
 * </ul>
 * Every contender cycles over the same list of events, each obtained as the driver hands it over
 * ({@code RawBsonDocument.decode(RawBsonDocumentCodec)}, what the change stream cursor does). Files
 * are deleted between slices, outside the measured time.
 */
final class PipelineThroughput {
    private static final int EVENTS_PER_STEP = 64;
    static final int FLUSH_MAX_EVENTS = Integer.parseInt(Setting.FLUSH_MAX_EVENTS.defaultValue().orElseThrow());
    static final long FLUSH_MAX_BYTES = Long.parseLong(Setting.FLUSH_MAX_BYTES.defaultValue().orElseThrow());
    private static final long BUFFER_MAX_BYTES = Long.parseLong(Setting.BUFFER_MAX_BYTES.defaultValue().orElseThrow());

    /** Median MB/s of each contender. */
    record Result(CpuSlices.Rate pipeline, CpuSlices.Rate driver, CpuSlices.Rate naive) {
    }

    private PipelineThroughput() {
    }

    static Result measure(List<RawBsonDocument> fromDriver, Path scratch, int warmUps, int slices, long sliceNanos)
            throws Exception {
        Pipeline pipeline = new Pipeline(fromDriver, scratch.resolve("pipeline"));
        Driver driver = new Driver(fromDriver);
        Naive naive = new Naive(fromDriver, scratch.resolve("naive"));
        CpuSlices.Rate[] mb = CpuSlices.medians(List.of(
                new CpuSlices.Contender("pipeline", pipeline, pipeline::restart),
                new CpuSlices.Contender("driver", driver),
                new CpuSlices.Contender("naive", naive, naive::clear)), warmUps, slices, sliceNanos);
        pipeline.close();
        naive.clear();
        return new Result(mb[0], mb[1], mb[2]);
    }

    /** The archiver's capture-to-store path for one collection, restarted on an empty folder after every slice. */
    static final class Pipeline implements CpuSlices.Step {
        private static final String COLLECTION = "orders";
        private final List<RawBsonDocument> events;
        private final Path root;
        private final ArchiverMetrics.PerCollection metrics =
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()).collection(COLLECTION);
        private final Runnable noRoomWanted = () -> { };
        private int next;
        private int generation;
        private Path folder;
        private MemoryBudget budget;
        private CollectionBuffer buffer;
        private ExactlyOnceWriter writer;

        Pipeline(List<RawBsonDocument> events, Path root) {
            this.events = events;
            this.root = root;
            restart();
        }

        @Override
        public long run() {
            long bytes = 0;
            for (int k = 0; k < EVENTS_PER_STEP; k++) {
                ChangeEvent event = ChangeEvent.of(events.get(next));
                next = next + 1 == events.size() ? 0 : next + 1;
                metrics.captured(event.operationType(), Instant.ofEpochSecond(event.clusterTime().getTime()));
                boolean full = buffer.add(event);
                metrics.buffered(buffer.size(), buffer.bytes());
                if (full) {
                    writer.flush(buffer, FlushTrigger.SIZE);
                }
                budget.whenRoom(noRoomWanted);
                bytes += event.byteSize();
            }
            return bytes;
        }

        /** A new process on an empty archive folder; the previous folder is deleted. */
        void restart() {
            close();
            folder = root.resolve("run-" + generation++);
            budget = new MemoryBudget(BUFFER_MAX_BYTES);
            buffer = new CollectionBuffer(budget, FLUSH_MAX_EVENTS, FLUSH_MAX_BYTES);
            writer = new ExactlyOnceWriter(COLLECTION, new LocalArchiveStore(folder), new LatestCheckpointOnly(),
                    Leases.hold(COLLECTION, 1),
                    new ArchiveLayout("", Compression.NONE), new SegmentEncoder(JsonMode.CANONICAL, Compression.NONE),
                    Clock.systemUTC(), new RetryPolicy(1, Duration.ZERO, Duration.ZERO), metrics);
            writer.recover();
        }

        void close() {
            if (folder != null) {
                deleteTree(folder);
            }
        }
    }

    static final class Driver implements CpuSlices.Step {
        private static final JsonWriterSettings EXTENDED =
                JsonWriterSettings.builder().outputMode(org.bson.json.JsonMode.EXTENDED).build();
        private final List<RawBsonDocument> events;
        private final int[] sizes;
        private int next;
        private long sink;

        Driver(List<RawBsonDocument> events) {
            this.events = events;
            this.sizes = events.stream().mapToInt(e -> e.getByteBuffer().remaining()).toArray();
        }

        @Override
        public long run() {
            long bytes = 0;
            for (int k = 0; k < EVENTS_PER_STEP; k++) {
                sink += events.get(next).toJson(EXTENDED).getBytes(StandardCharsets.UTF_8).length;
                bytes += sizes[next];
                next = next + 1 == events.size() ? 0 : next + 1;
            }
            return sink == -1 ? 0 : bytes;
        }
    }

    static final class Naive implements CpuSlices.Step {
        private static final DocumentCodec DOCUMENTS = new DocumentCodec();
        private static final JsonWriterSettings PRETTY =
                JsonWriterSettings.builder().outputMode(org.bson.json.JsonMode.RELAXED).indent(true).build();
        private final List<RawBsonDocument> events;
        private final int[] sizes;
        private final Path folder;
        private final StringBuilder file = new StringBuilder();
        private int next;
        private int inFile;
        private int files;

        Naive(List<RawBsonDocument> events, Path folder) {
            this.events = events;
            this.sizes = events.stream().mapToInt(e -> e.getByteBuffer().remaining()).toArray();
            this.folder = folder;
        }

        @Override
        public long run() throws IOException {
            long bytes = 0;
            for (int k = 0; k < EVENTS_PER_STEP; k++) {
                Document document = events.get(next).decode(DOCUMENTS);
                file.append(document.toJson(PRETTY)).append('\n');
                bytes += sizes[next];
                next = next + 1 == events.size() ? 0 : next + 1;
                if (++inFile == FLUSH_MAX_EVENTS) {
                    Files.createDirectories(folder);
                    Files.writeString(folder.resolve("flush-" + files++ + ".json"), file);
                    file.setLength(0);
                    inFile = 0;
                }
            }
            return bytes;
        }

        void clear() {
            deleteTree(folder);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + root, e);
        }
    }
}
