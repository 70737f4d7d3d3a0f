package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.testing.Events;
import io.changestream.archiver.testing.FaultyStore;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.changestream.archiver.testing.WriterHarness;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The exactly-once protocol of {@link ExactlyOnceWriter}, step by step. Each test stops the protocol at one point
 * (a failed step, or a "crash": the writer and its buffer are thrown away and a new one recovers from the same
 * store and tracker, while the stream re-delivers everything after the recovered checkpoint), then checks that the
 * archive holds every delivered event exactly once, in order, and that the flush log tiles every file.
 */
class ExactlyOnceWriterTest {
    private static final String COLLECTION = WriterHarness.COLLECTION;
    // 20 events from 00:59:50: the first ten fall in hour 00, the rest in hour 01.
    private static final Instant START = Instant.parse("2026-11-22T00:59:50Z");

    @TempDir
    Path dir;

    private final List<ChangeEvent> stream = Events.inserts(20, START);
    private WriterHarness h;
    private InMemoryCheckpointStore tracker;
    private FaultyStore store;
    private CollectionBuffer buffer;
    private ExactlyOnceWriter writer;

    private Backend backend = Backend.LOCAL;

    @RegisterExtension
    final Backend.Stores stores = new Backend.Stores();

    static Stream<Arguments> everyStore() {
        return Backend.everyStore();
    }

    private void start(Backend backend, Compression compression, int attempts) {
        this.backend = backend;
        start(compression, attempts);
    }

    private void start(Compression compression, int attempts) {
        h = new WriterHarness(stores.open(backend, dir).store(), compression, stream, START);
        tracker = h.tracker;
        store = h.store;
        restart(attempts);
        h.deliver(stream.size());
    }

