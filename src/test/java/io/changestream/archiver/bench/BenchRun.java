package io.changestream.archiver.bench;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.bson.RawBsonDocument;
import org.bson.codecs.RawBsonDocumentCodec;
import org.slf4j.LoggerFactory;

/**
 * What {@code bench/run} runs: the archiver's performance figures on this machine, ending with one {@code RESULT}
 * line. Not a test; nothing asserts on the numbers (docs/benchmarks.md records them).
 *
 * <p>Inputs are two coherent change-event histories of one collection with every operation type
 * ({@link ChangeEventSamples#stream}): {@code 500B} (about 500 bytes of BSON per event, lean documents) and
 * {@code 10KB} (about 10 KB, orders with a hundred lines). Each figure is measured on both, then combined:
 * <ul>
 *   <li>{@code pipeline_mb_s}, {@code driver_writer_mb_s}, {@code naive_mb_s}: {@link PipelineThroughput}, MB of
 *       BSON per CPU-second on one thread; combined as the harmonic mean of the two sizes, i.e. the rate on a
 *       workload whose bytes are half small events and half large ones;</li>
 *   <li>{@code heap_bytes_per_buffered_byte}: {@link BufferHeap}; the larger of the two sizes;</li>
 *   <li>{@code replay_ratio}: {@link ReplayRatio}; the smaller of the two sizes;</li>
 *   <li>{@code snapshot_mb_s} (harmonic mean, as the pipeline's, compared with the driver's writer on the same
 *       documents), {@code restore_ratio} (elapsed time) and {@code restore_cpu_ratio} (process CPU time; both the
 *       smaller of the two sizes): {@link SnapshotBench}, on the documents the replay history's inserts leave.</li>
 * </ul>
 *
 * <p>Scratch files go to {@code $BENCH_SCRATCH} (default {@code target/bench-scratch}); the local store there is
 * on whatever disk that is.
 */
public final class BenchRun {
    private static final RawBsonDocumentCodec RAW = new RawBsonDocumentCodec();
    private static final int REPLAY_ROUNDS = 11;
    /**
     * Replay rounds discarded first. Each round starts fresh servers, and the JIT is still compiling the server's,
     * the driver's and replay's code for about six rounds (replay's CPU per round fell from 1.7 to 1.0 s over them on
     * 10 KB events), which charged the first measured rounds to whichever contender ran then.
     */
    private static final int REPLAY_WARM_UPS = 7;
    /**
     * Rounds discarded before the throughput slices count: on two cores the JIT is still compiling (and the process
     * CPU time of every slice pays for it) for the first ten seconds or so of alternating contenders.
     */
    private static final int THROUGHPUT_WARM_UPS = 8;

    private BenchRun() {
    }

    /**
     * One input size. The throughput contenders cycle over {@code distinct} events, about a megabyte or two: what a
     * flush holds, so the pipeline finds an event's bytes in the CPU caches as it does in service, where the driver
     * has just written them (a set far larger than the caches would charge each event's first touch with a memory
     * miss that in service the driver's decoding pays). Replay uses the first {@code replayEvents} of a longer
     * history of the same kind.
     */
    private record Size(String name, int distinct, int lineItems, int replayEvents) {
    }

