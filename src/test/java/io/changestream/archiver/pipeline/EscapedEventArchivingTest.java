package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.replay.LineDecoder;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.Events;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.changestream.archiver.testing.Leases;
import io.changestream.archiver.testing.WriterHarness;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Issue 13, finding 7, through the writer: events holding documents led by an Extended JSON keyword are archived as
 * escaped lines, counted, read back as exactly those events, and adopted as exactly those events by recovery.
 */
class EscapedEventArchivingTest {
    private static final Instant START = Instant.parse("2026-11-22T00:10:00Z");

    @TempDir
    Path dir;

    /** Ten inserts; the odd ones hold user documents that look like type wrappers. */
    private static List<ChangeEvent> stream() {
        List<ChangeEvent> events = new ArrayList<>();
        for (ChangeEvent plain : Events.inserts(10, START)) {
            BsonDocument event = plain.raw().decode(new BsonDocumentCodec());
            int n = event.getDocument("documentKey").getInt32("_id").getValue();
            if (n % 2 == 1) {
                event.getDocument("fullDocument")
                        .append("ref", new BsonDocument("$oid", new BsonString("not-an-oid")))
                        .append("count", new BsonDocument("$numberLong", new BsonString(String.valueOf(n))));
            }
            events.add(ChangeEvent.of(new RawBsonDocument(event, new BsonDocumentCodec())));
        }
        return events;
    }

    @ParameterizedTest
    @EnumSource(JsonMode.class)
    void escapedEventsAreArchivedCountedAndDecodeToTheExactEvents(JsonMode mode) {
        List<ChangeEvent> stream = stream();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        LocalArchiveStore store = new LocalArchiveStore(dir);
        ExactlyOnceWriter writer = new ExactlyOnceWriter(WriterHarness.COLLECTION, store, new InMemoryCheckpointStore(),
                Leases.hold(WriterHarness.COLLECTION, 1), new ArchiveLayout("", Compression.NONE),
                new SegmentEncoder(mode, Compression.NONE), Clock.fixed(START, ZoneOffset.UTC),
                new RetryPolicy(1, Duration.ZERO, Duration.ZERO),
                new ArchiverMetrics(registry, Clock.systemUTC()).collection(WriterHarness.COLLECTION));
        writer.recover();
        CollectionBuffer buffer = new CollectionBuffer(new MemoryBudget(1L << 30), 1000, 1L << 30);
        stream.forEach(buffer::add);

        writer.flush(buffer, FlushTrigger.MANUAL);

        assertThat(registry.get("archiver.events.escaped").tag("collection", WriterHarness.COLLECTION).counter()
                .count()).isEqualTo(5);
        List<ChangeEvent> read = new ArrayList<>();
        for (byte[] line : lines(store, Compression.NONE)) {
            read.add(LineDecoder.decode(line));
        }
        assertThat(read).containsExactlyElementsOf(stream); // ChangeEvent equality is byte equality
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void anEscapedLineBeyondTheCheckpointIsAdoptedAsTheExactEvent(Compression compression) {
        List<ChangeEvent> stream = stream();
        WriterHarness h = new WriterHarness(new LocalArchiveStore(dir), compression, stream, START);
        h.restart(1);
        h.deliver(stream.size());
        h.tracker.failNextLogWrite();
        assertThatThrownBy(() -> h.writer.flush(h.buffer, FlushTrigger.MANUAL)).isInstanceOf(FlushFailedException.class);

        ArchiveFile file = new ArchiveLayout("", compression).file(WriterHarness.COLLECTION,
                HourSlot.of(stream.get(0).clusterTime()));
        assertThat(StoredTail.read(h.store, file, 0, compression,
                io.changestream.archiver.capture.StreamContinuation.after(WriterHarness.COLLECTION, Optional.empty(),
                        Optional.empty())).events()).containsExactlyElementsOf(stream);
        Optional<Checkpoint> recovered = h.restart(1);

        assertThat(recovered.orElseThrow().resumeToken()).contains(stream.get(9).resumeToken());
        h.writer.flush(h.buffer, FlushTrigger.MANUAL);
        h.assertArchiveHoldsExactlyOnce(10);
    }

    private List<byte[]> lines(LocalArchiveStore store, Compression compression) {
        List<byte[]> lines = new ArrayList<>();
        for (ArchiveFile file : store.list(new ArchiveLayout("", compression).folder(WriterHarness.COLLECTION))) {
            try (var in = store.read(file, 0)) {
                ArchiveLines.split(in.readAllBytes(), compression).units().forEach(u -> lines.addAll(u.lines()));
            } catch (java.io.IOException e) {
                throw new AssertionError(e);
            }
        }
        return lines;
    }
}
