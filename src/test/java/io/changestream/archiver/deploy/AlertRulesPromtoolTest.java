package io.changestream.archiver.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.ops.metrics.ExpositionLintTest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The rendered alert rules evaluated by Prometheus' own rule engine ({@code promtool test rules}) on made-up
 * series: ArchiverDown fires with the namespace and job labels routing needs, both when every target is down and
 * when there is no target at all; ArchiverCollectionNotWatching fires for a collection no pod watches, after 5
 * minutes, and not for one that another pod watches; ArchiverSnapshotTooOld fires for an old snapshot and for none
 * known after its age, not for a recent one. Skipped, saying why, where promtool is not installed (CI
 * installs only Java and Maven; Debian's {@code prometheus} package has it); {@link AlertRulesTest} checks the
 * expressions' text everywhere.
 */
class AlertRulesPromtoolTest {
    private static final String SEL = "namespace=\"" + HelmChart.NAMESPACE + "\", job=\"" + HelmChart.FULLNAME + "\"";

    @TempDir
    Path dir;

    @Test
    void archiverDownAndCollectionNotWatchingFireWithTheLabelsRoutingNeeds() throws IOException, InterruptedException {
        Path promtool = ExpositionLintTest.onPath("promtool");
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus)");
        writeRules();
        Files.writeString(dir.resolve("test.yaml"), """
                rule_files: [rules.yaml]
                evaluation_interval: 1m
                tests:
                  - interval: 1m
                    input_series:
                      - series: 'up{%1$s, pod="a"}'
                        values: '0x20'
                      - series: 'up{%1$s, pod="b"}'
                        values: '0x20'
                      - series: 'archiver_collection_state{%1$s, pod="a", collection="orders", state="watching"}'
                        values: '0x20'
                      - series: 'archiver_collection_state{%1$s, pod="b", collection="orders", state="watching"}'
                        values: '0x20'
                      - series: 'archiver_collection_state{%1$s, pod="a", collection="customers", state="watching"}'
                        values: '0x20'
                      - series: 'archiver_collection_state{%1$s, pod="b", collection="customers", state="watching"}'
                        values: '1x20'
                    alert_rule_test:
                      - eval_time: 4m
                        alertname: ArchiverCollectionNotWatching
                        exp_alerts: []
                      - eval_time: 6m
                        alertname: ArchiverCollectionNotWatching
                        exp_alerts:
                          - exp_labels: {namespace: %2$s, job: %3$s, collection: orders, severity: critical}
                      - eval_time: 15m
                        alertname: ArchiverDown
                        exp_alerts:
                          - exp_labels: {namespace: %2$s, job: %3$s, severity: critical}
                  - interval: 1m
                    input_series:
                      - series: 'up{namespace="elsewhere", job="other", pod="x"}'
                        values: '1x20'
                    alert_rule_test:
                      - eval_time: 15m
                        alertname: ArchiverDown
                        exp_alerts:
                          - exp_labels: {namespace: %2$s, job: %3$s, severity: critical}
                """.formatted(SEL, HelmChart.NAMESPACE, HelmChart.FULLNAME));

        runTests(promtool);
    }

    /**
     * ArchiverSnapshotTooOld (default 192 h) on series two minutes apart (within the 5 minute look-back) from epoch 0: orders' newest snapshot ended at
     * 0 and another pod reports NaN (max skips it; the series notation has no NaN repeat, hence 7201 of them), so it fires after 8 days and not before; customers' ended on day
     * 7, so it does not fire on day 9; invoices has none on any pod (NaN) and fires once the pods have run 8 days.
     */
    @Test
    void snapshotTooOldFiresForAnOldSnapshotAndForNoneAfterTheMaxAgeButNotForARecentOne()
            throws IOException, InterruptedException {
        Path promtool = ExpositionLintTest.onPath("promtool");
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus)");
        writeRules();
        Files.writeString(dir.resolve("test.yaml"), """
                rule_files: [rules.yaml]
                evaluation_interval: 1m
                tests:
                  - interval: 2m
                    input_series:
                      - series: 'process_start_time_seconds{%1$s, pod="a"}'
                        values: '0x7200'
                      - series: 'process_start_time_seconds{%1$s, pod="b"}'
                        values: '0x7200'
                      - series: 'archiver_last_snapshot_timestamp_seconds{%1$s, pod="a", collection="orders"}'
                        values: '0x7200'
                      - series: 'archiver_last_snapshot_timestamp_seconds{%1$s, pod="b", collection="orders"}'
                        values: '%4$s'
                      - series: 'archiver_last_snapshot_timestamp_seconds{%1$s, pod="a", collection="customers"}'
                        values: '604800x7200'
                      - series: 'archiver_last_snapshot_timestamp_seconds{%1$s, pod="a", collection="invoices"}'
                        values: '%4$s'
                      - series: 'archiver_last_snapshot_timestamp_seconds{%1$s, pod="b", collection="invoices"}'
                        values: '%4$s'
                    alert_rule_test:
                      - eval_time: 7d
                        alertname: ArchiverSnapshotTooOld
                        exp_alerts: []
                      - eval_time: 9d
                        alertname: ArchiverSnapshotTooOld
                        exp_alerts:
                          - exp_labels: {namespace: %2$s, job: %3$s, collection: orders, severity: warning}
                          - exp_labels: {namespace: %2$s, job: %3$s, collection: invoices, severity: warning}
                """.formatted(SEL, HelmChart.NAMESPACE, HelmChart.FULLNAME, String.join(" ", Collections.nCopies(7201, "NaN"))));
        runTests(promtool);
    }

    private void runTests(Path promtool) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(promtool.toString(), "test", "rules", "test.yaml").directory(dir.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
    }

    /** The PrometheusRule's groups as a rule file, annotations left out (the tests compare labels). */
    @SuppressWarnings("unchecked")
    private void writeRules() throws IOException {
        Map<String, Object> rule = HelmChart.render(HelmChart.EVERYTHING_ON).get("PrometheusRule");
        List<Object> groups = new ArrayList<>();
        for (Object group : Tree.list(rule, "spec.groups")) {
            Map<String, Object> g = new LinkedHashMap<>(Tree.map(group));
            List<Object> rules = new ArrayList<>();
            for (Object r : Tree.list(group, "rules")) {
                Map<String, Object> copy = new LinkedHashMap<>((Map<String, Object>) r);
                copy.remove("annotations");
                rules.add(copy);
            }
            g.put("rules", rules);
            groups.add(g);
        }
        Files.writeString(dir.resolve("rules.yaml"), new Yaml().dump(Map.of("groups", groups)));
    }
}
