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
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.verify.CollectionVerdict;
import io.changestream.archiver.replay.verify.Finding;
import io.changestream.archiver.replay.verify.Verifier;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import io.changestream.archiver.testing.Leases;
import io.changestream.archiver.testing.WriterHarness;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Step 4 of {@link ExactlyOnceWriter}'s protocol distrusts what it finds beyond the checkpoint (issue 13, findings
 * 2 and 3): only lines that provably continue the stream are adopted; a duplicated range, a forged or backwards
 * token, another collection's event, a missing checkpoint file or an empty volume are conflicts that name file and
 * offset, and nothing is cut, adopted or written. The stream here is shaped like MongoDB's: KeyString tokens, and
 * a transaction whose ten events share one clusterTime and differ in {@code txnOpIndex}. {@code verify} (finding
 * 5) is held against recovery on the same archives: what it calls pending is what recovery adopts, and every line
 * recovery refuses is a problem at the same file and offset.
 */
class ExactlyOnceWriterRecoveryTest {
    private static final String COLLECTION = WriterHarness.COLLECTION;
    private static final Instant START = Instant.parse("2026-11-22T00:59:50Z");
    private static final String HOUR_01 = "orders/2026-11-22-01";

    @TempDir
    Path dir;

    @TempDir
    Path emptyVolume;

    /** Ten events a second apart in hour 00, then a transaction of ten events at 01:00:00, all in hour 01. */
    private final List<ChangeEvent> stream = mongoLikeStream();
    private WriterHarness h;
    @RegisterExtension
    final Backend.Stores stores = new Backend.Stores();
    private Backend.Opened archive;

    static Stream<Arguments> everyStore() {
        return Backend.everyStore();
    }

    /** A first process archives the whole stream; returns the hour-01 file, which the checkpoint points into. */
    private ArchiveFile archiveEverything(Backend backend, Compression compression) {
        archive = stores.open(backend, dir);
        h = new WriterHarness(archive.store(), compression, stream, START);
        h.restart(1);
        h.deliver(stream.size());
        h.writer.flush(h.buffer, FlushTrigger.MANUAL);
        h.assertArchiveHoldsExactlyOnce(stream.size());
        return new ArchiveFile(HOUR_01 + compression.suffix());
    }

    // --- finding 2: only a provable continuation is adopted ----------------------------------------------------

    @ParameterizedTest
    @MethodSource("everyStore")
    void step4_finding2_aRangeOfAFileAppendedToItselfIsAConflictNotAdoptedAndTheCheckpointNeverMovesBack(
            Backend b, Compression c) {
        ArchiveFile file = archiveEverything(b, c);
        long length = h.store.length(file);
        byte[] whole = h.readAll(file);
        h.store.append(file, length, whole, 0, whole.length); // the transaction, archived twice

        assertConflictAt(file, length, "went backwards");
    }

