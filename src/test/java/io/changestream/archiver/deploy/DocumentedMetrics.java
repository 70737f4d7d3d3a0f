package io.changestream.archiver.deploy;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The archiver's Prometheus series names (docs/operations.md, "Metrics reference"), and a reader of the names a
 * PromQL expression uses. Alerts and
 * the dashboard may only query these (plus JVM series and the standard {@code up} / kube-state-metrics ones), so
 * a renamed metric breaks a test rather than a dashboard nobody looks at until the night it matters.
 */
final class DocumentedMetrics {

    /** As exposed: counters end in _total, the flush timer adds _bucket/_sum/_count/_max. */
    static final Set<String> ARCHIVER = Set.of(
            "archiver_events_captured_total",
            "archiver_events_archived_total",
            "archiver_buffered_events",
            "archiver_buffered_bytes",
            "archiver_flushes_total",
            "archiver_flush_duration_seconds",
            "archiver_store_bytes_written_total",
            "archiver_capture_lag_seconds",
            "archiver_archive_lag_seconds",
            "archiver_watch_restarts_total",
            "archiver_history_gaps_total",
            "archiver_backpressure_active",
            "archiver_collection_state",
            "archiver_checkpoint_timestamp_seconds",
            "archiver_build_info",
            "archiver_snapshot_documents_total",
            "archiver_snapshot_bytes_total",
            "archiver_snapshots_total",
            "archiver_last_snapshot_timestamp_seconds");

    private static final Pattern SERIES = Pattern.compile("\\b([a-z_][a-z0-9_]*)\\s*\\{");

    private DocumentedMetrics() {
    }

    /** Names of the series an expression selects with a label matcher ({@code name{...}}). */
    static Set<String> seriesIn(String promql) {
        Matcher m = SERIES.matcher(promql);
        return m.results().map(r -> r.group(1)).collect(Collectors.toCollection(TreeSet::new));
    }

    /** True when the name is a documented archiver series, or a histogram part of one. */
    static boolean isArchiverSeries(String name) {
        return ARCHIVER.contains(name) || ARCHIVER.contains(name.replaceFirst("_(bucket|sum|count|max)$", ""));
    }
}
