package io.changestream.archiver.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotFormat;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.encode.ExtendedJsonEncoder;
import io.changestream.archiver.encode.Utf8Sink;
import io.changestream.archiver.replay.RecordingTarget;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.replay.SnapshotRestore;
import io.changestream.archiver.replay.verify.SnapshotVerifier;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A snapshot finishes in the format it started in: a service restarted with another {@code ARCHIVE_COMPRESSION} or
 * JSON mode resumes an interrupted snapshot with the compression and mode of its record, and the new setting applies
 * from the next snapshot. Each case crashes the first run between writing a part and recording it, so the resumed
 * run must also find and adopt that part under its original name. A record written before the format was recorded
 * has it inferred from the parts in the store, or fails naming the files that make it uncertain.
 */
class SnapshotFormatChangeTest {
    private static final String COLLECTION = "orders";
    private static final Lease LEASE = new Lease(COLLECTION, "me", 1, Instant.parse("2099-01-01T00:00:00Z"),
            Instant.EPOCH);
    private static final long PART_BYTES = 700;
    private static final int DOCUMENTS = 100;

    @RegisterExtension
    static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();

    @TempDir
    Path dir;

    private final InMemorySnapshotProgressStore tracker = new InMemorySnapshotProgressStore();

    private SnapshotWriter writer(ScriptedSnapshotSource source, LocalArchiveStore store, Compression compression,
                                  JsonMode mode) {
        return writer(source, store, tracker, compression, mode);
    }

    private static SnapshotWriter writer(ScriptedSnapshotSource source, LocalArchiveStore store,
                                         SnapshotProgressStore records, Compression compression, JsonMode mode) {
        return new SnapshotWriter(source, store, records, new SnapshotLayout(new ArchiveLayout("", compression)),
                mode, PART_BYTES, new ReadThrottle(0, System::nanoTime), Clock.systemUTC());
    }

    /** Begins a snapshot in {@code compression}/{@code mode} and kills its run before its {@code n}-th write. */
    private SnapshotProgress interrupted(ScriptedSnapshotSource source, LocalArchiveStore store,
                                         SnapshotProgressStore records, Compression compression, JsonMode mode,
                                         int n) {
        SnapshotWriter first = writer(source, store, records, compression, mode);
        SnapshotProgress begun = first.begin(COLLECTION, new BsonTimestamp(1_700_000_000, 1), LEASE);
        assertThatThrownBy(() -> first.run(begun, LEASE, crashAtWrite(n))).hasMessageContaining("crash");
        return records.snapshots(COLLECTION).get(0);
    }

    /** The record as a version that did not record the format wrote it. */
    private SnapshotProgress withoutFormat(SnapshotProgress p) {
        SnapshotProgress old = new SnapshotProgress(p.collection(), p.id(), p.start(), Optional.empty(), p.end(),
                p.state(), p.parts(), p.startedAt(), p.updatedAt());
        tracker.save(old, LEASE);
        return old;
    }

    /** A check before every write that kills the run at its {@code n}-th write (counting store and tracker). */
    private static Runnable crashAtWrite(int n) {
        AtomicInteger writes = new AtomicInteger();
        return () -> {
            if (writes.incrementAndGet() == n) {
                throw new IllegalStateException("crash before write " + n);
            }
        };
    }

    @ParameterizedTest(name = "{0}/{1} resumed under {2}/{3}")
    @CsvSource({"GZIP,CANONICAL,NONE,CANONICAL", "NONE,CANONICAL,GZIP,CANONICAL", "NONE,CANONICAL,NONE,RELAXED",
                "GZIP,RELAXED,NONE,CANONICAL"})
    void aSnapshotResumedAfterTheSettingChangedFinishesInTheFormatItStartedIn(Compression startedIn,
            JsonMode startedMode, Compression now, JsonMode nowMode) throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotWriter first = writer(source, store, startedIn, startedMode);
        SnapshotProgress begun = first.begin(COLLECTION, new BsonTimestamp(1_700_000_000, 1), LEASE);
        // writes: part 0, its record, part 1, its record, part 2, then the crash before recording part 2
        assertThatThrownBy(() -> first.run(begun, LEASE, crashAtWrite(6))).hasMessageContaining("crash");
        SnapshotProgress recorded = tracker.snapshots(COLLECTION).get(0);
        assertThat(recorded.parts()).hasSize(2);