    @ParameterizedTest
    @ValueSource(strings = {"forged", "82DEADBEEF00000001", "8269A1B2C3"})
    void step4_finding2_aForgedTokenAfterTheCheckpointIsAConflictAndItsTornTailIsNotCut(String forged) {
        ArchiveFile file = archiveEverything(Backend.LOCAL, Compression.NONE);
        long length = h.store.length(file);
        ChangeEvent event = event(COLLECTION, 50, 3600, 1, 0, forged);
        append(file, Compression.NONE, event);
        byte[] torn = "{\"_id\": {\"_da".getBytes(StandardCharsets.UTF_8);
        h.store.append(file, h.store.length(file), torn, 0, torn.length);
        long tampered = h.store.length(file);

        assertConflictAt(file, length, "token");
        assertThat(h.store.length(file)).as("torn tail left in place").isEqualTo(tampered);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step4_finding2_aTokenGoingBackwardsWithinTheCheckpointsTransactionIsAConflict(Compression c) {
        ArchiveFile file = archiveEverything(Backend.LOCAL, c);
        long length = h.store.length(file);
        // Same clusterTime as the checkpoint's event (the transaction's), an earlier txnOpIndex: not after it.
        append(file, c, event(COLLECTION, 77, 10, 1, 3, null));

        assertConflictAt(file, length, "sorts before");
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step4_finding2_anotherCollectionsEventAfterTheCheckpointIsAConflictNotAdoptedIntoThisFlushLog(
            Compression c) {
        ArchiveFile file = archiveEverything(Backend.LOCAL, c);
        long length = h.store.length(file);
        append(file, c, event("users", 1, 3600, 1, 0, null));

        assertConflictAt(file, length, "collection users");
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step4_finding2_linesInALaterHourFileThatDoNotContinueAreAConflictNamingThatFileAtOffsetZero(
            Compression c) {
        archiveEverything(Backend.LOCAL, c);
        ArchiveFile later = new ArchiveFile("orders/2026-11-22-02" + c.suffix());
        append(later, c, event(COLLECTION, 5, 5, 1, 0, null)); // 00:59:55 again, in the 02 file

        assertConflictAt(later, 0, "went backwards");
    }

    @ParameterizedTest
    @MethodSource("everyStore")
    void step4_aTransactionSharingOneClusterTimeIsAdoptedAfterACrashBetweenAppendAndCheckpoint(
            Backend b, Compression c) {
        archive = stores.open(b, dir);
        h = new WriterHarness(archive.store(), c, stream, START);
        h.restart(1);
        h.deliver(10);
        h.writer.flush(h.buffer, FlushTrigger.MANUAL);
        h.deliver(10);
        h.tracker.failNextLogWrite();
        assertThatThrownBy(() -> h.writer.flush(h.buffer, FlushTrigger.MANUAL))
                .isInstanceOf(FlushFailedException.class);

        Checkpoint recovered = h.restart(1).orElseThrow();

        assertThat(recovered.resumeToken()).contains(stream.get(19).resumeToken());
        h.assertArchiveHoldsExactlyOnce(20);
    }

    // --- finding 3: a missing file or an empty volume is noticed ------------------------------------------------

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step4_finding3_aDeletedCheckpointFileIsAConflictAndNoFreshFileIsStartedUnderItsName(Compression c)
            throws IOException {
        ArchiveFile file = archiveEverything(Backend.LOCAL, c);
        Checkpoint before = h.tracker.load(COLLECTION).orElseThrow();
        Files.delete(dir.resolve(file.path()));

        assertThatThrownBy(() -> h.restart(1)).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining(file.path()).hasMessageContaining("missing");
        h.buffer.add(event(COLLECTION, 21, 11, 1, 0, null));
        assertThatThrownBy(() -> h.writer.flush(h.buffer, FlushTrigger.MANUAL))
                .isInstanceOfSatisfying(FlushFailedException.class, e -> assertThat(e.conflict()).isTrue());

        assertThat(Files.exists(dir.resolve(file.path()))).isFalse();
        assertThat(h.tracker.load(COLLECTION)).contains(before);
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void step4_finding3_anEmptyVolumeUnderACheckpointIsAConflictNotAFreshArchive(Compression c) throws IOException {
        ArchiveFile file = archiveEverything(Backend.LOCAL, c);
        int logged = h.tracker.flushLog(COLLECTION).size();
        ExactlyOnceWriter writer = writerOn(new LocalArchiveStore(emptyVolume), c);

        assertThatThrownBy(writer::recover).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining(file.path()).hasMessageContaining("no file of orders at all");
        CollectionBuffer buffer = new CollectionBuffer(new MemoryBudget(1L << 30), 1_000, 1L << 30);
        buffer.add(event(COLLECTION, 21, 11, 1, 0, null));
        assertThatThrownBy(() -> writer.flush(buffer, FlushTrigger.MANUAL))
                .isInstanceOfSatisfying(FlushFailedException.class, e -> assertThat(e.conflict()).isTrue());

        try (Stream<Path> written = Files.walk(emptyVolume)) {
            assertThat(written.filter(Files::isRegularFile)).isEmpty();
        }
        assertThat(h.tracker.flushLog(COLLECTION)).hasSize(logged);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void step4_finding3_aMissingAdlsFileSystemOrPrefixUnderACheckpointIsAConflictAndNothingIsCreated(
            boolean wholeFileSystem) {
        ArchiveFile file = archiveEverything(Backend.ADLS, Compression.NONE);
        if (wholeFileSystem) {
            archive.adls().state().deleteFileSystem("changestreams");
        } else {
            archive.adls().state().deleteFolder("changestreams", "orders");
        }

        assertThatThrownBy(() -> h.restart(1)).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining(file.path()).hasMessageContaining("ADLS file system or prefix");
        h.buffer.add(event(COLLECTION, 21, 11, 1, 0, null));
        assertThatThrownBy(() -> h.writer.flush(h.buffer, FlushTrigger.MANUAL))
                .isInstanceOfSatisfying(FlushFailedException.class, e -> assertThat(e.conflict()).isTrue());

        assertThat(archive.adls().state().fileSystemExists("changestreams")).isEqualTo(!wholeFileSystem);
        if (!wholeFileSystem) {
            assertThat(archive.adls().state().content("changestreams", file.path())).isEmpty();
        }
    }

    // --- finding 5: verify calls pending exactly what recovery adopts -----------------------------------------

    /** Lines after the checkpoint that recovery must refuse. */
    enum NotAContinuation {
        DUPLICATED_RANGE, FORGED_TOKEN, TOKEN_BACKWARDS, FOREIGN_COLLECTION, TIME_BACKWARDS_IN_A_LATER_HOUR
    }

    @ParameterizedTest
    @EnumSource(NotAContinuation.class)
    void finding5_verifyFindsEveryLineRecoveryRefusesAsAProblemAtTheSameFileAndOffset(NotAContinuation tamper) {
        ArchiveFile file = archiveEverything(Backend.LOCAL, Compression.NONE);
        long offset = h.store.length(file);
        switch (tamper) {
            case DUPLICATED_RANGE -> {
                byte[] whole = h.readAll(file);
                h.store.append(file, offset, whole, 0, whole.length);
            }
            case FORGED_TOKEN -> append(file, Compression.NONE, event(COLLECTION, 50, 3600, 1, 0, "82DEADBEEF00000001"));
            case TOKEN_BACKWARDS -> append(file, Compression.NONE, event(COLLECTION, 77, 10, 1, 3, null));
            case FOREIGN_COLLECTION -> append(file, Compression.NONE, event("users", 1, 3600, 1, 0, null));
            case TIME_BACKWARDS_IN_A_LATER_HOUR -> {
                file = new ArchiveFile("orders/2026-11-22-02.json");
                offset = 0;
                append(file, Compression.NONE, event(COLLECTION, 5, 5, 1, 0, null));
            }
            default -> throw new AssertionError(tamper);
        }

        CollectionVerdict verdict = verify();
        assertThat(verdict.consistent()).as("verify: %s", verdict).isFalse();
        assertThat(verdict.findings()).as("verify: %s", verdict)
                .noneMatch(f -> f.kind() == Finding.Kind.PENDING_TAIL)
                .filteredOn(f -> f.kind() == Finding.Kind.NOT_A_CONTINUATION).singleElement()
                .isEqualTo(new Finding(Finding.Severity.PROBLEM, Finding.Kind.NOT_A_CONTINUATION, file.path(), offset,
                        verdict.findings().stream().filter(f -> f.kind() == Finding.Kind.NOT_A_CONTINUATION)
                                .findFirst().orElseThrow().message()));
        assertConflictAt(file, offset, "");
    }

    @ParameterizedTest
    @EnumSource(Compression.class)
    void finding5_whatVerifyCallsPendingIsWhatRecoveryAdopts(Compression c) {
        h = new WriterHarness(new LocalArchiveStore(dir), c, stream, START);
        h.restart(1);
        h.deliver(10);
        h.writer.flush(h.buffer, FlushTrigger.MANUAL);
        h.deliver(10);
        h.tracker.failNextLogWrite(); // the transaction is appended, not logged: beyond the checkpoint
        assertThatThrownBy(() -> h.writer.flush(h.buffer, FlushTrigger.MANUAL))
                .isInstanceOf(FlushFailedException.class);

        CollectionVerdict verdict = verify();
        assertThat(verdict.consistent()).as("verify: %s", verdict).isTrue();
        assertThat(verdict.findings()).extracting(Finding::kind).containsExactly(Finding.Kind.PENDING_TAIL);

        h.restart(1);
        h.assertArchiveHoldsExactlyOnce(20);
    }

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void finding5_verifyFindsAMissingCheckpointFileAndAnEmptyVolume(boolean emptied) throws IOException {
        ArchiveFile file = archiveEverything(Backend.LOCAL, Compression.NONE);
        ArchiveStore store = h.store;
        if (emptied) {
            store = new LocalArchiveStore(emptyVolume);
        } else {
            Files.delete(dir.resolve(file.path()));
        }

        CollectionVerdict verdict = new Verifier(new ArchiveCatalog(store, ""), h.tracker).verify(COLLECTION);

        assertThat(verdict.consistent()).isFalse();
        assertThat(verdict.findings()).anySatisfy(f -> {
            assertThat(f.kind()).isEqualTo(Finding.Kind.MISSING_FILE);
            assertThat(f.file()).isEqualTo(file.path());
        });
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private CollectionVerdict verify() {
        return new Verifier(new ArchiveCatalog(h.store, ""), h.tracker).verify(COLLECTION);
    }

    /** Recovery refuses: the conflict names the file and the offset, and nothing moved in store or tracker. */
    private void assertConflictAt(ArchiveFile file, long offset, String reason) {
        Checkpoint before = h.tracker.load(COLLECTION).orElseThrow();
        List<FlushRecord> log = h.tracker.flushLog(COLLECTION);
        long length = h.store.length(file);

        assertThatThrownBy(() -> h.restart(1)).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining(file.path() + " at offset " + offset).hasMessageContaining(reason);

        assertThat(h.store.length(file)).isEqualTo(length);
        assertThat(h.tracker.load(COLLECTION)).contains(before);
        assertThat(h.tracker.flushLog(COLLECTION)).isEqualTo(log);
    }

    private void append(ArchiveFile file, Compression c, ChangeEvent event) {
        SegmentEncoder.Encoded encoded = new SegmentEncoder(JsonMode.CANONICAL, c).encode(List.of(event));
        byte[] bytes = Arrays.copyOf(encoded.data(), encoded.length());
        h.store.append(file, h.store.length(file), bytes, 0, bytes.length);
    }

    /** A writer of another process, on {@code store} and the same tracker, with a newer lease epoch. */
    private ExactlyOnceWriter writerOn(ArchiveStore store, Compression c) {
        return new ExactlyOnceWriter(COLLECTION, store, h.tracker, Leases.hold(COLLECTION, 100),
                new ArchiveLayout("", c), new SegmentEncoder(JsonMode.CANONICAL, c), Clock.fixed(START, ZoneOffset.UTC),
                new RetryPolicy(1, Duration.ZERO, Duration.ZERO),
                new ArchiverMetrics(new SimpleMeterRegistry(), Clock.systemUTC()).collection(COLLECTION));
    }

    private static List<ChangeEvent> mongoLikeStream() {
        List<ChangeEvent> events = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            events.add(event(COLLECTION, i, i, 1, 0, null));
        }
        for (int i = 0; i < 10; i++) {
            events.add(event(COLLECTION, 10 + i, 10, 1, i, null));
        }
        return events;
    }

    /**
     * An insert into {@code collection} at {@code START + second} (increment {@code inc}), with a token shaped like
     * MongoDB's: KeyString hex of clusterTime, version, txnOpIndex and the document key; or {@code token} as given.
     */
    static ChangeEvent event(String collection, int n, int second, int inc, int txnOpIndex, String token) {
        long seconds = START.getEpochSecond() + second;
        String data = token != null ? token
                : String.format("82%08X%08X2B022C%04X1E%08X04", seconds, inc, txnOpIndex, n);
        BsonDocument event = new BsonDocument("_id", new BsonDocument("_data", new BsonString(data)))
                .append("operationType", new BsonString("insert"))
                .append("clusterTime", new BsonTimestamp((int) seconds, inc))
                .append("ns", new BsonDocument("db", new BsonString("shop")).append("coll", new BsonString(collection)))
                .append("documentKey", new BsonDocument("_id", new BsonInt32(n)))
                .append("fullDocument", new BsonDocument("_id", new BsonInt32(n)).append("qty", new BsonInt32(n)));
        return ChangeEvent.of(new RawBsonDocument(event, new BsonDocumentCodec()));
    }
}
