package io.changestream.archiver.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The PrometheusRule the chart renders with {@code metrics.prometheusRule.enabled}. */
class AlertRulesTest {

    private static Map<String, Map<String, Object>> alerts;

    @BeforeAll
    static void render() {
        Map<String, Object> rule = HelmChart.render(HelmChart.EVERYTHING_ON).get("PrometheusRule");
        alerts = new LinkedHashMap<>();
        for (Object group : Tree.list(rule, "spec.groups")) {
            for (Object r : Tree.list(group, "rules")) {
                Map<String, Object> alert = Tree.map(r);
                alerts.put((String) alert.get("alert"), alert);
            }
        }
    }

    @Test
    void everyAlertOfTheOperationsGuideExists() {
        assertThat(alerts).containsOnlyKeys(
                "ArchiverArchiveLagHigh", "ArchiverFlushFailures", "ArchiverHistoryGap",
                "ArchiverNotReady", "ArchiverDown", "ArchiverBackpressureSustained", "ArchiverCollectionNotWatching",
                "ArchiverSnapshotTooOld");
    }

    @Test
    void everyAlertHasSeveritySummaryDescriptionAndARunbookAnchor() {
        Map<String, String> anchors = Map.of(
                "ArchiverArchiveLagHigh", "archive-lag-high",
                "ArchiverFlushFailures", "flush-failures",
                "ArchiverHistoryGap", "history-gap",
                "ArchiverNotReady", "not-ready",
                "ArchiverDown", "archiver-down",
                "ArchiverBackpressureSustained", "backpressure-sustained",
                "ArchiverCollectionNotWatching", "collection-not-watching",
                "ArchiverSnapshotTooOld", "snapshot-too-old");
        alerts.forEach((name, alert) -> {
            assertThat((String) Tree.at(alert, "labels.severity")).as(name).isIn("warning", "critical");
            Map<String, Object> annotations = Tree.map(alert, "annotations");
            assertThat((String) annotations.get("summary")).as(name).isNotBlank();
            assertThat((String) annotations.get("description")).as(name).isNotBlank();
            assertThat(annotations.get("runbook_url")).as(name)
                    .isEqualTo("https://docs.example.com/archiver/operations.md#" + anchors.get(name));
        });
    }

    @Test
    void archiverExpressionsUseOnlyDocumentedMetricsOfThisRelease() {
        alerts.forEach((name, alert) -> {
            String expr = (String) alert.get("expr");
            for (String series : DocumentedMetrics.seriesIn(expr)) {
                assertThat(DocumentedMetrics.isArchiverSeries(series) || Set.of("up", "kube_pod_status_ready", "process_start_time_seconds").contains(series))
                        .as("%s uses %s", name, series).isTrue();
            }
            assertThat(expr).as(name).contains("namespace=\"" + HelmChart.NAMESPACE + "\"");
            assertThat(balanced(expr)).as("brackets of %s", name).isTrue();
        });
    }

    @Test
    void thresholdsAndDurationsMatchTheContract() {
        assertThat((String) alerts.get("ArchiverArchiveLagHigh").get("expr"))
                .contains("archiver_archive_lag_seconds{").contains("> 7200").contains("archiver_buffered_events{");
        assertThat((String) alerts.get("ArchiverFlushFailures").get("expr"))
                .contains("outcome=\"failure\"").contains("increase(archiver_flushes_total{");
        assertThat((String) alerts.get("ArchiverHistoryGap").get("expr")).contains("archiver_history_gaps_total{");
        assertThat(alerts.get("ArchiverHistoryGap")).containsEntry("labels", Map.of("severity", "critical"));
        assertThat((String) alerts.get("ArchiverBackpressureSustained").get("expr"))
                .contains("archiver_backpressure_active{").contains("== 1");
        assertThat(alerts.get("ArchiverBackpressureSustained")).containsEntry("for", "10m");
        assertThat((String) alerts.get("ArchiverNotReady").get("expr"))
                .contains("kube_pod_status_ready{").contains("pod=~\"" + HelmChart.FULLNAME + "-");
    }

