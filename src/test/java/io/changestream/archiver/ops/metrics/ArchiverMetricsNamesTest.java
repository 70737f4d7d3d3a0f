package io.changestream.archiver.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus names {@link ArchiverMetrics} renders are exactly SPEC.md's: Micrometer's naming convention adds
 * unit and {@code _total} suffixes, and a wrong base unit silently renames a series.
 */
class ArchiverMetricsNamesTest {
    /** SPEC.md, "Metrics", as metric families ({@code # TYPE} lines). */
    private static final Set<String> SPEC_FAMILIES = Set.of("archiver_events_captured_total",
            "archiver_events_archived_total", "archiver_buffered_events", "archiver_buffered_bytes",
            "archiver_flushes_total", "archiver_flush_duration_seconds", "archiver_store_bytes_written_total",
            "archiver_capture_lag_seconds", "archiver_archive_lag_seconds", "archiver_watch_restarts_total",
            "archiver_history_gaps_total", "archiver_backpressure_active");
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ArchiverMetrics metrics = new ArchiverMetrics(registry, Clock.fixed(NOW, ZoneOffset.UTC));

    private Set<String> families() {
        return Arrays.stream(registry.scrape().split("\n")).filter(l -> l.startsWith("# TYPE "))
                .map(l -> l.split(" ")[2]).collect(Collectors.toSet());
    }

    @Test
    void everySpecSeriesExistsAtZeroBeforeAnyEventSoRatesSeeTheFirstOne() {
        metrics.collection("orders");

        Set<String> families = families();
        // Micrometer adds a _max gauge next to the timer histogram; store conflicts and escaped events are counted
        // beyond SPEC.md.
        assertThat(families).containsExactlyInAnyOrderElementsOf(union(SPEC_FAMILIES,
                Set.of("archiver_flush_duration_seconds_max", "archiver_store_conflicts_total",
                        "archiver_events_escaped_total")));
        assertThat(registry.scrape()).contains(
                "archiver_flushes_total{collection=\"orders\",outcome=\"failure\",trigger=\"schedule\"} 0.0",
                "archiver_events_captured_total{collection=\"orders\",operation=\"delete\"} 0.0",
                "archiver_watch_restarts_total{collection=\"orders\",reason=\"invalidate\"} 0.0");
    }

    @Test
    void countsAndLagsRenderUnderTheSpecNames() {
        ArchiverMetrics.PerCollection orders = metrics.collection("orders");

        orders.captured("insert", NOW.minusSeconds(5));
        orders.captured("drop", NOW.minusSeconds(4));
        orders.archived(2, 300, NOW.minusSeconds(30));
        orders.escaped(1);
        orders.flush("manual", true, Duration.ofMillis(20));
        orders.watchRestart("code_6");
        orders.buffered(1, 80);
        metrics.backpressure(true);

        String text = registry.scrape();
        assertThat(text).contains(
                "archiver_events_captured_total{collection=\"orders\",operation=\"drop\"} 1.0",
                "archiver_events_archived_total{collection=\"orders\"} 2.0",
                "archiver_events_escaped_total{collection=\"orders\"} 1.0",
                "archiver_store_bytes_written_total{collection=\"orders\"} 300.0",
                "archiver_capture_lag_seconds{collection=\"orders\"} 4.0",
                "archiver_archive_lag_seconds{collection=\"orders\"} 30.0",
                "archiver_buffered_bytes{collection=\"orders\"} 80.0",
                "archiver_flush_duration_seconds_count{collection=\"orders\"} 1",
                "archiver_watch_restarts_total{collection=\"orders\",reason=\"code_6\"} 1.0",
                "archiver_backpressure_active 1.0");
        assertThat(families()).doesNotContain("archiver_store_bytes_written_bytes_total");
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).collect(Collectors.toSet());
    }
}
