package io.changestream.archiver.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Arrays;
import java.util.List;

/**
 * Throughput in MB (10^6 bytes) of BSON input per CPU-second, for a machine shared with other work,
 * where wall-clock rates swing with everyone else's load. CPU time counts user and kernel time (a
 * {@code write} or {@code fsync} syscall's own work included), not the time spent waiting for the
 * disk or for a core. Two clocks are read: the measuring thread's CPU time, which decides the
 * length of a slice, and the whole process's, which adds the garbage collection and JIT work the
 * contender causes on other threads. The process figure is the one to compare contenders by: a
 * writer that allocates 25 times its output pays for it in GC threads, not in its own.
 *
 * <p>The contenders run in turn, one slice of {@code sliceNanos} CPU time each, round after round,
 * so they all see the same conditions (CPU frequency, cache pollution from neighbours, GC state);
 * the first {@code warmUps} rounds let the JIT settle and are discarded, and each contender's
 * result is the median of its remaining slices. Between slices a contender may tidy up (delete
 * files, say) outside the measured time.
 *
 * <p>After every slice the heap is collected ({@code System.gc()}), outside the measured time, so
 * each slice starts on an empty young generation and no contender runs in the garbage another left
 * behind. Without it, the driver's writer (about a gigabyte of garbage per CPU-second) slowed the
 * pipeline's next slice by a quarter, its own thread included, mostly in the kernel's page-cache
 * copy: 120 instead of 160 MB/s on 500-byte events (G1, 2 GB heap), a cost the pipeline does not
 * meet in service, where its only neighbour is the driver's decoding. The garbage a contender
 * leaves at the end of its own slice is then collected for free, which favours the driver's and
 * the naive writer's figures, never the pipeline's: the collections during their slices, nearly
 * all of them, are still theirs.
 */
final class CpuSlices {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final com.sun.management.OperatingSystemMXBean OS =
            (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** One contender: {@code step} does a small unit of work and returns the BSON bytes it consumed. */
    record Contender(String name, Step step, Runnable afterSlice) {
        Contender(String name, Step step) {
            this(name, step, () -> { });
        }
    }

    @FunctionalInterface
    interface Step {
        long run() throws Exception;
    }

    private CpuSlices() {
    }

    /** A contender's median MB per CPU-second, by process CPU time and by its own thread's. */
    record Rate(double process, double thread) {
    }

    /** The median rates of each contender, in the order given. */
    static Rate[] medians(List<Contender> contenders, int warmUps, int slices, long sliceNanos) throws Exception {
        double[][] process = new double[contenders.size()][slices];
        double[][] thread = new double[contenders.size()][slices];
        for (int round = -warmUps; round < slices; round++) {
            for (int c = 0; c < contenders.size(); c++) {
                double[] mbPerSecond = slice(contenders.get(c).step(), sliceNanos);
                contenders.get(c).afterSlice().run();
                System.gc();
                if (round >= 0) {
                    process[c][round] = mbPerSecond[0];
                    thread[c][round] = mbPerSecond[1];
                }
            }
        }
        Rate[] medians = new Rate[contenders.size()];
        for (int c = 0; c < contenders.size(); c++) {
            medians[c] = new Rate(median(process[c]), median(thread[c]));
        }
        return medians;
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    /** CPU time of the calling thread in nanoseconds. */
    static long threadCpuNanos() {
        return THREADS.getCurrentThreadCpuTime();
    }

    /** CPU time of the whole process (every thread) in nanoseconds. */
    static long processCpuNanos() {
        return OS.getProcessCpuTime();
    }

    /** Runs {@code step} for {@code sliceNanos} of thread CPU time; returns MB/s by process and by thread CPU time. */
    private static double[] slice(Step step, long sliceNanos) throws Exception {
        long processStart = processCpuNanos();
        long start = threadCpuNanos();
        long now = start;
        long bytes = 0;
        while (now - start < sliceNanos) {
            bytes += step.run();
            now = threadCpuNanos();
        }
        long processNanos = processCpuNanos() - processStart;
        return new double[] {bytes / (processNanos / 1e9) / 1e6, bytes / ((now - start) / 1e9) / 1e6};
    }
}
