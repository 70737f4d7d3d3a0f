package io.changestream.archiver.pipeline;

import io.changestream.archiver.config.Secret;
import io.changestream.archiver.pipeline.CollectionStatus.CheckpointView;
import io.changestream.archiver.pipeline.CollectionStatus.LastFlush;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonParseException;

/**
 * The one JSON shape of a collection's position, shared by {@code GET /status} and {@code status --json}, so a
 * script reads both alike: times are ISO-8601 UTC strings, lags are seconds (millisecond precision), a value not
 * known yet is {@code null}, never a missing key.
 *
 * <pre>
 * checkpoint: { clusterTime: ISO, timestamp: "&lt;seconds&gt;:&lt;increment&gt;" (what --until takes),
 *               resumeToken: {_data} | null, file, fileLength, totalEvents, totalBytes, updatedAt: ISO }
 * lastFlush:  { time: ISO, trigger, outcome: "success" | "failure", events, files: [..], error | null }
 * archiveLagSeconds: now minus the clusterTime of the newest archived event (the checkpoint's)
 * </pre>
 */
public final class StatusJson {
    private StatusJson() {
    }

    public static BsonDocument checkpoint(CheckpointView c) {
        return new BsonDocument("clusterTime", time(Optional.of(c.clusterTime())))
                .append("timestamp", new BsonString(c.timestamp()))
                .append("resumeToken", token(c.resumeToken()))
                .append("file", c.file().<BsonValue>map(BsonString::new).orElse(BsonNull.VALUE))
                .append("fileLength", new BsonInt64(c.fileLength()))
                .append("totalEvents", new BsonInt64(c.totalEvents()))
                .append("totalBytes", new BsonInt64(c.totalBytes()))
                .append("updatedAt", time(Optional.of(c.updatedAt())));
    }

    public static BsonDocument lastFlush(LastFlush f) {
        return new BsonDocument("time", time(Optional.of(f.at())))
                .append("trigger", new BsonString(f.trigger()))
                .append("outcome", new BsonString(f.success() ? "success" : "failure"))
                .append("events", new BsonInt32(f.events()))
                .append("files", strings(f.files()))
                .append("error", f.error().<BsonValue>map(e -> new BsonString(Secret.maskUri(e)))
                        .orElse(BsonNull.VALUE));
    }

    public static BsonValue time(Optional<Instant> t) {
        return t.<BsonValue>map(i -> new BsonString(i.toString())).orElse(BsonNull.VALUE);
    }

    /** Now minus {@code newest}, in seconds with millisecond precision, never negative; null when unknown. */
    public static BsonValue lag(Optional<Instant> newest, Instant now) {
        return newest.<BsonValue>map(t -> new BsonDouble(Math.max(0, Duration.between(t, now).toMillis()) / 1000.0))
                .orElse(BsonNull.VALUE);
    }

    /**
     * The token as the JSON object it is ({@code {"_data": "82..."}}), not as a string holding JSON; {@code null}
     * before the first archived event (capture then starts at the checkpoint's cluster time).
     */
    private static BsonValue token(String json) {
        if (json == null) {
            return BsonNull.VALUE;
        }
        try {
            return BsonDocument.parse(json);
        } catch (JsonParseException e) {
            return new BsonString(json);
        }
    }

    private static BsonArray strings(Collection<String> values) {
        BsonArray array = new BsonArray();
        values.forEach(v -> array.add(new BsonString(v)));
        return array;
    }
}
