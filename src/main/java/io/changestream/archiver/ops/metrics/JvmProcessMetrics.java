package io.changestream.archiver.ops.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmInfoMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.FileDescriptorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * The JVM and process series next to the archiver's own: memory pools and buffers, GC pauses, threads, class
 * loading, CPU, uptime and open file descriptors, under Micrometer's standard names ({@code jvm_memory_used_bytes},
 * {@code jvm_gc_pause_seconds}, {@code jvm_threads_live_threads}, {@code process_cpu_usage},
 * {@code process_uptime_seconds}, {@code process_files_open_files}…), so stock JVM dashboards work unchanged.
 *
 * <p>CPU is bound here rather than by Micrometer's {@code ProcessorMetrics}, whose {@code process_cpu_time_ns_total}
 * (an abbreviated, non-base unit) and {@code system_cpu_count} (a gauge with a histogram suffix) fail
 * {@code promtool check metrics}. In their place: the conventional {@code process_cpu_seconds_total} (what every
 * Prometheus client library exports, so {@code rate(process_cpu_seconds_total[5m])} is cores in use) and
 * {@code system_cpu_cores}; {@code process_cpu_usage}, {@code system_cpu_usage} and
 * {@code system_load_average_1m} keep Micrometer's names. {@code ExpositionLintTest} holds the whole exposition to
 * promtool's rules.
 *
 * <p>Closing matters: the GC binder registers a JMX notification listener per garbage collector, which would
 * otherwise outlive the service (tests start many services in one JVM).
 */
public final class JvmProcessMetrics implements AutoCloseable {
    private final JvmGcMetrics gc = new JvmGcMetrics();

    public JvmProcessMetrics(MeterRegistry registry) {
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new JvmInfoMetrics().bindTo(registry);
        bindCpu(registry);
        new UptimeMetrics().bindTo(registry);
        new FileDescriptorMetrics().bindTo(registry);
    }

    private static void bindCpu(MeterRegistry registry) {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        Runtime runtime = Runtime.getRuntime();
        Gauge.builder("system.cpu.cores", runtime, r -> r.availableProcessors())
                .description("The number of processors available to the JVM (the container's CPU limit, rounded up)")
                .register(registry);
        if (os.getSystemLoadAverage() >= 0) {
            Gauge.builder("system.load.average.1m", os, OperatingSystemMXBean::getSystemLoadAverage)
                    .description("The sum of the runnable entities queued to and running on the available "
                            + "processors, averaged over a minute").register(registry);
        }
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            FunctionCounter.builder("process.cpu", sun, b -> b.getProcessCpuTime() / 1e9).baseUnit("seconds")
                    .description("CPU time used by the process, user and system").register(registry);
            Gauge.builder("process.cpu.usage", sun, com.sun.management.OperatingSystemMXBean::getProcessCpuLoad)
                    .description("The recent CPU usage of the process, 0..1 of all available processors")
                    .register(registry);
            Gauge.builder("system.cpu.usage", sun, com.sun.management.OperatingSystemMXBean::getCpuLoad)
                    .description("The recent CPU usage of the whole system (or container), 0..1").register(registry);
        }
    }

    @Override
    public void close() {
        gc.close();
    }
}
