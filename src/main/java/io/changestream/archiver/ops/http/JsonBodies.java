package io.changestream.archiver.ops.http;

import io.changestream.archiver.config.Secret;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.pipeline.FlushResult;
import io.changestream.archiver.pipeline.Readiness;
import io.changestream.archiver.pipeline.StatusJson;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonNull;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.json.JsonMode;
import org.bson.json.JsonParseException;
import org.bson.json.JsonWriterSettings;

/**
 * The JSON answers of the admin endpoint, built as BSON documents and written by the driver's JSON writer in
 * relaxed mode (numbers as plain JSON numbers; strings escaped per RFC 8259, non-ASCII and control characters as
 * {@code \\u} and four hex digits), so no JSON library is needed and escaping is not hand-rolled.
 *
 * <p>Shapes are stable: a value that is not known yet is {@code null}, never a missing key. Times are ISO-8601 UTC
 * strings; lags are seconds with millisecond precision. A collection's checkpoint, last flush and lags are written by
 * {@link StatusJson}, which {@code status --json} shares. Every text that comes from an exception passes through
 * {@link Secret#maskUri}, and no answer carries a stack trace.
 */
final class JsonBodies {
    private static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    private JsonBodies() {
    }

    /** A failed flush of one collection, as answered. */
    record Failure(String collection, String error, boolean conflict) {
    }

    static String error(String message) {
        return json(new BsonDocument("error", new BsonString(Secret.maskUri(message))));
    }

    static String flushed(List<FlushResult> flushed, List<Failure> failed) {
        BsonArray results = new BsonArray();
        for (FlushResult r : flushed) {
            results.add(new BsonDocument("collection", new BsonString(r.collection()))
                    .append("events", new BsonInt32(r.events()))
                    .append("files", strings(r.files())));
        }
        BsonDocument body = new BsonDocument();
        if (!failed.isEmpty()) {
            body.append("error", new BsonString(Secret.maskUri(failed.get(0).error())));
        }
        body.append("flushed", results);
        if (!failed.isEmpty()) {
            BsonArray failures = new BsonArray();
            failed.forEach(f -> failures.add(new BsonDocument("collection", new BsonString(f.collection()))
                    .append("error", new BsonString(Secret.maskUri(f.error())))
                    .append("conflict", BsonBoolean.valueOf(f.conflict()))));
            body.append("failed", failures);
        }
        return json(body);
    }

    static String readiness(Readiness readiness) {
        BsonArray reasons = new BsonArray();
        readiness.reasons().forEach(r -> reasons.add(new BsonString(Secret.maskUri(r))));
        return json(new BsonDocument("ready", BsonBoolean.valueOf(readiness.ready())).append("reasons", reasons));
    }

    static String live(Optional<Duration> stalledFor) {
        BsonDocument body = new BsonDocument("live", BsonBoolean.valueOf(stalledFor.isEmpty()));
        stalledFor.ifPresent(d -> body.append("error", new BsonString("the Reactor timer scheduler has not ticked for "
                + d.toSeconds() + " s: the process is wedged")));
        return json(body);
    }

    static String status(String instance, Instant now, List<CollectionStatus> collections) {
        BsonArray list = new BsonArray();
        collections.forEach(c -> list.add(collection(c, now)));
        return json(new BsonDocument("instance", new BsonString(instance))
                .append("time", time(Optional.of(now)))
                .append("collections", list));
    }

    private static BsonDocument collection(CollectionStatus c, Instant now) {
        return new BsonDocument("collection", new BsonString(c.collection()))
                .append("state", new BsonString(c.state().name().toLowerCase(Locale.ROOT)))
                .append("owner", new BsonString(c.owner()))
                .append("bufferedEvents", new BsonInt32(c.bufferedEvents()))
                .append("bufferedBytes", new BsonInt64(c.bufferedBytes()))
                .append("newestCapturedTime", time(c.newestCaptured()))
                .append("newestArchivedTime", time(c.newestArchived()))
                .append("captureLagSeconds", lag(c.newestCaptured(), now))
                .append("archiveLagSeconds", lag(c.newestArchived(), now))
                .append("lastFlush", c.lastFlush().<BsonValue>map(StatusJson::lastFlush).orElse(BsonNull.VALUE))
                .append("checkpoint", c.checkpoint().<BsonValue>map(StatusJson::checkpoint).orElse(BsonNull.VALUE))
                .append("detail", c.detail().<BsonValue>map(d -> new BsonString(Secret.maskUri(d)))
                        .orElse(BsonNull.VALUE));
    }

    private static BsonValue time(Optional<Instant> t) {
        return StatusJson.time(t);
    }

    private static BsonValue lag(Optional<Instant> newest, Instant now) {
        return StatusJson.lag(newest, now);
    }

    private static BsonArray strings(Collection<String> values) {
        BsonArray array = new BsonArray();
        values.forEach(v -> array.add(new BsonString(v)));
        return array;
    }

    private static String json(BsonDocument document) {
        return document.toJson(RELAXED);
    }
}
