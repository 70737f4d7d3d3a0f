package io.changestream.archiver.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The Grafana dashboard shipped in the chart ({@code files/dashboard.json}) and in {@code docs/}. */
class GrafanaDashboardTest {

    private static final Path IN_CHART = HelmChart.DIR.resolve(Path.of("files", "dashboard.json"));
    private static final Path IN_DOCS = Path.of("docs", "grafana-dashboard.json");

    private static Map<String, Object> dashboard;
    /** Panel title → its PromQL expressions. */
    private static Map<String, List<String>> panels;

    @BeforeAll
    static void parse() throws Exception {
        // JSON is YAML, so snakeyaml reads the dashboard without another dependency.
        dashboard = Tree.map(new Yaml().load(Files.readString(IN_CHART)));
        panels = new LinkedHashMap<>();
        for (Object p : Tree.list(dashboard, "panels")) {
            Map<String, Object> panel = Tree.map(p);
            if ("row".equals(panel.get("type"))) {
                continue;
            }
            List<String> exprs = new ArrayList<>();
            for (Object t : Tree.list(panel, "targets")) {
                exprs.add((String) Tree.map(t).get("expr"));
            }
            panels.put((String) panel.get("title"), exprs);
        }
    }

    @Test
    void theDocsCopyIsTheChartsFileByteForByte() throws Exception {
        assertThat(Files.readAllBytes(IN_DOCS)).isEqualTo(Files.readAllBytes(IN_CHART));
    }

    @Test
    void hasTheOperatorsPanels() {
        assertThat(expr("Events captured per collection")).contains("archiver_events_captured_total{").contains("by (collection");
        assertThat(expr("Events archived per collection")).contains("archiver_events_archived_total{").contains("by (collection");
        assertThat(expr("Capture lag")).contains("archiver_capture_lag_seconds{");
        assertThat(expr("Archive lag")).contains("archiver_archive_lag_seconds{");
        assertThat(expr("Buffered bytes")).contains("archiver_buffered_bytes{");
        assertThat(expr("Flush duration"))
                .contains("histogram_quantile(0.95").contains("archiver_flush_duration_seconds_bucket{").contains("by (le");
        assertThat(expr("Flush outcomes")).contains("archiver_flushes_total{").contains("outcome");
        assertThat(expr("Store errors (failed flushes)")).contains("outcome=\"failure\"");
        assertThat(expr("JVM heap")).contains("jvm_memory_used_bytes{").contains("area=\"heap\"");
        assertThat(expr("Collections by state")).contains("archiver_collection_state{").contains("by (state)");
    }

    @Test
    void aSnapshotsRowShowsEachCollectionsSnapshotAgeRunsAndThroughput() {
        List<String> rows = Tree.list(dashboard, "panels").stream().map(Tree::map)
                .filter(p -> "row".equals(p.get("type"))).map(p -> (String) p.get("title")).toList();
        assertThat(rows).contains("Snapshots");
        assertThat(expr("Snapshot age"))
                .contains("time() - max by (collection) (archiver_last_snapshot_timestamp_seconds{");
        assertThat(expr("Snapshot runs by outcome")).contains("archiver_snapshots_total{").contains("outcome");
        assertThat(expr("Snapshot documents written")).contains("rate(archiver_snapshot_documents_total{");
        assertThat(expr("Snapshot bytes written")).contains("rate(archiver_snapshot_bytes_total{");
    }

    @Test
    void queriesUseOnlySpecAndJvmSeriesAndTheDashboardsVariables() {
        Set<String> used = new TreeSet<>();
        panels.forEach((title, exprs) -> exprs.forEach(e -> {
            used.addAll(DocumentedMetrics.seriesIn(e));
            assertThat(e).as(title).contains("namespace=~\"$namespace\"").contains("pod=~\"$pod\"");
        }));
        assertThat(used).allMatch(s -> DocumentedMetrics.isArchiverSeries(s) || s.startsWith("jvm_"), "an archiver or JVM series");
        List<String> variables = Tree.list(dashboard, "templating.list").stream()
                .map(v -> (String) Tree.map(v).get("name")).toList();
        assertThat(variables).containsExactly("datasource", "namespace", "pod", "collection");
    }

    @Test
    void everyPanelHasATitleADescriptionAndTheDatasourceVariable() {
        for (Object p : Tree.list(dashboard, "panels")) {
            Map<String, Object> panel = Tree.map(p);
            if ("row".equals(panel.get("type"))) {
                continue;
            }
            assertThat((String) panel.get("description")).as((String) panel.get("title")).isNotBlank();
            assertThat(Tree.at(panel, "datasource.uid")).isEqualTo("${datasource}");
        }
        assertThat(dashboard).containsEntry("uid", "changestream-archiver");
    }

    private static String expr(String title) {
        assertThat(panels).containsKey(title);
        return String.join("\n", panels.get(title));
    }
}
