package io.changestream.archiver.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;

import io.changestream.archiver.encode.ExtendedJsonEncoder;
import io.changestream.archiver.encode.Utf8Sink;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * The same comparison as {@link EncoderBenchmark}, measured in MB of BSON input per second of this
 * thread's CPU time instead of wall-clock time, for machines shared with other work where JMH's
 * wall-clock numbers swing with the load. The two encoders run in alternating half-second slices,
 * so both see the same conditions, and the median of the slices is printed with the ratio.
 *
 * <p>Run (about a minute):
 * <pre>
 * mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.cp
 * java -cp target/test-classes:target/classes:$(cat target/test.cp) io.changestream.archiver.bench.EncoderCpuThroughput
 * </pre>
 */
public final class EncoderCpuThroughput {
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final long SLICE_NANOS = 500_000_000L;
    private static final int WARM_UP_SLICES = 4;
    private static final int SLICES = 7;
    private static long blackhole;

    private EncoderCpuThroughput() {
    }

    public static void main(String[] args) {
        System.out.printf("%-6s %-9s %12s %12s %7s%n", "size", "mode", "encoder MB/s", "driver MB/s", "ratio");
        for (String size : List.of("500B", "10KB")) {
            List<RawBsonDocument> events = new ChangeEventSamples(42).events(64, size.equals("500B") ? 0 : 100);
            for (JsonMode mode : List.of(JsonMode.EXTENDED, JsonMode.RELAXED)) {
                run(size, mode, events);
            }
        }
        System.out.println(blackhole == 42 ? "" : "done");
    }

    private static void run(String size, JsonMode mode, List<RawBsonDocument> events) {
        ExtendedJsonEncoder encoder = new ExtendedJsonEncoder(mode);
        Utf8Sink sink = new Utf8Sink();
        JsonWriterSettings settings = JsonWriterSettings.builder().outputMode(mode).build();
        int[] lengths = events.stream().mapToInt(event -> event.getByteBuffer().remaining()).toArray();
        IntUnaryOperator ours = i -> {
            sink.reset();
            encoder.encodeLine(events.get(i), sink);
            return sink.size();
        };
        IntUnaryOperator driver = i -> events.get(i).toJson(settings).getBytes(StandardCharsets.UTF_8).length;
        double[] oursMb = new double[SLICES];
        double[] driverMb = new double[SLICES];
        for (int slice = -WARM_UP_SLICES; slice < SLICES; slice++) {
            double a = megabytesPerCpuSecond(ours, lengths);
            double b = megabytesPerCpuSecond(driver, lengths);
            if (slice >= 0) {
                oursMb[slice] = a;
                driverMb[slice] = b;
            }
        }
        Arrays.sort(oursMb);
        Arrays.sort(driverMb);
        double oursMedian = oursMb[SLICES / 2];
        double driverMedian = driverMb[SLICES / 2];
        System.out.printf("%-6s %-9s %12.1f %12.1f %6.1fx%n", size, mode, oursMedian, driverMedian, oursMedian / driverMedian);
    }

    private static double megabytesPerCpuSecond(IntUnaryOperator encode, int[] lengths) {
        long start = THREADS.getCurrentThreadCpuTime();
        long now = start;
        long bytes = 0;
        int i = 0;
        while (now - start < SLICE_NANOS) {
            for (int k = 0; k < 32; k++) {
                blackhole += encode.applyAsInt(i);
                bytes += lengths[i];
                i = (i + 1) % lengths.length;
            }
            now = THREADS.getCurrentThreadCpuTime();
        }
        return bytes / ((now - start) / 1e9) / 1e6;
    }
}
