package io.changestream.archiver.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole {@code /metrics} exposition (archiver, JVM and process series, every position known) passes
 * {@code promtool check metrics}: always by {@link ExpositionLint}, and by promtool itself where it is installed
 * (Debian's {@code prometheus} package has it; CI installs only Java and Maven, so there it is skipped).
 */
public class ExpositionLintTest {
    @TempDir
    Path dir;

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmProcessMetrics jvm = new JvmProcessMetrics(registry);

    @AfterEach
    void close() {
        jvm.close();
    }

    private String exposition() {
        ArchiverMetrics metrics = new ArchiverMetrics(registry, Clock.systemUTC());
        metrics.collectionStates(List.of("orders"), List.of("watching", "stopped"), c -> "watching");
        ArchiverMetrics.PerCollection orders = metrics.collection("orders");
        orders.checkpointed(Instant.now().minusSeconds(3));
        orders.captured("insert", Instant.now());
        orders.flush("size", true, Duration.ofMillis(30));
        return registry.scrape();
    }

    @Test
    void theExpositionBreaksNoPromlintRule() {
        assertThat(ExpositionLint.problems(exposition())).isEmpty();
    }

    @Test
    void theLintCatchesWhatPromtoolRejects() {
        assertThat(ExpositionLint.nameProblems("process_cpu_time_ns_total", "counter")).isNotEmpty();
        assertThat(ExpositionLint.nameProblems("system_cpu_count", "gauge")).isNotEmpty();
        assertThat(ExpositionLint.nameProblems("archiver_flushes", "counter")).isNotEmpty();
        assertThat(ExpositionLint.nameProblems("archiver_lag_milliseconds", "gauge")).isNotEmpty();
        assertThat(ExpositionLint.nameProblems("archiver_capture_lag", "gauge")).isNotEmpty();
        assertThat(ExpositionLint.problems("# HELP foo_things x\n# TYPE foo_things gauge\n# HELP foo_things y\nfoo_things 1\n"))
                .containsExactly("foo_things: second HELP line");
        assertThat(ExpositionLint.problems("# HELP foo_things x\n# TYPE foo_things gauge\nfoo_things 1\n")).isEmpty();
    }

    @Test
    void promtoolCheckMetricsAcceptsTheExposition() throws IOException, InterruptedException {
        Path promtool = onPath("promtool");
        Assumptions.assumeTrue(promtool != null, "promtool is not installed (apt-get install prometheus); "
                + "ExpositionLint covers its rules");
        Path input = Files.writeString(dir.resolve("metrics.txt"), exposition());
        Process p = new ProcessBuilder(promtool.toString(), "check", "metrics").redirectInput(input.toFile())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(out).isEmpty();
        assertThat(p.exitValue()).isZero();
    }

    public static Path onPath(String tool) {
        for (String d : System.getenv().getOrDefault("PATH", "").split(java.io.File.pathSeparator)) {
            Path candidate = Path.of(d, tool);
            if (Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
