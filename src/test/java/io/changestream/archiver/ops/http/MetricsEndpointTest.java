package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.ops.RunningService;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /metrics} after a workload: every documented series, with counts that match the archive. */
class MetricsEndpointTest {
    /** docs/operations.md, "Metrics": each name with the labels it must carry. */
    private static final Map<String, List<String>> DOCUMENTED_SERIES = Map.ofEntries(
            Map.entry("archiver_events_captured_total", List.of("collection", "operation")),
            Map.entry("archiver_events_archived_total", List.of("collection")),
            Map.entry("archiver_buffered_events", List.of("collection")),
            Map.entry("archiver_buffered_bytes", List.of("collection")),
            Map.entry("archiver_flushes_total", List.of("collection", "trigger", "outcome")),
            Map.entry("archiver_flush_duration_seconds_count", List.of("collection")),
            Map.entry("archiver_store_bytes_written_total", List.of("collection")),
            Map.entry("archiver_capture_lag_seconds", List.of("collection")),
            Map.entry("archiver_archive_lag_seconds", List.of("collection")),
            Map.entry("archiver_watch_restarts_total", List.of("collection", "reason")),
            Map.entry("archiver_history_gaps_total", List.of("collection")),
            Map.entry("archiver_backpressure_active", List.of()),
            Map.entry("archiver_collection_state", List.of("collection", "state")),
            Map.entry("archiver_checkpoint_timestamp_seconds", List.of("collection")),
            Map.entry("archiver_build_info", List.of("version", "revision")));
    /** Memory, GC, threads, class loading, CPU, uptime, file descriptors. */
    private static final List<String> JVM_AND_PROCESS = List.of("jvm_memory_used_bytes",
            "jvm_gc_memory_allocated_bytes_total", "jvm_threads_live_threads", "jvm_classes_loaded_classes",
            "process_cpu_usage", "process_uptime_seconds", "process_start_time_seconds", "process_files_open_files",
            "process_cpu_seconds_total", "system_cpu_cores");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})? (\\S+)$");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    @TempDir
    Path archive;

    private record Sample(String name, Map<String, String> labels, double value) {
    }

    @Test
    void everySpecSeriesIsExposedAndArchivedEventsEqualTheLinesInTheFiles() {
        try (RunningService running = RunningService.start(archive)) {
            running.awaitReady();
            running.insert("customers", 3);
            running.insert("orders", 2);
            running.collection("orders").deleteOne(new Document("n", 0));
            running.awaitBuffered(6);
            assertThat(running.post("/flush").statusCode()).isEqualTo(200);

            HttpResponse<String> metrics = running.get("/metrics");

            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type"))
                    .hasValue("text/plain; version=0.0.4; charset=utf-8");
            List<Sample> samples = parse(metrics.body());
            DOCUMENTED_SERIES.forEach((name, labels) -> assertThat(samples)
                    .as(name).anySatisfy(s -> {
                        assertThat(s.name()).isEqualTo(name);
                        assertThat(s.labels().keySet()).containsExactlyInAnyOrderElementsOf(labels);
                    }));
            for (String collection : RunningService.COLLECTIONS) {
                assertThat(samples).as("buffered events of " + collection).anySatisfy(s -> {
                    assertThat(s.name()).isEqualTo("archiver_buffered_events");
                    assertThat(s.labels()).containsEntry("collection", collection);
                });
            }
            assertThat(sum(samples, "archiver_events_archived_total", Map.of()))
                    .isEqualTo((double) running.archivedLines()).isEqualTo(6.0);
            assertThat(sum(samples, "archiver_events_captured_total", Map.of())).isEqualTo(6.0);
            assertThat(sum(samples, "archiver_events_captured_total", Map.of("operation", "delete"))).isEqualTo(1.0);
            assertThat(sum(samples, "archiver_flushes_total", Map.of("trigger", "manual", "outcome", "success")))
                    .isEqualTo(2.0);
            assertThat(sum(samples, "archiver_store_bytes_written_total", Map.of())).isPositive();
            assertThat(sum(samples, "archiver_buffered_events", Map.of())).isZero();
            assertThat(sum(samples, "archiver_collection_state", Map.of("state", "watching"))).isEqualTo(2.0);
            assertThat(samples).extracting(Sample::name).doesNotContain("archiver_store_bytes_written_bytes_total")
                    .containsAll(JVM_AND_PROCESS);
        }
    }

    private static double sum(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name))
                .filter(s -> s.labels().entrySet().containsAll(labels.entrySet()))
                .mapToDouble(Sample::value).sum();
    }

    private static List<Sample> parse(String exposition) {
        List<Sample> samples = new ArrayList<>();
        for (String line : exposition.split("\n")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            assertThat(m.matches()).as("a sample line: %s", line).isTrue();
            Map<String, String> labels = new HashMap<>();
            if (m.group(2) != null) {
                Matcher l = LABEL.matcher(m.group(2));
                while (l.find()) {
                    labels.put(l.group(1), l.group(2));
                }
            }
            samples.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(3))));
        }
        return samples;
    }
}