        SnapshotProgress done = writer(source, store, now, nowMode).run(recorded, LEASE, () -> { });

        assertWholeIn(store, done, startedIn, startedMode);
    }

    @ParameterizedTest(name = "{0} resumed under {1}")
    @CsvSource({"GZIP,NONE", "NONE,GZIP"})
    void aFirstPartWrittenButNotRecordedIsAdoptedUnderItsOriginalName(Compression startedIn, Compression now)
            throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotWriter first = writer(source, store, startedIn, JsonMode.CANONICAL);
        SnapshotProgress begun = first.begin(COLLECTION, new BsonTimestamp(1_700_000_000, 1), LEASE);
        assertThatThrownBy(() -> first.run(begun, LEASE, crashAtWrite(2))).hasMessageContaining("crash");
        SnapshotProgress recorded = tracker.snapshots(COLLECTION).get(0);
        assertThat(recorded.parts()).isEmpty();

        SnapshotProgress done = writer(source, store, now, JsonMode.CANONICAL).run(recorded, LEASE, () -> { });

        assertWholeIn(store, done, startedIn, JsonMode.CANONICAL);
    }

    @Test
    void theResumedRunSaysOnceThatTheSnapshotKeepsItsFormatAndWhenTheNewSettingApplies() throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress recorded = interrupted(source, store, tracker, Compression.GZIP, JsonMode.CANONICAL, 6);
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                SnapshotWriter.class);
        ListAppender<ILoggingEvent> logged = new ListAppender<>();
        logged.start();
        logger.addAppender(logged);
        try {
            writer(source, store, Compression.NONE, JsonMode.CANONICAL).run(recorded, LEASE, () -> { });
        } finally {
            logger.detachAppender(logged);
        }

        assertThat(logged.list).filteredOn(e -> e.getFormattedMessage().contains("the format it started in"))
                .extracting(ILoggingEvent::getFormattedMessage).containsExactly("snapshot " + recorded.id() + " of "
                        + COLLECTION + " continues in gzip/canonical, the format it started in; "
                        + "ARCHIVE_COMPRESSION=none applies from the next snapshot");
    }

    @Test
    void aNewSnapshotAfterTheChangeIsWrittenInTheNewSetting() throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress recorded = interrupted(source, store, tracker, Compression.GZIP, JsonMode.CANONICAL, 6);
        SnapshotWriter now = writer(source, store, Compression.NONE, JsonMode.RELAXED);
        now.run(recorded, LEASE, () -> { });

        SnapshotProgress next = now.begin(COLLECTION, new BsonTimestamp(1_700_000_500, 1), LEASE);
        SnapshotProgress done = now.run(next, LEASE, () -> { });

        assertThat(done.format()).contains(new SnapshotFormat(Compression.NONE, JsonMode.RELAXED));
        assertWholeIn(store, done, Compression.NONE, JsonMode.RELAXED);
    }

    // --- records written before the format was recorded -------------------------------------------------------

    @ParameterizedTest(name = "{0}/{1} resumed under {2}/{3}")
    @CsvSource({"GZIP,RELAXED,NONE,CANONICAL", "NONE,CANONICAL,GZIP,RELAXED"})
    void aTrackerRecordWithoutTheFormatFieldHasItInferredFromThePartsInTheStoreAndRecorded(Compression startedIn,
            JsonMode startedMode, Compression now, JsonMode nowMode) throws Exception {
        MongoSnapshotProgressStore records = new MongoSnapshotProgressStore(mongo.client(), "shop",
                "tracker" + startedIn + startedMode);
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress recorded = interrupted(source, store, records, startedIn, startedMode, 6);
        // the persisted form of the earlier version: the same record without compression and jsonMode
        MongoCollection<BsonDocument> raw = mongo.client().getDatabase("shop")
                .getCollection("tracker" + startedIn + startedMode, BsonDocument.class);
        BsonDocument stored = raw.find().first();
        stored.remove("compression");
        stored.remove("jsonMode");
        raw.replaceOne(Filters.eq("_id", stored.get("_id")), stored);
        SnapshotProgress old = records.snapshots(COLLECTION).get(0);
        assertThat(old.format()).isEmpty();
        assertThat(old.parts()).isEqualTo(recorded.parts());

        SnapshotProgress done = writer(source, store, records, now, nowMode).run(old, LEASE, () -> { });

        assertWholeIn(store, done, startedIn, startedMode);
        assertThat(records.snapshots(COLLECTION).get(0).format())
                .contains(new SnapshotFormat(startedIn, startedMode));
    }

    @ParameterizedTest(name = "{0} resumed under {1}")
    @CsvSource({"GZIP,NONE", "NONE,GZIP"})
    void aRecordWithoutTheFormatAndNoPartRecordedTakesTheFormatOfAnUnrecordedFirstPart(Compression startedIn,
            Compression now) throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress old = withoutFormat(interrupted(source, store, tracker, startedIn, JsonMode.RELAXED, 2));
        assertThat(old.parts()).isEmpty();

        SnapshotProgress done = writer(source, store, now, JsonMode.CANONICAL).run(old, LEASE, () -> { });

        assertWholeIn(store, done, startedIn, JsonMode.RELAXED);
    }

    @Test
    void aRecordWithoutTheFormatAndNothingWrittenTakesTheConfiguredFormat() throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress old = withoutFormat(interrupted(source, store, tracker, Compression.GZIP,
                JsonMode.CANONICAL, 1));

        SnapshotProgress done = writer(source, store, Compression.NONE, JsonMode.RELAXED).run(old, LEASE, () -> { });

        assertWholeIn(store, done, Compression.NONE, JsonMode.RELAXED);
    }

    @Test
    void aRecordWithoutTheFormatWhoseFirstPartExistsUnderBothSuffixesFailsNamingBoth() throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress old = withoutFormat(interrupted(source, store, tracker, Compression.GZIP,
                JsonMode.CANONICAL, 6));
        SnapshotLayout layout = new SnapshotLayout(new ArchiveLayout("", Compression.GZIP));
        ArchiveFile gz = layout.part(COLLECTION, old.id(), 0, Compression.GZIP);
        ArchiveFile plain = layout.part(COLLECTION, old.id(), 0, Compression.NONE);
        byte[] line = "{\"_id\": 0}\n".getBytes();
        store.append(plain, 0, line, 0, line.length);

        assertThatThrownBy(() -> writer(source, store, Compression.NONE, JsonMode.CANONICAL).run(old, LEASE,
                () -> { })).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining(gz.path()).hasMessageContaining(plain.path());
        assertThat(tracker.snapshots(COLLECTION).get(0)).isEqualTo(old);
    }

    @Test
    void aRecordWithoutTheFormatWhoseRecordedPartsAreMissingFailsNamingTheFiles() throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress old = withoutFormat(interrupted(source, store, tracker, Compression.GZIP,
                JsonMode.CANONICAL, 6));
        SnapshotLayout layout = new SnapshotLayout(new ArchiveLayout("", Compression.GZIP));
        store.delete(layout.part(COLLECTION, old.id(), 0, Compression.GZIP));

        assertThatThrownBy(() -> writer(source, store, Compression.NONE, JsonMode.CANONICAL).run(old, LEASE,
                () -> { })).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining(layout.part(COLLECTION, old.id(), 0, Compression.GZIP).path())
                .hasMessageContaining(layout.part(COLLECTION, old.id(), 0, Compression.NONE).path());
    }

    @Test
    void aRecordWithoutTheFormatWhosePartsAnEarlierVersionMixedFailsNamingTheMissingPart() throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress old = withoutFormat(interrupted(source, store, tracker, Compression.GZIP,
                JsonMode.CANONICAL, 6));
        SnapshotLayout layout = new SnapshotLayout(new ArchiveLayout("", Compression.GZIP));
        // what the earlier version did when resumed under ARCHIVE_COMPRESSION=none: part 1 written plain
        ArchiveFile gz1 = layout.part(COLLECTION, old.id(), 1, Compression.GZIP);
        store.delete(gz1);
        byte[] line = "{\"_id\": 1}\n".getBytes();
        store.append(layout.part(COLLECTION, old.id(), 1, Compression.NONE), 0, line, 0, line.length);

        assertThatThrownBy(() -> writer(source, store, Compression.NONE, JsonMode.CANONICAL).run(old, LEASE,
                () -> { })).isInstanceOf(StoreConflictException.class).hasMessageContaining(gz1.path());
    }

    @Test
    void theNextPartUnderTheOtherSuffixIsAConflictNamingItNotAPartToIgnore() throws Exception {
        ScriptedSnapshotSource source = new ScriptedSnapshotSource().fill(DOCUMENTS);
        LocalArchiveStore store = new LocalArchiveStore(dir);
        SnapshotProgress recorded = interrupted(source, store, tracker, Compression.GZIP, JsonMode.CANONICAL, 6);
        ArchiveFile stray = new SnapshotLayout(new ArchiveLayout("", Compression.NONE)).part(COLLECTION,
                recorded.id(), 2, Compression.NONE);
        byte[] line = "{\"_id\": 40}\n".getBytes();
        store.append(stray, 0, line, 0, line.length);

        assertThatThrownBy(() -> writer(source, store, Compression.NONE, JsonMode.CANONICAL).run(recorded, LEASE,
                () -> { })).isInstanceOf(StoreConflictException.class).hasMessageContaining(stray.path())
                .hasMessageContaining("gzip/canonical");
    }

    // --- what a finished snapshot must look like ---------------------------------------------------------------

    /**
     * Every part carries the original suffix and encoding, nothing else is in the folder, the manifest's compression
     * and mode are the parts', {@code verify} finds no problem and a restore gives back every document.
     */
    private void assertWholeIn(LocalArchiveStore store, SnapshotProgress done, Compression compression,
                               JsonMode mode) {
        assertThat(done.complete()).isTrue();
        SnapshotLayout layout = new SnapshotLayout(new ArchiveLayout("", compression));
        SnapshotManifest manifest = SnapshotManifest.parse(SnapshotWriterTest.read(store,
                layout.manifest(COLLECTION, done.id())));
        assertThat(manifest.compression()).isEqualTo(compression);
        assertThat(manifest.jsonMode()).isEqualTo(mode);

        List<String> expectedFiles = new ArrayList<>();
        for (int n = 0; n < done.parts().size(); n++) {
            expectedFiles.add(layout.part(COLLECTION, done.id(), n).path());
        }
        assertThat(manifest.parts()).extracting(SnapshotManifest.Part::file).containsExactlyElementsOf(
                expectedFiles.stream().map(p -> p.substring(p.lastIndexOf('/') + 1)).toList());
        expectedFiles.add(layout.manifest(COLLECTION, done.id()).path());
        assertThat(store.list(layout.folder(COLLECTION, done.id()))).extracting(ArchiveFile::path)
                .as("no stray file beside the parts and the manifest").containsExactlyInAnyOrderElementsOf(expectedFiles);

        ExtendedJsonEncoder encoder = new ExtendedJsonEncoder(mode == JsonMode.RELAXED
                ? org.bson.json.JsonMode.RELAXED : org.bson.json.JsonMode.EXTENDED);
        for (int n = 0; n < done.parts().size(); n++) {
            byte[] data = SnapshotWriterTest.read(store, layout.part(COLLECTION, done.id(), n));
            for (ArchiveLines.Unit unit : ArchiveLines.split(data, compression).units()) {
                for (byte[] line : unit.lines()) {
                    RawBsonDocument doc = new ExtendedJsonDecoder().decodeLine(line, 0, line.length);
                    Utf8Sink sink = new Utf8Sink();
                    encoder.encodeLine(doc, sink);
                    byte[] expected = Arrays.copyOf(sink.toByteArray(), sink.size() - 1); // without its newline
                    assertThat(new String(line)).as("part %d is written in %s", n, mode)
                            .isEqualTo(new String(expected));
                }
            }
        }

        SnapshotCatalog catalog = new SnapshotCatalog(store, "");
        SnapshotVerifier.Verdict verdict = new SnapshotVerifier(catalog, store, Optional.empty(), Optional.empty())
                .verify(List.of(COLLECTION)).get(0);
        assertThat(verdict.problems()).isEmpty();
        assertThat(verdict.complete()).contains(done.id());

        RecordingTarget target = new RecordingTarget();
        SnapshotRestore.Loaded loaded = SnapshotRestore.load(manifest, catalog, store, target, COLLECTION, 7,
                Set.of());
        assertThat(loaded.problems()).isEmpty();
        assertThat(loaded.inserted()).isEqualTo(DOCUMENTS);
        List<BsonDocument> expectedDocuments = new ScriptedSnapshotSource().fill(DOCUMENTS).documents.values()
                .stream().toList();
        assertThat(target.inserted.stream().map(d -> new BsonDocumentCodec().decode(d.asBsonReader(),
                DecoderContext.builder().build())).toList()).isEqualTo(expectedDocuments);
    }
}