    /** A new process: fresh writer and buffer, recovery, then the stream delivers everything after the checkpoint. */
    private Optional<Checkpoint> restart(int attempts) {
        Optional<Checkpoint> checkpoint = h.restart(attempts);
        buffer = h.buffer;
        writer = h.writer;
        return checkpoint;
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void step1_aFlushSpanningAnHourBoundaryWritesEachHoursFileAndCheckpointsTheLastEvent(Backend b, Compression c) {
        start(b, c, 1);
        FlushResult result = writer.flush(buffer, FlushTrigger.MANUAL);

        assertThat(result.events()).isEqualTo(20);
        assertThat(result.files()).containsExactly("orders/2026-11-22-00" + c.suffix(), "orders/2026-11-22-01" + c.suffix());
        assertThat(buffer.size()).isZero();
        assertThat(tracker.load(COLLECTION).orElseThrow().resumeToken()).contains(stream.get(19).resumeToken());
        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void step2_secondFlushInTheSameHourAppendsAndNeverOverwrites(Backend b, Compression c) {
        start(b, c, 1);
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
    @MethodSource("everyStore")
    void step2_appendFailingBeforeWritingKeepsTheEventsBufferedAndTheRetryWritesThemOnce(Backend b, Compression c) {
        start(b, c, 2);
        List<ChangeEvent> before = buffer.snapshot();
        store.failBeforeWrite(2); // both attempts of the flush

        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);
        assertThat(buffer.snapshot()).as("the buffer after the failed flush").containsExactlyElementsOf(before);
        assertThat(store.list(COLLECTION)).as("nothing written").allMatch(f -> store.length(f) == 0);
        assertThat(tracker.load(COLLECTION)).isEmpty();
        assertThat(tracker.flushLog(COLLECTION)).isEmpty();

        assertThat(writer.flush(buffer, FlushTrigger.MANUAL).events()).isEqualTo(20); // the retry: the next trigger
        assertThat(buffer.size()).isZero();
        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void step2_anAppendThatCommitsButAnswersAnErrorIsAdoptedOnRetryNotWrittenTwice(Backend b, Compression c) {
        start(b, c, 3);
        store.failAfterCommit(1);

        assertThat(writer.flush(buffer, FlushTrigger.MANUAL).events()).isEqualTo(20);
        assertThat(tracker.flushLog(COLLECTION)).extracting(FlushRecord::trigger).contains(FlushTrigger.RECOVERY);
        assertArchiveHoldsExactlyOnce(20);
    }

    /** Local folder only: ADLS commits are atomic, so a torn tail cannot exist there. */
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
    @MethodSource("everyStore")
    void step2to3_crashAfterTheAppendBeforeTheCheckpointAdoptsTheAppendedEventsOnRestart(Backend b, Compression c) {
        start(b, c, 1);
        tracker.failNextLogWrite();
        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);
        assertThat(tracker.load(COLLECTION)).isEmpty();

        Optional<Checkpoint> recovered = restart(1);
        assertThat(recovered.orElseThrow().resumeToken()).contains(stream.get(9).resumeToken());
        writer.flush(buffer, FlushTrigger.MANUAL);

        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void step3_crashBetweenTheFlushLogAndTheCheckpointRewritesTheSameLogEntryOnRestart(Backend b, Compression c) {
        start(b, c, 1);
        tracker.failNextCheckpointWrite();
        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);

        restart(1);
        writer.flush(buffer, FlushTrigger.MANUAL);

        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void step3_aTrackerOutageFailsTheFlushKeepsTheEventsAndTheNextFlushWritesNothingTwice(Backend b, Compression c) {
        start(b, c, 1);
        tracker.down(true);
        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);
        assertThat(buffer.size()).isEqualTo(20);

        tracker.down(false);
        writer.flush(buffer, FlushTrigger.MANUAL);

        assertThat(buffer.size()).isZero();
        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void step4_linesBeyondTheCheckpointThatThisWriterDidNotWriteAreAConflictNotOverwritten(Backend b, Compression c) {
        start(b, c, 2);
        List<ChangeEvent> foreign = List.of(Events.insert(1_000, START), Events.insert(1_001, START.plusSeconds(1)));
        SegmentEncoder.Encoded encoded = new SegmentEncoder(JsonMode.CANONICAL, c).encode(foreign);
        byte[] bytes = java.util.Arrays.copyOf(encoded.data(), encoded.length());
        ArchiveFile file = new ArchiveFile("orders/2026-11-22-00" + c.suffix());
        store.append(file, 0, bytes, 0, bytes.length);

        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL))
                .isInstanceOf(FlushFailedException.class)
                .satisfies(e -> assertThat(((FlushFailedException) e).conflict()).isTrue());
        assertThat(store.length(file)).isEqualTo(bytes.length);
        assertThat(buffer.size()).isEqualTo(20);
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void anIdleCollectionsCheckpointMovesToThePostBatchTokenAndARestartResumesThere(Backend b, Compression c) {
        start(b, c, 1);
        List<ChangeEvent> all = buffer.snapshot();
        buffer.removeDurable(all.size());
        all.subList(0, 10).forEach(buffer::add); // hour 00 is archived, then the stream goes quiet
        writer.flush(buffer, FlushTrigger.MANUAL);
        Checkpoint archived = tracker.load(COLLECTION).orElseThrow();
        // The post-batch token of a quiet stream: after event 9, before the next event the stream will deliver.
        BsonDocument postBatch = new BsonDocument("_data", new org.bson.BsonString("t000000009~post-batch"));

        writer.advanceIdle(postBatch, new org.bson.BsonTimestamp((int) START.getEpochSecond() + 5, 1));

        Checkpoint idle = tracker.load(COLLECTION).orElseThrow();
        assertThat(idle.resumeToken()).contains(postBatch);
        assertThat(idle.file()).isEqualTo(archived.file());
        assertThat(idle.fileLength()).isEqualTo(archived.fileLength());
        assertThat(idle.totalEvents()).isEqualTo(10);
        assertThat(tracker.flushLog(COLLECTION)).hasSize(1);

        Optional<Checkpoint> recovered = restart(1); // the stream re-delivers everything after the recovered token

        assertThat(recovered.orElseThrow().resumeToken()).contains(postBatch);
        assertThat(buffer.snapshot()).as("what the restarted stream delivers").containsExactlyElementsOf(
                all.subList(10, 20));
        writer.flush(buffer, FlushTrigger.MANUAL);
        assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void aFirstStartRecordsWhereCaptureBeginsBeforeAnyEventIsArchived(Backend b, Compression c) {
        start(b, c, 1);
        org.bson.BsonTimestamp begin = new org.bson.BsonTimestamp((int) START.getEpochSecond(), 0);

        writer.beginAt(begin);

        Checkpoint first = tracker.load(COLLECTION).orElseThrow();
        assertThat(first.resumeToken()).isEmpty();
        assertThat(first.clusterTime()).isEqualTo(begin);
        assertThat(first.file()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void switchingCompressionBackAndForthWithinAnHourNeverReadoptsTheOlderFiles() {
        start(Backend.LOCAL, Compression.NONE, 1);
        List<ChangeEvent> all = buffer.snapshot();
        buffer.removeDurable(all.size());
        all.subList(0, 15).forEach(buffer::add);
        writer.flush(buffer, FlushTrigger.MANUAL);       // hour 00 and 01, .json
        h.compression = Compression.GZIP;
        restart(1);
        buffer.removeDurable(buffer.size());
        all.subList(15, 18).forEach(buffer::add);
        writer.flush(buffer, FlushTrigger.MANUAL);       // hour 01, .json.gz
        h.compression = Compression.NONE;
        restart(1);
        assertThat(tracker.flushLog(COLLECTION)).noneMatch(r -> r.trigger() == FlushTrigger.RECOVERY);
        buffer.removeDurable(buffer.size());
        all.subList(18, 20).forEach(buffer::add);
        writer.flush(buffer, FlushTrigger.MANUAL);       // hour 01, .json again, appended

        List<String> tokens = new java.util.ArrayList<>();
        for (ArchiveFile file : store.list(COLLECTION)) {
            Compression c = file.path().endsWith(".gz") ? Compression.GZIP : Compression.NONE;
            io.changestream.archiver.encode.ArchiveLines.split(h.readAll(file), c).units().forEach(u -> u.lines()
                    .forEach(line -> tokens.add(org.bson.RawBsonDocument.parse(new String(line,
                            java.nio.charset.StandardCharsets.UTF_8)).getDocument("_id").toJson())));
        }
        assertThat(tokens).containsExactlyInAnyOrderElementsOf(
                stream.stream().map(e -> e.resumeToken().toJson()).toList());
        assertThat(tracker.load(COLLECTION).orElseThrow().resumeToken()).contains(stream.get(19).resumeToken());
    }

    private void assertArchiveHoldsExactlyOnce(int count) {
        h.assertArchiveHoldsExactlyOnce(count);
    }
}
