package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.checkpoint.Lease;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.pipeline.CollectionStatus.CheckpointView;
import io.changestream.archiver.pipeline.CollectionStatus.LastFlush;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.status.StatusReport;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.InMemoryCheckpointStore;
import io.changestream.archiver.testing.InMemorySnapshotProgressStore;
import io.changestream.archiver.checkpoint.SnapshotFormat;
import io.changestream.archiver.checkpoint.SnapshotPart;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.snapshot.SnapshotLayout;
import org.bson.BsonInt32;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 (CLI): {@code status} prints a checkpoint in the form {@code --until} accepts, and {@code status --json}
 * and {@code GET /status} describe a collection's checkpoint, last flush and lag in one shape (same keys, same
 * value types), built from the same records.
 */
class StatusShapeTest {
    private static final Instant NOW = Instant.parse("2026-12-03T18:40:00Z");
    private static final BsonTimestamp AT = new BsonTimestamp(1_796_322_981, 6420);

    @TempDir
    Path archive;

    private static final SnapshotFormat FORMAT = new SnapshotFormat(Compression.NONE, JsonMode.CANONICAL);
    private final InMemorySnapshotProgressStore snapshots = new InMemorySnapshotProgressStore();

    @Test
    void statusShowsTheNewestCompleteSnapshotAndAnUnfinishedOneInTheShapeOfHttpStatus() {
        Lease lease = new Lease("orders", "pod-1", 1, NOW.plusSeconds(60), NOW);
        BsonTimestamp start = new BsonTimestamp(1_796_300_000, 1);
        BsonTimestamp end = new BsonTimestamp(1_796_300_100, 7);
        SnapshotPart part = new SnapshotPart(0, 40, 4_000, "ab", new BsonInt32(40));
        snapshots.save(SnapshotProgress.started("orders", SnapshotLayout.id(start), start, FORMAT, NOW).withPart(part, NOW)
                .completed(end, NOW), lease);
        BsonTimestamp later = new BsonTimestamp(1_796_320_000, 1);
        snapshots.save(SnapshotProgress.started("orders", SnapshotLayout.id(later), later, FORMAT, NOW).withPart(part, NOW),
                lease);

        assertThat(report().toText()).contains(SnapshotLayout.id(start) + " (restores from 1796300100:7, 40 docs)",
                "unfinished " + SnapshotLayout.id(later) + ": 40 docs in 1 parts");
        Document json = Document.parse(report().toJson()).get("snapshots", Document.class);
        Document last = json.getList("lastComplete", Document.class).get(0);
        assertThat(last.keySet()).containsExactly("collection", "snapshot", "start", "end", "documents", "bytes");
        assertThat(last).containsEntry("snapshot", SnapshotLayout.id(start)).containsEntry("end", "1796300100:7");
        Document running = json.getList("running", Document.class).get(0);
        assertThat(running.keySet()).as("GET /status's keys, less the rate only the running service knows")
                .containsExactly("collection", "snapshot", "documents", "bytes", "startedAt");
        assertThat(running).containsEntry("snapshot", SnapshotLayout.id(later)).containsEntry("documents", 40);
    }

    @Test
    void theStatusTableShowsTheCheckpointAsTheExactUntilBound() {
        String table = report().toText();

        assertThat(table).contains("1796322981:6420");
        assertThat(ReplayWindow.parseUntil("1796322981:6420")).isEqualTo(AT);
    }

    @Test
    void statusJsonAndHttpStatusShareOneShape() {
        Document cli = Document.parse(report().toJson());
        Checkpoint cp = checkpoint();
        FlushRecord flushed = flush();
        CollectionStatus live = new CollectionStatus("orders", CollectionStatus.State.WATCHING, 0, 0,
                Optional.of(NOW), Optional.of(Instant.ofEpochSecond(AT.getTime())),
                Optional.of(LastFlush.of(flushed)), Optional.of(CheckpointView.of(cp)), "pod-1");
        Document http = Document.parse(JsonBodies.status("pod-1", NOW, List.of(live)));

        assertThat(cli.keySet()).contains("time").doesNotContain("at");
        assertThat(cli.getString("time")).isEqualTo(http.getString("time"));
        Document c = cli.getList("collections", Document.class).get(0);
        Document h = http.getList("collections", Document.class).get(0);
        assertThat(c.get("checkpoint", Document.class)).isEqualTo(h.get("checkpoint", Document.class));
        assertThat(c.get("lastFlush", Document.class)).isEqualTo(h.get("lastFlush", Document.class));
        assertThat(c.get("archiveLagSeconds")).isEqualTo(h.get("archiveLagSeconds")).isEqualTo(219.0);
        assertThat(c.get("checkpoint", Document.class)).containsEntry("timestamp", "1796322981:6420")
                .containsEntry("clusterTime", "2026-12-03T18:36:21Z");
    }

    private StatusReport report() {
        InMemoryCheckpointStore tracker = new InMemoryCheckpointStore();
        Lease lease = new Lease("orders", "pod-1", 1, NOW.plusSeconds(60), NOW);
        tracker.claim(lease);
        tracker.commit(flush(), checkpoint(), lease);
        return StatusReport.read(List.of("orders"), tracker, snapshots, new ArchiveCatalog(
                new LocalArchiveStore(archive), ""), Clock.fixed(NOW, ZoneOffset.UTC));
    }

    private static Checkpoint checkpoint() {
        return new Checkpoint("orders", Optional.of(BsonDocument.parse("{_data: '8266'}")), AT,
                Optional.of("orders/2026-12-03-18.json"), 120, 7, 2000, false, NOW.minusSeconds(200));
    }

    private static FlushRecord flush() {
        BsonDocument token = BsonDocument.parse("{_data: '8266'}");
        return new FlushRecord("orders", "orders/2026-12-03-18.json", 0, 120, 7, token, token,
                new BsonTimestamp(1_796_322_900, 1), AT, "ab".repeat(32), FlushTrigger.SCHEDULE,
                NOW.minusSeconds(201), Duration.ofMillis(40));
    }
}
