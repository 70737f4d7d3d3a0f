package io.changestream.archiver.ops.http;

import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.pipeline.SnapshotCoordinator;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * The {@code snapshots} part of {@code GET /status}: each running snapshot's progress (documents, bytes, rate,
 * estimated time left) and the newest complete snapshot per collection, from memory (never a blocking call on the
 * event loop).
 *
 * <pre>
 * "snapshots": {"running": [{"collection", "snapshot", "documents", "bytes", "startedAt", "documentsPerSecond",
 *                            "remainingSeconds"}],
 *               "lastComplete": [{"collection", "snapshot", "start", "end", "documents", "bytes"}]}
 * </pre>
 */
final class SnapshotStatusJson {
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    private SnapshotStatusJson() {
    }

    static String withSnapshots(String statusJson, Optional<SnapshotCoordinator> snapshots) {
        if (snapshots.isEmpty()) {
            return statusJson;
        }
        BsonArray running = new BsonArray();
        for (SnapshotCoordinator.Progress p : snapshots.get().status()) {
            running.add(new BsonDocument("collection", new BsonString(p.collection()))
                    .append("snapshot", new BsonString(p.id()))
                    .append("documents", new BsonInt64(p.documents())).append("bytes", new BsonInt64(p.bytes()))
                    .append("startedAt", new BsonString(p.startedAt().toString()))
                    .append("documentsPerSecond", new BsonDouble(Math.round(p.documentsPerSecond() * 10) / 10.0))
                    .append("remainingSeconds", p.remaining().<BsonValue>map(d -> new BsonInt64(d.toSeconds()))
                            .orElse(BsonNull.VALUE)));
        }
        BsonArray last = new BsonArray();
        for (SnapshotProgress s : snapshots.get().lastComplete().values()) {
            last.add(new BsonDocument("collection", new BsonString(s.collection()))
                    .append("snapshot", new BsonString(s.id())).append("start", time(s.start()))
                    .append("end", time(s.end().orElseThrow()))
                    .append("documents", new BsonInt64(s.documents())).append("bytes", new BsonInt64(s.bytes())));
        }
        BsonDocument status = BsonDocument.parse(statusJson);
        status.append("snapshots", new BsonDocument("running", running).append("lastComplete", last));
        return status.toJson(RELAXED);
    }

    private static BsonString time(BsonTimestamp t) {
        return new BsonString(t.getTime() + ":" + t.getInc());
    }
}
