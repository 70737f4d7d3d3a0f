package io.changestream.archiver.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import io.changestream.archiver.testing.MutableClock;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The Prometheus names {@link ArchiverMetrics} renders are exactly the documented ones: Micrometer's naming
 * convention adds unit and {@code _total} suffixes, and a wrong base unit silently renames a series. Also what each
 * series reads before there is anything to report: zero for counts, absent for positions.
 */
class ArchiverMetricsNamesTest {
    /** The families a collection has before it has a position ({@code # TYPE} lines). */
    private static final Set<String> FAMILIES_AT_START = Set.of("archiver_events_captured_total",
            "archiver_events_archived_total", "archiver_buffered_events", "archiver_buffered_bytes",
            "archiver_flushes_total", "archiver_flush_duration_seconds", "archiver_store_bytes_written_total",
            "archiver_watch_restarts_total", "archiver_history_gaps_total", "archiver_backpressure_active",
            "archiver_build_info");
    private static final Instant NOW = Instant.parse("2024-05-01T10:00:00Z");

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MutableClock clock = new MutableClock(NOW);
    private final ArchiverMetrics metrics = new ArchiverMetrics(registry, clock, new BuildInfo("1.2.3", "abc123"));

    private Set<String> families() {
        return Arrays.stream(registry.scrape().split("\n")).filter(l -> l.startsWith("# TYPE "))
                .map(l -> l.split(" ")[2]).collect(Collectors.toSet());
    }

    @Test
    void everyCountExistsAtZeroBeforeAnyEventSoRatesSeeTheFirstOne() {
        metrics.collection("orders");

        Set<String> families = families();
        // Micrometer adds a _max gauge next to the timer histogram; store conflicts and escaped events are counted
        // too.
        assertThat(families).containsExactlyInAnyOrderElementsOf(union(FAMILIES_AT_START,
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

        orders.checkpointed(NOW.minusSeconds(60));
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
                "archiver_backpressure_active 1.0",
                "archiver_build_info{revision=\"abc123\",version=\"1.2.3\"} 1");
        assertThat(value("archiver_checkpoint_timestamp_seconds{collection=\"orders\"}"))
                .isEqualTo(NOW.getEpochSecond() - 30);
        assertThat(families()).doesNotContain("archiver_store_bytes_written_bytes_total");
    }

    @Test
    void positionsAndLagsAreAbsentBeforeTheFirstCheckpointNotZero() {
        metrics.collection("orders");

        assertThat(families()).doesNotContain("archiver_checkpoint_timestamp_seconds",
                "archiver_archive_lag_seconds", "archiver_capture_lag_seconds");
    }

    @Test
    void aCheckpointWithoutArchivedEventsGivesAMeaningfulArchiveLagThatGrowsWithTime() {
        ArchiverMetrics.PerCollection orders = metrics.collection("orders");
        orders.checkpointed(NOW.minusSeconds(10)); // where capture began; nothing archived yet

        clock.advance(Duration.ofSeconds(5));

        assertThat(value("archiver_checkpoint_timestamp_seconds{collection=\"orders\"}"))
                .isEqualTo(NOW.getEpochSecond() - 10);
        assertThat(registry.scrape()).contains(
                "archiver_archive_lag_seconds{collection=\"orders\"} 15.0",
                "archiver_capture_lag_seconds{collection=\"orders\"} 15.0");
    }

    @Test
    void anIdleStreamsPostBatchTokenKeepsCaptureLagSmall() {
        ArchiverMetrics.PerCollection orders = metrics.collection("orders");
        orders.checkpointed(NOW.minusSeconds(600));
        orders.captured("insert", NOW.minusSeconds(500));

        orders.streamAt(NOW.minusSeconds(1)); // an empty batch's post-batch token

        assertThat(registry.scrape()).contains("archiver_capture_lag_seconds{collection=\"orders\"} 1.0");
    }

    @Test
    void aReleasedCollectionLosesItsPositionSeriesAndALateTokenDoesNotBringThemBack() {
        ArchiverMetrics.PerCollection orders = metrics.collection("orders");
        orders.checkpointed(NOW.minusSeconds(60));
        orders.captured("insert", NOW.minusSeconds(5));

        orders.released();
        orders.streamAt(NOW);

        assertThat(families()).doesNotContain("archiver_checkpoint_timestamp_seconds",
                "archiver_archive_lag_seconds", "archiver_capture_lag_seconds");
        orders.checkpointed(NOW.minusSeconds(2)); // taken over again
        assertThat(registry.scrape()).contains("archiver_archive_lag_seconds{collection=\"orders\"} 2.0");
    }

    @Test
    void collectionStateIsOneForTheCurrentStateAndZeroForTheOthers() {
        java.util.concurrent.atomic.AtomicReference<String> state = new java.util.concurrent.atomic.AtomicReference<>("starting");
        metrics.collectionStates(java.util.List.of("orders"), java.util.List.of("starting", "watching", "failed"),
                c -> state.get());

        assertThat(registry.scrape()).contains(
                "archiver_collection_state{collection=\"orders\",state=\"starting\"} 1.0",
                "archiver_collection_state{collection=\"orders\",state=\"watching\"} 0.0");
        state.set("watching");
        assertThat(registry.scrape()).contains(
                "archiver_collection_state{collection=\"orders\",state=\"starting\"} 0.0",
                "archiver_collection_state{collection=\"orders\",state=\"watching\"} 1.0",
                "archiver_collection_state{collection=\"orders\",state=\"failed\"} 0.0");
    }

    @Test
    void flushDurationHasTenBucketsFromTenMillisecondsToTwoMinutes() {
        metrics.collection("orders").flush("size", true, Duration.ofMillis(700));

        List<String> buckets = Arrays.stream(registry.scrape().split("\n"))
                .filter(l -> l.startsWith("archiver_flush_duration_seconds_bucket{")).toList();
        assertThat(buckets).hasSize(11).anySatisfy(l -> assertThat(l).contains("le=\"0.01\""))
                .anySatisfy(l -> assertThat(l).contains("le=\"120.0\""))
                .anySatisfy(l -> assertThat(l).contains("le=\"+Inf\"} 1"));
    }

    /** The value of one sample, named with its labels as rendered. */
    private double value(String series) {
        return Arrays.stream(registry.scrape().split("\n")).filter(l -> l.startsWith(series + " "))
                .mapToDouble(l -> Double.parseDouble(l.substring(series.length() + 1))).findFirst()
                .orElseThrow(() -> new AssertionError("no sample " + series));
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        return java.util.stream.Stream.concat(a.stream(), b.stream()).collect(Collectors.toSet());
    }
}
