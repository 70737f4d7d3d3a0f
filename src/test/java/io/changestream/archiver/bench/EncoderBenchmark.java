package io.changestream.archiver.bench;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import io.changestream.archiver.encode.ExtendedJsonEncoder;
import io.changestream.archiver.encode.Utf8Sink;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * Throughput of turning one change event (raw BSON) into one Extended JSON line of UTF-8 bytes, on
 * one thread: {@link #encoder} is our {@link ExtendedJsonEncoder} writing into a reused
 * {@link Utf8Sink}; {@link #driver} is the driver's {@code RawBsonDocument.toJson(settings)} plus
 * {@code getBytes(UTF_8)}, the bytes an archive needs. Both produce identical bytes.
 *
 * <p>Parameters: {@code size} picks change events of about 500 bytes or about 10 KB of BSON (see
 * {@link ChangeEventSamples}; 64 distinct events are cycled so no single input is memorised), and
 * {@code mode} canonical ({@code EXTENDED}) or {@code RELAXED}. The secondary result
 * {@code bsonBytes} is BSON input bytes per second: divide by 10^6 for MB/s. {@link #main} runs
 * the benchmark and prints that table.
 *
 * <p>How to run (a few minutes; numbers in docs/benchmarks.md):
 * <pre>
 * mvn -B -q test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile=target/test.cp
 * java -cp target/test-classes:target/classes:$(cat target/test.cp) io.changestream.archiver.bench.EncoderBenchmark
 * </pre>
 * or through JMH's own launcher with its flags:
 * {@code java -cp ... org.openjdk.jmh.Main EncoderBenchmark -f1 -wi 2 -i 3}.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class EncoderBenchmark {
    private static final int DISTINCT_EVENTS = 64;

    @Param({"500B", "10KB"})
    public String size;

    @Param({"EXTENDED", "RELAXED"})
    public JsonMode mode;

    private RawBsonDocument[] events;
    private int[] lengths;
    private int next;
    private ExtendedJsonEncoder encoder;
    private JsonWriterSettings settings;
    private final Utf8Sink sink = new Utf8Sink(64 * 1024);

    /** Counts BSON input bytes; JMH reports it per second next to the operation rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class InputBytes {
        public long bsonBytes;

        @Setup(Level.Iteration)
        public void clear() {
            bsonBytes = 0;
        }
    }

    @Setup
    public void setUp() {
        // About 525 B on average without order lines, about 10.2 KB with a hundred.
        int lineItems = size.equals("500B") ? 0 : 100;
        List<RawBsonDocument> samples = new ChangeEventSamples(42).events(DISTINCT_EVENTS, lineItems);
        events = samples.toArray(new RawBsonDocument[0]);
        lengths = samples.stream().mapToInt(event -> event.getByteBuffer().remaining()).toArray();
        encoder = new ExtendedJsonEncoder(mode);
        settings = JsonWriterSettings.builder().outputMode(mode).build();
    }

    private int advance() {
        int i = next;
        next = (i + 1) & (DISTINCT_EVENTS - 1);
        return i;
    }

    @Benchmark
    public int encoder(InputBytes input) {
        int i = advance();
        sink.reset();
        encoder.encodeLine(events[i], sink);
        input.bsonBytes += lengths[i];
        return sink.size();
    }

    @Benchmark
    public byte[] driver(InputBytes input) {
        int i = advance();
        input.bsonBytes += lengths[i];
        return events[i].toJson(settings).getBytes(StandardCharsets.UTF_8);
    }

    /** Runs every combination and prints MB/s of BSON input per benchmark, size and mode. */
    public static void main(String[] args) throws RunnerException {
        Options options = new OptionsBuilder().include(EncoderBenchmark.class.getSimpleName()).build();
        System.out.printf("%-10s %-6s %-9s %10s%n", "benchmark", "size", "mode", "MB/s");
        for (RunResult result : new Runner(options).run()) {
            String benchmark = result.getParams().getBenchmark();
            double bytesPerSecond = result.getSecondaryResults().get("bsonBytes").getScore();
            System.out.printf("%-10s %-6s %-9s %10.1f%n", benchmark.substring(benchmark.lastIndexOf('.') + 1),
                    result.getParams().getParam("size"), result.getParams().getParam("mode"), bytesPerSecond / 1e6);
        }
    }
}
