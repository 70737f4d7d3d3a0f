package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.Events;
import io.changestream.archiver.testing.FaultyStore;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The exactly-once protocol of {@link ExactlyOnceWriter}, step by step. Each test stops the protocol at one point
 * (a failed step, or a "crash": the writer and its buffer are thrown away and a new one recovers from the same
 * store and tracker, while the stream re-delivers everything after the recovered checkpoint), then checks that the
 * archive holds every delivered event exactly once, in order, and that the flush log tiles every file.
 */
class ExactlyOnceWriterTest {
    private static final String COLLECTION = "orders";
    // 20 events from 00:59:50: the first ten fall in hour 00, the rest in hour 01.
    private static final Instant START = Instant.parse("2026-11-22T00:59:50Z");

    @TempDir
    Path dir;

    private final InMemoryCheckpointStore tracker = new InMemoryCheckpointStore();
    private final List<ChangeEvent> stream = Events.inserts(20, START);
    private FaultyStore store;
    private Compression compression;
    private CollectionBuffer buffer;
    private ExactlyOnceWriter writer;

    private void start(Compression compression, int attempts) {
        this.compression = compression;
        this.store = new FaultyStore(new LocalArchiveStore(dir));
        restart(attempts);
    }

    /** A new process: fresh writer and buffer, recovery, then the stream delivers everything after the checkpoint. */
    private Optional<Checkpoint> restart(int attempts) {
        buffer = new CollectionBuffer(new MemoryBudget(1 << 30), 1_000, 1 << 30);
        writer = new ExactlyOnceWriter(COLLECTION, store, tracker, new ArchiveLayout("", compression),
                new SegmentEncoder(JsonMode.CANONICAL, compression), Clock.fixed(START, ZoneOffset.UTC),
                new RetryPolicy(attempts, Duration.ZERO, Duration.ZERO),
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()).collection(COLLECTION));
        Optional<Checkpoint> checkpoint = writer.recover();
        int next = checkpoint.flatMap(Checkpoint::resumeToken).map(t -> indexOf(t) + 1).orElse(0);
        stream.subList(next, stream.size()).forEach(buffer::add);
        return checkpoint;
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step1_aFlushSpanningAnHourBoundaryWritesEachHoursFileAndCheckpointsTheLastEvent(Compression c) {
        start(c, 1);
        FlushResult result = writer.flush(buffer, FlushTrigger.MANUAL);

        assertThat(result.events()).isEqualTo(20);
        assertThat(result.files()).containsExactly("orders/2026-11-22-00" + c.suffix(), "orders/2026-11-22-01" + c.suffix());
        assertThat(buffer.size()).isZero();
        assertThat(tracker.load(COLLECTION).orElseThrow().resumeToken()).contains(stream.get(19).resumeToken());
        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step2_secondFlushInTheSameHourAppendsAndNeverOverwrites(Compression c) {
        start(c, 1);
        List<ChangeEvent> all = buffer.snapshot();
        buffer.removeDurable(all.size());
        all.subList(0, 4).forEach(buffer::add);
        writer.flush(buffer, FlushTrigger.SIZE);
        all.subList(4, 8).forEach(buffer::add);
        writer.flush(buffer, FlushTrigger.SCHEDULE);

        List<FlushRecord> log = tracker.flushLog(COLLECTION);
        assertThat(log).hasSize(2);
        assertThat(log.get(1).offset()).isEqualTo(log.get(0).end());
        assertThat(log).extracting(FlushRecord::trigger).containsExactly(FlushTrigger.SIZE, FlushTrigger.SCHEDULE);
        assertArchiveHoldsExactlyOnce(8);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step2_appendFailingBeforeWritingKeepsTheEventsBufferedAndTheRetryWritesThemOnce(Compression c) {
        start(c, 3);
        store.failBeforeWrite(2);

        assertThat(writer.flush(buffer, FlushTrigger.MANUAL).events()).isEqualTo(20);
        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step2_anAppendThatCommitsButAnswersAnErrorIsAdoptedOnRetryNotWrittenTwice(Compression c) {
        start(c, 3);
        store.failAfterCommit(1);

        assertThat(writer.flush(buffer, FlushTrigger.MANUAL).events()).isEqualTo(20);
        assertThat(tracker.flushLog(COLLECTION)).extracting(FlushRecord::trigger).contains(FlushTrigger.RECOVERY);
        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step2_crashMidAppendLeavesATornTailThatRecoveryCutsBeforeResuming(Compression c) {
        start(c, 1);
        store.tornWrite(1);
        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);
        assertThat(store.length(new ArchiveFile("orders/2026-11-22-00" + c.suffix()))).isPositive();

        restart(1); // crash: buffer lost; the stream re-delivers after the checkpoint
        writer.flush(buffer, FlushTrigger.MANUAL);

        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step2to3_crashAfterTheAppendBeforeTheCheckpointAdoptsTheAppendedEventsOnRestart(Compression c) {
        start(c, 1);
        tracker.failNextLogWrite();
        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);
        assertThat(tracker.load(COLLECTION)).isEmpty();

        Optional<Checkpoint> recovered = restart(1);
        assertThat(recovered.orElseThrow().resumeToken()).contains(stream.get(9).resumeToken());
        writer.flush(buffer, FlushTrigger.MANUAL);

        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step3_crashBetweenTheFlushLogAndTheCheckpointRewritesTheSameLogEntryOnRestart(Compression c) {
        start(c, 1);
        tracker.failNextCheckpointWrite();
        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);

        restart(1);
        writer.flush(buffer, FlushTrigger.MANUAL);

        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step3_aTrackerOutageFailsTheFlushKeepsTheEventsAndTheNextFlushWritesNothingTwice(Compression c) {
        start(c, 1);
        tracker.down(true);
        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);
        assertThat(buffer.size()).isEqualTo(20);

        tracker.down(false);
        writer.flush(buffer, FlushTrigger.MANUAL);

        assertThat(buffer.size()).isZero();
        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step4_linesBeyondTheCheckpointThatThisWriterDidNotWriteAreAConflictNotOverwritten(Compression c) {
        start(c, 2);
        List<ChangeEvent> foreign = List.of(Events.insert(1_000, START), Events.insert(1_001, START.plusSeconds(1)));
        byte[] bytes = new SegmentEncoder(JsonMode.CANONICAL, c).encode(foreign);
        ArchiveFile file = new ArchiveFile("orders/2026-11-22-00" + c.suffix());
        store.append(file, 0, bytes, 0, bytes.length);

        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL))
                .isInstanceOf(FlushFailedException.class)
                .satisfies(e -> assertThat(((FlushFailedException) e).conflict()).isTrue());
        assertThat(store.length(file)).isEqualTo(bytes.length);
        assertThat(buffer.size()).isEqualTo(20);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void anIdleCollectionsCheckpointMovesToThePostBatchTokenAndARestartResumesThere(Compression c) {
        start(c, 1);
        writer.flush(buffer, FlushTrigger.MANUAL);
        Checkpoint archived = tracker.load(COLLECTION).orElseThrow();
        BsonDocument postBatch = new BsonDocument("_data", new org.bson.BsonString("t999999999"));

        writer.advanceIdle(postBatch, new org.bson.BsonTimestamp((int) START.getEpochSecond() + 600, 1));

        Checkpoint idle = tracker.load(COLLECTION).orElseThrow();
        assertThat(idle.resumeToken()).contains(postBatch);
        assertThat(idle.file()).isEqualTo(archived.file());
        assertThat(idle.fileLength()).isEqualTo(archived.fileLength());
        assertThat(idle.totalEvents()).isEqualTo(20);
        assertThat(tracker.flushLog(COLLECTION)).hasSize(2);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void aFirstStartRecordsWhereCaptureBeginsBeforeAnyEventIsArchived(Compression c) {
        start(c, 1);
        org.bson.BsonTimestamp begin = new org.bson.BsonTimestamp((int) START.getEpochSecond(), 0);

        writer.beginAt(begin);

        Checkpoint first = tracker.load(COLLECTION).orElseThrow();
        assertThat(first.resumeToken()).isEmpty();
        assertThat(first.clusterTime()).isEqualTo(begin);
        assertThat(first.file()).isEmpty();
    }

    // --- checks -------------------------------------------------------------------------------------------------

    /** The archive holds the first {@code count} events of the stream exactly once, in order, fully logged. */
    private void assertArchiveHoldsExactlyOnce(int count) {
        ArchiveLayout layout = new ArchiveLayout("", compression);
        List<BsonDocument> tokens = new ArrayList<>();
        for (ArchiveFile file : store.list(layout.folder(COLLECTION))) {
            byte[] bytes = readAll(file);
            ArchiveLines.Units units = ArchiveLines.split(bytes, compression);
            assertThat(units.completeLength()).as("no torn tail in %s", file).isEqualTo(bytes.length);
            units.units().forEach(u -> u.lines().forEach(line -> tokens.add(
                    RawBsonDocument.parse(new String(line, StandardCharsets.UTF_8)).getDocument("_id"))));
            assertFlushLogTiles(file, bytes.length);
        }
        List<BsonDocument> expected = stream.subList(0, count).stream().map(ChangeEvent::resumeToken).toList();
        assertThat(tokens).containsExactlyElementsOf(expected);
        assertThat(tracker.load(COLLECTION).orElseThrow().resumeToken()).contains(expected.get(count - 1));
    }

    private void assertFlushLogTiles(ArchiveFile file, long length) {
        long next = 0;
        for (FlushRecord r : tracker.flushLog(COLLECTION)) {
            if (r.file().equals(file.path())) {
                assertThat(r.offset()).as("range of %s starts where the previous ended", file).isEqualTo(next);
                byte[] bytes = readAll(file);
                assertThat(r.sha256()).isEqualTo(ExactlyOnceWriter.sha256(bytes, (int) r.offset(), (int) r.length()));
                next = r.end();
            }
        }
        assertThat(next).as("flush log covers all of %s", file).isEqualTo(length);
    }

    private byte[] readAll(ArchiveFile file) {
        try (InputStream in = store.read(file, 0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private int indexOf(BsonDocument token) {
        for (int i = 0; i < stream.size(); i++) {
            if (stream.get(i).resumeToken().equals(token)) {
                return i;
            }
        }
        throw new AssertionError("checkpoint token not in the stream: " + token.toJson());
    }
}