    public static void main(String[] args) throws Exception {
        quietLogs();
        Path scratch = Path.of(System.getenv().getOrDefault("BENCH_SCRATCH", "target/bench-scratch"));
        Files.createDirectories(scratch);
        List<Size> sizes = List.of(new Size("500B", 2_000, 0, 6_000), new Size("10KB", 200, 100, 1_500));
        printMachine(scratch);

        PipelineThroughput.Result[] throughput = new PipelineThroughput.Result[sizes.size()];
        double[] heap = new double[sizes.size()];
        ReplayRatio.Result[] replay = new ReplayRatio.Result[sizes.size()];
        List<List<RawBsonDocument>> histories = new ArrayList<>();
        for (Size size : sizes) {
            histories.add(new ChangeEventSamples(42).stream(Math.max(size.distinct(), size.replayEvents()),
                    size.lineItems()));
        }
        // Throughput first, for both sizes, before anything starts servers or fills the heap.
        for (int s = 0; s < sizes.size(); s++) {
            Size size = sizes.get(s);
            List<RawBsonDocument> fromDriver = histories.get(s).subList(0, size.distinct()).stream()
                    .map(e -> e.decode(RAW)).toList();
            long bytes = fromDriver.stream().mapToLong(e -> e.getByteBuffer().remaining()).sum();
            throughput[s] = PipelineThroughput.measure(fromDriver, scratch, THROUGHPUT_WARM_UPS, 11, 400_000_000L);
            PipelineThroughput.Result t = throughput[s];
            System.out.printf(Locale.ROOT, "%n%s (%d distinct events, %.0f B of BSON on average): throughput, MB of "
                    + "BSON per CPU-second, median of 11 alternating slices (process CPU time; the measuring thread's "
                    + "alone in brackets):%n"
                    + "  pipeline %6.1f (%6.1f)   driver writer %5.1f (%5.1f)   naive %5.1f (%5.1f)   "
                    + "pipeline/driver %4.1fx (%4.1fx)%n", size.name(), fromDriver.size(),
                    bytes / (double) fromDriver.size(),
                    t.pipeline().process(), t.pipeline().thread(), t.driver().process(), t.driver().thread(),
                    t.naive().process(), t.naive().thread(), t.pipeline().process() / t.driver().process(),
                    t.pipeline().thread() / t.driver().thread());
        }
        for (int s = 0; s < sizes.size(); s++) {
            heap[s] = BufferHeap.bytesPerBufferedByte(histories.get(s).subList(0, sizes.get(s).distinct()), 64L << 20);
            System.out.printf(Locale.ROOT, "%n%s: heap per buffered BSON byte (64 MB buffered): %.3f%n",
                    sizes.get(s).name(), heap[s]);
        }
        for (int s = 0; s < sizes.size(); s++) {
            Size size = sizes.get(s);
            List<RawBsonDocument> replayed = histories.get(s).subList(0, size.replayEvents()).stream()
                    .map(e -> e.decode(RAW)).toList();
            replay[s] = ReplayRatio.measure(replayed, scratch, REPLAY_WARM_UPS, REPLAY_ROUNDS);
            ReplayRatio.Result r = replay[s];
            System.out.printf(Locale.ROOT, "%n%s: replay of %d events, median of %d rounds (process CPU time):%n"
                    + "  replay / the same writes made ahead %.3f (wall clock %.3f); "
                    + "replay / post-image replaces %.3f%n"
                    + "  replay %.0f events per CPU-second, the same writes made ahead %.0f%n",
                    size.name(), size.replayEvents(), REPLAY_ROUNDS, r.ratio(), r.wallRatio(), r.replacesRatio(),
                    r.replayEventsPerCpuSecond(), r.sameWritesEventsPerCpuSecond());
        }

        SnapshotBench.Throughput[] snapshot = new SnapshotBench.Throughput[sizes.size()];
        SnapshotBench.Restore[] restore = new SnapshotBench.Restore[sizes.size()];
        for (int s = 0; s < sizes.size(); s++) {
            Size size = sizes.get(s);
            List<RawBsonDocument> documents = SnapshotBench.documents(histories.get(s).subList(0, size.replayEvents()));
            snapshot[s] = SnapshotBench.throughput(documents, scratch, THROUGHPUT_WARM_UPS, 11, 400_000_000L);
            restore[s] = SnapshotBench.restore(SnapshotBench.restoreDocuments(size.replayEvents(), size.lineItems()),
                    scratch, REPLAY_WARM_UPS, REPLAY_ROUNDS);
            SnapshotBench.Throughput t = snapshot[s];
            System.out.printf(Locale.ROOT, "%n%s: snapshot of %d documents (restore %d), MB of BSON per CPU-second, median of 11 "
                    + "alternating slices: snapshot writer %6.1f (%6.1f)   driver writer %5.1f (%5.1f)   "
                    + "snapshot/driver %4.1fx%n  restore: bare unordered insertMany / snapshot load, CPU time %.3f, "
                    + "elapsed time %.3f, medians of %d rounds%n", size.name(), documents.size(), restore[s].documents(),
                    t.snapshot().process(), t.snapshot().thread(), t.driver().process(), t.driver().thread(),
                    t.snapshot().process() / t.driver().process(), restore[s].ratio(), restore[s].wallRatio(),
                    REPLAY_ROUNDS);
        }

        double pipeline = harmonicMean(throughput[0].pipeline().process(), throughput[1].pipeline().process());
        double driver = harmonicMean(throughput[0].driver().process(), throughput[1].driver().process());
        double naive = harmonicMean(throughput[0].naive().process(), throughput[1].naive().process());
        double heapWorst = Math.max(heap[0], heap[1]);
        double replayWorst = Math.min(replay[0].ratio(), replay[1].ratio());
        double snapshotMb = harmonicMean(snapshot[0].snapshot().process(), snapshot[1].snapshot().process());
        double snapshotDriver = harmonicMean(snapshot[0].driver().process(), snapshot[1].driver().process());
        double restoreWorst = Math.min(restore[0].wallRatio(), restore[1].wallRatio());
        double restoreCpuWorst = Math.min(restore[0].ratio(), restore[1].ratio());
        System.out.printf(Locale.ROOT, "%npipeline/driver %.1fx (target >= 5), heap %.2f (target <= 1.5), "
                + "replay %.2f (target >= 0.8), snapshot/driver %.1fx (target >= 5), restore %.2f (elapsed time, "
                + "target >= 0.9; CPU time %.2f)%n", pipeline / driver, heapWorst, replayWorst,
                snapshotMb / snapshotDriver, restoreWorst, restoreCpuWorst);
        System.out.printf(Locale.ROOT, "RESULT pipeline_mb_s=%.1f driver_writer_mb_s=%.1f naive_mb_s=%.1f "
                + "heap_bytes_per_buffered_byte=%.2f replay_ratio=%.2f snapshot_mb_s=%.1f restore_ratio=%.2f "
                + "restore_cpu_ratio=%.2f%n", pipeline, driver, naive, heapWorst, replayWorst, snapshotMb,
                restoreWorst, restoreCpuWorst);
    }

    /**
     * One INFO line per flush would swamp the figures, and mongo-java-server logs the drop of a missing collection
     * (done before every replay round) as an error.
     */
    static void quietLogs() {
        ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).setLevel(Level.WARN);
        ((Logger) LoggerFactory.getLogger("de.bwaldvogel")).setLevel(Level.OFF);
    }

    private static double harmonicMean(double a, double b) {
        return 2 / (1 / a + 1 / b);
    }

    private static void printMachine(Path scratch) throws IOException {
        Path cpuinfo = Path.of("/proc/cpuinfo");
        String cpu = !Files.isReadable(cpuinfo) ? System.getProperty("os.arch")
                : Files.readAllLines(cpuinfo).stream().filter(l -> l.startsWith("model name")).findFirst()
                        .map(l -> l.substring(l.indexOf(':') + 1).trim()).orElse(System.getProperty("os.arch"));
        System.out.printf(Locale.ROOT, "machine: %d cores (%s), %s %s, max heap %d MB, scratch %s%n",
                Runtime.getRuntime().availableProcessors(), cpu, System.getProperty("java.vm.name"),
                System.getProperty("java.version"), Runtime.getRuntime().maxMemory() >> 20,
                scratch.toAbsolutePath());
    }
}
