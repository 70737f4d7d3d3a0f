package io.changestream.archiver.replay.status;

import io.changestream.archiver.capture.ClusterTimes;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.Table;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import io.changestream.archiver.pipeline.CollectionStatus.CheckpointView;
import io.changestream.archiver.pipeline.CollectionStatus.LastFlush;
import io.changestream.archiver.pipeline.StatusJson;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * {@code status}: each collection's checkpoint, lag, last flush, files, totals and snapshots, read from the tracker
 * and the store listing (never from the running service, so it works while the service is down). Lag is measured with the
 * injected {@link Clock} against the checkpoint's {@code clusterTime}; an idle collection's checkpoint follows the
 * stream's post-batch token, so its lag stays small while the service runs.
 */
public record StatusReport(Instant at, List<CollectionState> collections) {
    private static final JsonWriterSettings JSON = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED)
            .indent(true).build();

    public StatusReport {
        collections = List.copyOf(collections);
    }

    public static StatusReport read(List<String> collections, CheckpointStore tracker,
                                    SnapshotProgressStore snapshots, ArchiveCatalog catalog, Clock clock) {
        Instant now = clock.instant();
        List<CollectionState> states = new ArrayList<>();
        for (String c : collections) {
            var checkpoint = tracker.load(c);
            var lag = checkpoint.map(cp -> Duration.between(ClusterTimes.instant(cp.clusterTime()), now));
            states.add(new CollectionState(c, checkpoint, lag, tracker.lastFlush(c), catalog.files(c).size(),
                    tracker.gaps(c).size(), snapshots.snapshots(c)));
        }
        return new StatusReport(now, states);
    }

    public String toText() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"collection", "checkpoint (--until)", "time", "token", "lag", "last flush", "files",
                "events", "bytes", "gaps", "snapshot"});
        for (CollectionState s : collections) {
            CheckpointView cp = s.checkpoint().map(CheckpointView::of).orElse(null);
            rows.add(new String[] {s.collection(),
                    cp == null ? "none" : cp.timestamp(),
                    cp == null ? "-" : cp.clusterTime().toString(),
                    cp == null ? "-" : s.checkpoint().orElseThrow().resumeToken().map(StatusReport::shortToken)
                            .orElse("(start time)"),
                    s.lag().map(Table::duration).orElse("-"),
                    s.lastFlush().map(StatusReport::describe).orElse("never"),
                    num(s.files()), cp == null ? "0" : num(cp.totalEvents()),
                    cp == null ? "0 B" : Table.bytes(cp.totalBytes()), num(s.gaps()), snapshots(s)});
        }
        return "status at " + at + "\n" + Table.format(rows, 5);
    }

    /**
     * The shape of {@code GET /status} for what both know ({@link StatusJson}: {@code time}, and per collection
     * {@code checkpoint}, {@code lastFlush}, {@code archiveLagSeconds}), plus what only the tracker and the store
     * listing tell: {@code archiveFiles} and {@code gaps}.
     */
    public String toJson() {
        BsonArray list = new BsonArray();
        for (CollectionState s : collections) {
            Optional<CheckpointView> cp = s.checkpoint().map(CheckpointView::of);
            list.add(new BsonDocument("collection", new BsonString(s.collection()))
                    .append("archiveLagSeconds", StatusJson.lag(s.checkpoint().map(c -> ClusterTimes.instant(c.clusterTime())), at))
                    .append("lastFlush", s.lastFlush().map(LastFlush::of).<BsonValue>map(StatusJson::lastFlush)
                            .orElse(BsonNull.VALUE))
                    .append("checkpoint", cp.<BsonValue>map(StatusJson::checkpoint).orElse(BsonNull.VALUE))
                    .append("archiveFiles", new BsonInt32(s.files()))
                    .append("gaps", new BsonInt32(s.gaps())));
        }
        return new BsonDocument("time", StatusJson.time(Optional.of(at))).append("collections", list)
                .append("snapshots", snapshotsJson()).toJson(JSON) + "\n";
    }

    /** The newest complete snapshot (its end is the earliest restorable time) and an unfinished one. */
    private static String snapshots(CollectionState s) {
        String last = s.lastCompleteSnapshot().map(p -> p.id() + " (restores from " + time(p.end().orElseThrow())
                + ", " + num(p.documents()) + " docs)").orElse("none");
        return last + s.unfinishedSnapshot().map(p -> "; unfinished " + p.id() + ": " + num(p.documents())
                + " docs in " + p.parts().size() + " parts").orElse("");
    }

    /** As {@code GET /status} shows them, but from the tracker: no rate or time left (the service alone knows). */
    private BsonDocument snapshotsJson() {
        BsonArray running = new BsonArray();
        BsonArray last = new BsonArray();
        for (CollectionState s : collections) {
            s.unfinishedSnapshot().ifPresent(p -> running.add(new BsonDocument("collection",
                    new BsonString(p.collection())).append("snapshot", new BsonString(p.id()))
                    .append("documents", new BsonInt64(p.documents())).append("bytes", new BsonInt64(p.bytes()))
                    .append("startedAt", new BsonString(p.startedAt().toString()))));
            s.lastCompleteSnapshot().ifPresent(p -> last.add(new BsonDocument("collection",
                    new BsonString(p.collection())).append("snapshot", new BsonString(p.id()))
                    .append("start", new BsonString(time(p.start())))
                    .append("end", new BsonString(time(p.end().orElseThrow())))
                    .append("documents", new BsonInt64(p.documents())).append("bytes", new BsonInt64(p.bytes()))));
        }
        return new BsonDocument("running", running).append("lastComplete", last);
    }

    private static String time(BsonTimestamp t) {
        return t.getTime() + ":" + t.getInc();
    }

    private static String describe(FlushRecord f) {
        return f.startedAt().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + " " + f.trigger().tag() + " "
                + f.events() + " events";
    }

    /** The token's {@code _data} shortened for the table; the JSON output has it whole. */
    private static String shortToken(BsonDocument token) {
        BsonValue data = token.get("_data");
        String text = data != null && data.isString() ? data.asString().getValue() : token.toJson();
        return text.length() <= 20 ? text : text.substring(0, 8) + "…" + text.substring(text.length() - 8);
    }

    private static String num(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }
}
