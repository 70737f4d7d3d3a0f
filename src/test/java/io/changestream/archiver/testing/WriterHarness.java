package io.changestream.archiver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.buffer.CollectionBuffer;
import io.changestream.archiver.buffer.MemoryBudget;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.pipeline.ExactlyOnceWriter;
import io.changestream.archiver.pipeline.RetryPolicy;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.verify.CollectionVerdict;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.RawBsonDocument;

/**
 * One collection's writer over a store and tracker that outlive it, for protocol tests. A {@link #restart} is a
 * process death: writer and buffer are thrown away, a new writer recovers, and the "stream" re-delivers every
 * delivered event after the recovered checkpoint.
 */
public final class WriterHarness {
    public static final String COLLECTION = "orders";

    public final InMemoryCheckpointStore tracker = new InMemoryCheckpointStore();
    public final FaultyStore store;
    public Compression compression;
    private final List<ChangeEvent> stream;
    private final Instant now;
    private int delivered;
    private long epoch;
    public CollectionBuffer buffer;
    public ExactlyOnceWriter writer;

    public WriterHarness(ArchiveStore store, Compression compression, List<ChangeEvent> stream, Instant now) {
        this.store = new FaultyStore(store);
        this.compression = compression;
        this.stream = stream;
        this.now = now;
    }

    /** Starts a new "process" and returns the checkpoint it recovered. */
    public Optional<Checkpoint> restart(int attempts) {
        buffer = new CollectionBuffer(new MemoryBudget(1L << 34), 1_000_000, 1L << 34);
        // Each process acquires the lease anew: a new epoch, as after a real restart.
        writer = new ExactlyOnceWriter(COLLECTION, store, tracker, Leases.hold(COLLECTION, ++epoch),
                new ArchiveLayout("", compression),
                new SegmentEncoder(JsonMode.CANONICAL, compression), Clock.fixed(now, ZoneOffset.UTC),
                new RetryPolicy(attempts, Duration.ZERO, Duration.ZERO),
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()).collection(COLLECTION));
        Optional<Checkpoint> checkpoint = writer.recover();
        int next = checkpoint.flatMap(Checkpoint::resumeToken).map(t -> indexOf(t) + 1).orElse(0);
        stream.subList(next, delivered).forEach(buffer::add);
        return checkpoint;
    }

    /** The stream delivers its next {@code count} events (or as many as remain). */
    public void deliver(int count) {
        int end = Math.min(stream.size(), delivered + count);
        stream.subList(delivered, end).forEach(buffer::add);
        delivered = end;
    }

    public int delivered() {
        return delivered;
    }

    /** The archive holds the first {@code count} events of the stream exactly once, in order, fully logged. */
    public void assertArchiveHoldsExactlyOnce(int count) {
        ArchiveLayout layout = new ArchiveLayout("", compression);
        List<BsonDocument> tokens = new ArrayList<>();
        for (ArchiveFile file : store.list(layout.folder(COLLECTION))) {
            byte[] bytes = readAll(file);
            ArchiveLines.Units units = ArchiveLines.split(bytes, compression);
            assertThat(units.completeLength()).as("no torn tail in %s", file).isEqualTo(bytes.length);
            units.units().forEach(u -> u.lines().forEach(line -> tokens.add(
                    RawBsonDocument.parse(new String(line, StandardCharsets.UTF_8)).getDocument("_id"))));
            assertFlushLogTiles(file, bytes);
        }
        List<BsonDocument> expected = stream.subList(0, count).stream().map(ChangeEvent::resumeToken).toList();
        assertThat(tokens).containsExactlyElementsOf(expected);
        CollectionVerdict verdict = new Verifier(new ArchiveCatalog(store, ""), tracker).verify(COLLECTION);
        assertThat(verdict.consistent()).as("verify: %s", verdict).isTrue();
        if (count > 0) {
            assertThat(tracker.load(COLLECTION).orElseThrow().resumeToken()).contains(expected.get(count - 1));
        }
    }

    private void assertFlushLogTiles(ArchiveFile file, byte[] bytes) {
        long next = 0;
        for (FlushRecord r : tracker.flushLog(COLLECTION)) {
            if (r.file().equals(file.path())) {
                assertThat(r.offset()).as("range of %s starts where the previous ended", file).isEqualTo(next);
                assertThat(r.sha256()).as("sha-256 of %s@%d", file, r.offset())
                        .isEqualTo(sha256(bytes, (int) r.offset(), (int) r.length()));
                next = r.end();
            }
        }
        assertThat(next).as("flush log covers all of %s", file).isEqualTo(bytes.length);
    }

    public byte[] readAll(ArchiveFile file) {
        try (InputStream in = store.read(file, 0)) {
            return in.readAllBytes();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static String sha256(byte[] data, int offset, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(data, offset, length);
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new AssertionError(e);
        }
    }

    /**
     * The position of {@code token} in the stream. A post-batch token (an idle collection's checkpoint) is no event's
     * token: it stands after the last event whose token sorts before it ({@code _data} compares as a string, as
     * MongoDB's hex tokens do), and the stream resumes after that event.
     */
    private int indexOf(BsonDocument token) {
        for (int i = 0; i < stream.size(); i++) {
            if (stream.get(i).resumeToken().equals(token)) {
                return i;
            }
        }
        if (!token.isString("_data")) {
            throw new AssertionError("checkpoint token not in the stream: " + token.toJson());
        }
        String data = token.getString("_data").getValue();
        int before = -1;
        for (int i = 0; i < stream.size(); i++) {
            if (stream.get(i).resumeToken().getString("_data").getValue().compareTo(data) < 0) {
                before = i;
            }
        }
        return before;
    }
}
