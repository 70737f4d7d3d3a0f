package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.pipeline.CollectionStatus;
import io.changestream.archiver.pipeline.CollectionStatus.CheckpointView;
import io.changestream.archiver.pipeline.CollectionStatus.LastFlush;
import io.changestream.archiver.pipeline.FlushResult;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The JSON answers: valid for any text (quotes, controls, non-ASCII, lone surrogates), stable keys, no secrets. */
class JsonBodiesTest {
    private static final String AWKWARD = "a\"b\\c\nd\te\u0001f ü € 😀 \ud800 </script>";
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:10Z");

    @Test
    void anyTextRoundTripsThroughTheJsonItIsWrittenTo() {
        String json = JsonBodies.flushed(List.of(new FlushResult(AWKWARD, 2, List.of(AWKWARD + "/f.json"))), List.of());

        Document parsed = Document.parse(json);
        Document result = parsed.getList("flushed", Document.class).get(0);
        assertThat(result.getString("collection")).isEqualTo(AWKWARD);
        assertThat(result.getList("files", String.class)).containsExactly(AWKWARD + "/f.json");
        assertThat(json).doesNotContain("\n");
    }

    @Test
    void errorsMaskCredentialsOfAnyUri() {
        String json = JsonBodies.error("cannot reach mongodb://u:pw@h:1/?authSource=admin and https://x/?sig=abc");

        assertThat(Document.parse(json).getString("error")).doesNotContain("pw").doesNotContain("abc")
                .contains("mongodb://****@h:1");
    }

    @Test
    void statusKeepsEveryKeyAndShowsUnknownValuesAsNull() {
        CollectionStatus fresh = new CollectionStatus("orders", CollectionStatus.State.BACKING_OFF, 0, 0,
                Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), "pod-1");

        Document c = Document.parse(JsonBodies.status("pod-1", NOW, List.of(fresh)))
                .getList("collections", Document.class).get(0);

        assertThat(c.getString("state")).isEqualTo("backing_off");
        assertThat(c.keySet()).containsExactly("collection", "state", "owner", "bufferedEvents", "bufferedBytes",
                "newestCapturedTime", "newestArchivedTime", "captureLagSeconds", "archiveLagSeconds", "lastFlush",
                "checkpoint", "detail");
        assertThat(c.get("captureLagSeconds")).isNull();
        assertThat(c.get("checkpoint")).isNull();
        assertThat(c.get("detail")).isNull();
    }

    @Test
    void aCheckpointWithoutATokenYetShowsItsTimeAndANullToken() {
        CollectionStatus starting = new CollectionStatus("orders", CollectionStatus.State.WATCHING, 0, 0,
                Optional.empty(), Optional.empty(), Optional.empty(),
                Optional.of(new CheckpointView(null, NOW, Optional.empty(), 0, 0, 0, NOW)), "pod-1");

        Document checkpoint = Document.parse(JsonBodies.status("pod-1", NOW, List.of(starting)))
                .getList("collections", Document.class).get(0).get("checkpoint", Document.class);

        assertThat(checkpoint.containsKey("resumeToken")).isTrue();
        assertThat(checkpoint.get("resumeToken")).isNull();
        assertThat(checkpoint.get("file")).isNull();
        assertThat(checkpoint.getString("clusterTime")).isEqualTo("2024-05-01T10:00:10Z");
    }

    @Test
    void statusShowsLagsLastFlushAndTheCheckpointTokenAsAnObject() {
        CollectionStatus busy = new CollectionStatus("orders", CollectionStatus.State.PAUSED_BY_BACKPRESSURE, 4, 900,
                Optional.of(Instant.parse("2024-05-01T10:00:08.500Z")),
                Optional.of(Instant.parse("2024-05-01T10:00:00Z")),
                Optional.of(new LastFlush(NOW, "size", false, 0, List.of(), Optional.of("store down"))),
                Optional.of(new CheckpointView("{\"_data\": \"8266\"}", Instant.parse("2024-05-01T10:00:00Z"),
                        Optional.of("orders/2024-05-01-10.json"), 120, 7, 2000, NOW)), "pod-1");

        Document c = Document.parse(JsonBodies.status("pod-1", NOW, List.of(busy)))
                .getList("collections", Document.class).get(0);

        assertThat(c.getString("state")).isEqualTo("paused_by_backpressure");
        assertThat(c.getDouble("captureLagSeconds")).isEqualTo(1.5);
        assertThat(c.getDouble("archiveLagSeconds")).isEqualTo(10.0);
        assertThat(c.get("lastFlush", Document.class)).containsEntry("outcome", "failure")
                .containsEntry("error", "store down").containsEntry("trigger", "size");
        Document checkpoint = c.get("checkpoint", Document.class);
        assertThat(checkpoint.get("resumeToken", Document.class)).containsEntry("_data", "8266");
        assertThat(checkpoint).containsEntry("file", "orders/2024-05-01-10.json")
                .containsEntry("clusterTime", "2024-05-01T10:00:00Z");
        assertThat(((Number) checkpoint.get("totalEvents")).longValue()).isEqualTo(7);
    }
}