    @Test
    void archiverDownKeepsNamespaceAndJobLabelsForRouting() {
        String expr = (String) alerts.get("ArchiverDown").get("expr");
        String selector = "namespace=\"" + HelmChart.NAMESPACE + "\", job=\"" + HelmChart.FULLNAME + "\"";

        assertThat(expr).as("absent() of a comparison has no labels").doesNotContain("== 1)");
        assertThat(expr).contains("sum by (namespace, job) (up{" + selector + "}) == 0")
                .contains("absent(up{" + selector + "})");
    }

    @Test
    void aCollectionNotWatchingOnAnyPodForFiveMinutesAlerts() {
        Map<String, Object> alert = alerts.get("ArchiverCollectionNotWatching");
        assertThat((String) alert.get("expr"))
                .contains("max by (namespace, job, collection) (archiver_collection_state{")
                .contains("state=\"watching\"}) == 0");
        assertThat(alert).containsEntry("for", "5m");
        assertThat((String) Tree.at(alert, "labels.severity")).isEqualTo("critical");
    }

    @Test
    void aSnapshotOlderThanTheChartsMaxAgeAlertsPerCollection() {
        Map<String, Object> alert = alerts.get("ArchiverSnapshotTooOld");
        String expr = (String) alert.get("expr");
        assertThat(expr)
                .contains("time() - max by (namespace, job, collection) (archiver_last_snapshot_timestamp_seconds{")
                .as("192 hours, the default").contains("> 691200")
                .as("no complete snapshot known at all (NaN) counts too")
                .contains("!= max by (namespace, job, collection) (archiver_last_snapshot_timestamp_seconds{")
                .contains("process_start_time_seconds{");
        assertThat((String) Tree.at(alert, "labels.severity")).isEqualTo("warning");

        Map<String, Object> daily = HelmChart.render(List.of(HelmChart.EVERYTHING_ON),
                Map.of("metrics.prometheusRule.snapshotMaxAgeHours", 30)).get("PrometheusRule");
        assertThat(rules(daily)).containsKey("ArchiverSnapshotTooOld");
        assertThat((String) rules(daily).get("ArchiverSnapshotTooOld").get("expr")).contains("> 108000")
                .doesNotContain("691200");
    }

    @Test
    void withoutASnapshotScheduleNoSnapshotAgeIsPromisedSoThereIsNoSnapshotAlert() {
        Map<String, Object> unscheduled = HelmChart.render(List.of(HelmChart.EVERYTHING_ON),
                Map.of("snapshot.schedule", "")).get("PrometheusRule");
        assertThat(rules(unscheduled)).doesNotContainKey("ArchiverSnapshotTooOld")
                .containsKey("ArchiverCollectionNotWatching");
    }

    private static Map<String, Map<String, Object>> rules(Map<String, Object> prometheusRule) {
        Map<String, Map<String, Object>> byName = new LinkedHashMap<>();
        for (Object group : Tree.list(prometheusRule, "spec.groups")) {
            for (Object r : Tree.list(group, "rules")) {
                Map<String, Object> alert = Tree.map(r);
                byName.put((String) alert.get("alert"), alert);
            }
        }
        return byName;
    }

    @Test
    void aRelativeRunbookUrlIsRefused() {
        assertThatThrownBy(() -> HelmChart.render(List.of(HelmChart.EVERYTHING_ON),
                Map.of("metrics.prometheusRule.runbookUrl", "docs/operations.md")))
                .hasMessageContaining("metrics.prometheusRule.runbookUrl").hasMessageContaining("https?://");
        assertThatThrownBy(() -> HelmChart.render(Map.of("metrics.prometheusRule.enabled", true)))
                .hasMessageContaining("metrics.prometheusRule.runbookUrl must be the absolute URL");
    }

    @Test
    void alertTemplatesKeepPrometheusPlaceholdersForPrometheus() {
        String summary = (String) Tree.at(alerts.get("ArchiverArchiveLagHigh"), "annotations.summary");
        assertThat(summary).contains("{{ $labels.collection }}").contains("{{ $value | humanizeDuration }}");
    }

    private static boolean balanced(String expr) {
        Deque<Character> open = new ArrayDeque<>();
        for (char c : expr.toCharArray()) {
            int closing = ")}]".indexOf(c);
            if ("({[".indexOf(c) >= 0) {
                open.push(c);
            } else if (closing >= 0 && (open.isEmpty() || "({[".indexOf(open.pop()) != closing)) {
                return false;
            }
        }
        return open.isEmpty();
    }
}
