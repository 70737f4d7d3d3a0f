package io.changestream.archiver.replay.status;

import io.changestream.archiver.capture.ClusterTimes;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.replay.ArchiveCatalog;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.Table;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bson.BsonDocument;
import org.bson.BsonValue;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * {@code status}: each collection's checkpoint, lag, last flush, files and totals, read from the tracker and the
 * store listing (never from the running service, so it works while the service is down). Lag is measured with the
 * injected {@link Clock} against the checkpoint's {@code clusterTime}; an idle collection's checkpoint follows the
 * stream's post-batch token, so its lag stays small while the service runs.
 */
public record StatusReport(Instant at, List<CollectionState> collections) {
    private static final JsonWriterSettings JSON = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED)
            .indent(true).build();

    public StatusReport {
        collections = List.copyOf(collections);
    }

    public static StatusReport read(List<String> collections, CheckpointStore tracker, ArchiveCatalog catalog,
                                    Clock clock) {
        Instant now = clock.instant();
        List<CollectionState> states = new ArrayList<>();
        for (String c : collections) {
            var checkpoint = tracker.load(c);
            var lag = checkpoint.map(cp -> Duration.between(ClusterTimes.instant(cp.clusterTime()), now));
            states.add(new CollectionState(c, checkpoint, lag, tracker.lastFlush(c), catalog.files(c).size(),
                    tracker.gaps(c).size()));
        }
        return new StatusReport(now, states);
    }

    public String toText() {
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"collection", "checkpoint (clusterTime)", "token", "lag", "last flush", "files",
                "events", "bytes", "gaps"});
        for (CollectionState s : collections) {
            Checkpoint cp = s.checkpoint().orElse(null);
            rows.add(new String[] {s.collection(),
                    cp == null ? "none" : ReplayWindow.describe(cp.clusterTime()),
                    cp == null ? "-" : cp.resumeToken().map(StatusReport::shortToken).orElse("(start time)"),
                    s.lag().map(Table::duration).orElse("-"),
                    s.lastFlush().map(StatusReport::describe).orElse("never"),
                    num(s.files()), cp == null ? "0" : num(cp.totalEvents()),
                    cp == null ? "0 B" : Table.bytes(cp.totalBytes()), num(s.gaps())});
        }
        return "status at " + at + "\n" + Table.format(rows, 5);
    }

    public String toJson() {
        List<Document> list = new ArrayList<>();
        for (CollectionState s : collections) {
            Document d = new Document("collection", s.collection());
            d.append("checkpoint", s.checkpoint().map(cp -> new Document("resumeToken", cp.resumeToken().orElse(null))
                    .append("clusterTime", cp.clusterTime())
                    .append("time", ClusterTimes.instant(cp.clusterTime()).toString())
                    .append("file", cp.file().orElse(null)).append("fileLength", cp.fileLength())
                    .append("updatedAt", cp.updatedAt().toString())).orElse(null));
            d.append("lagSeconds", s.lag().map(Duration::toSeconds).orElse(null));
            d.append("lastFlush", s.lastFlush().map(f -> new Document("file", f.file()).append("offset", f.offset())
                    .append("length", f.length()).append("events", f.events()).append("trigger", f.trigger().tag())
                    .append("startedAt", f.startedAt().toString())
                    .append("lastClusterTime", f.lastClusterTime())).orElse(null));
            d.append("files", s.files());
            d.append("totalEvents", s.checkpoint().map(Checkpoint::totalEvents).orElse(0L));
            d.append("totalBytes", s.checkpoint().map(Checkpoint::totalBytes).orElse(0L));
            d.append("gaps", s.gaps());
            list.add(d);
        }
        return new Document("at", at.toString()).append("collections", list).toJson(JSON) + "\n";
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
