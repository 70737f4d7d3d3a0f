package io.changestream.archiver.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.ops.metrics.BuildInfo;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * docs/operations.md has one metrics reference table, and it is the registry's: every {@code archiver_*} family
 * the service registers (every series present, as on a pod that archives, with a checkpoint and a flush behind
 * it) is a row with its type and labels, and every row is a registered family. The state vocabulary the table
 * lists is the pipeline's.
 */
class MetricsReferenceTest {
    private static final Path OPERATIONS = Path.of("docs", "operations.md");
    private static final Pattern ROW = Pattern.compile("^\\| `(archiver_[a-z0-9_]+)` \\| ([a-z]+) \\|([^|]*)\\|(.*)\\|$");
    private static final Pattern CODE = Pattern.compile("`([a-z_]+)`");

    private record Family(String type, Set<String> labels) {
    }

    @Test
    void theMetricsTableListsExactlyTheRegisteredArchiverFamiliesWithTheirTypesAndLabels() throws IOException {
        assertThat(documented()).isEqualTo(registered());
    }

    @Test
    void theDocumentedStatesAreThePipelinesStates() throws IOException {
        String row = table().stream().filter(l -> l.startsWith("| `archiver_collection_state`")).findFirst()
                .orElseThrow();
        String meaning = row.substring(row.indexOf("states as in"));
        Set<String> documented = CODE.matcher(meaning).results().map(m -> m.group(1))
                .filter(s -> !s.equals("status")).collect(Collectors.toCollection(TreeSet::new));
        assertThat(documented).isEqualTo(states());
    }

    private static Set<String> states() {
        return Arrays.stream(CollectionStatus.State.values()).map(s -> s.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static List<String> table() throws IOException {
        List<String> lines = Files.readAllLines(OPERATIONS);
        int start = lines.indexOf("## Metrics");
        assertThat(start).as("a \"## Metrics\" section in %s", OPERATIONS).isNotNegative();
        return lines.subList(start + 1, lines.size()).stream().takeWhile(l -> !l.startsWith("## "))
                .filter(l -> l.startsWith("| `archiver_")).toList();
    }

    private static Map<String, Family> documented() throws IOException {
        Map<String, Family> rows = new TreeMap<>();
        for (String line : table()) {
            Matcher m = ROW.matcher(line);
            assertThat(m.matches()).as("a table row: %s", line).isTrue();
            Set<String> labels = CODE.matcher(m.group(3)).results().map(r -> r.group(1))
                    .collect(Collectors.toCollection(TreeSet::new));
            assertThat(rows.put(m.group(1), new Family(m.group(2), labels))).as("second row of %s", m.group(1))
                    .isNull();
        }
        return rows;
    }

    /** The archiver families of a registry in which every series exists. */
    private static Map<String, Family> registered() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ArchiverMetrics metrics = new ArchiverMetrics(registry, Clock.systemUTC(), new BuildInfo("1", "abc"));
        metrics.collectionStates(List.of("orders"), List.copyOf(states()), c -> "watching");
        ArchiverMetrics.PerCollection orders = metrics.collection("orders");
        orders.checkpointed(Instant.now().minusSeconds(5));
        orders.captured("insert", Instant.now());
        orders.flush("size", true, Duration.ofMillis(20));
        ArchiverMetrics.SnapshotSeries snapshots = metrics.snapshots("orders");
        snapshots.part(10, 1_000);
        snapshots.complete(Instant.now().getEpochSecond());
        String text = registry.scrape();

        Map<String, String> types = new TreeMap<>();
        for (String line : text.split("\n")) {
            if (line.startsWith("# TYPE archiver_")) {
                String[] parts = line.split(" ");
                types.put(parts[2], parts[3]);
            }
        }
        Map<String, Family> families = new TreeMap<>();
        types.forEach((name, type) -> {
            if (name.endsWith("_max") && "histogram".equals(types.get(name.substring(0, name.length() - 4)))) {
                return; // Micrometer's companion gauge of a timer, named in the histogram's row
            }
            Set<String> labels = new TreeSet<>();
            for (String line : text.split("\n")) {
                if (line.startsWith(name + "{") || line.startsWith(name + "_bucket{") || line.startsWith(name + "_count{")) {
                    Matcher l = Pattern.compile("([a-z_]+)=\"").matcher(line.substring(line.indexOf('{')));
                    l.results().map(r -> r.group(1)).filter(k -> !k.equals("le")).forEach(labels::add);
                }
            }
            families.put(name, new Family(type, labels));
        });
        return families;
    }
}
