package io.changestream.archiver.pipeline;

import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.testing.Events;
import io.changestream.archiver.testing.WriterHarness;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Chaos at every step of the exactly-once protocol: between random deliveries, a random fault is armed (the store
 * fails before writing, commits and answers an error, tears a write; the flush log or the checkpoint write fails),
 * and after it the process either retries or dies at that point and restarts. Each fault that fires is a kill
 * point. At the end the archive must hold every delivered event exactly once, in order, with the flush log tiling
 * every file with the right SHA-256, and {@code verify} finding the archive consistent.
 *
 * <p>Runs in {@code mvn verify} at {@value #KILL_POINTS} kill points per compression mode; {@code -Dchaos.points=N}
 * runs more, {@code -Dchaos.seed=S} replays a run. Tagged {@code chaos} so it can run alone:
 * {@code mvn -B test -Dgroups=chaos}.
 */
@Tag("chaos")
class WriterChaosTest {
    private static final int KILL_POINTS = 200;
    private static final Instant START = Instant.parse("2026-11-22T00:00:00Z");

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(Compression.class)
    void randomKillPointsAcrossAppendFlushLogAndCheckpointLeaveEveryEventArchivedExactlyOnce(Compression c) {
        long seed = Long.getLong("chaos.seed", System.nanoTime());
        int target = Integer.getInteger("chaos.points", KILL_POINTS);
        System.out.printf("WriterChaosTest %s seed %d (replay with -Dchaos.seed=%d)%n", c, seed, seed);
        Random random = new Random(seed);
        // 30 s apart: flushes cross hour boundaries and every file sees appends, crashes and adoptions.
        WriterHarness h = new WriterHarness(new LocalArchiveStore(dir), c,
                Events.inserts(target * 6, START, 30), START);
        h.restart(2);
        int killPoints = 0;
        while (killPoints < target) {
            h.deliver(1 + random.nextInt(6));
            int fault = random.nextInt(8);
            switch (fault) {
                case 0 -> h.store.failBeforeWrite(1);
                case 1 -> h.store.failAfterCommit(1);
                case 2 -> h.store.tornWrite(1);
                case 3 -> h.tracker.failNextLogWrite();
                case 4 -> h.tracker.failNextCheckpointWrite();
                default -> { }
            }
            try {
                h.writer.flush(h.buffer, FlushTrigger.values()[random.nextInt(4)]);
            } catch (FlushFailedException e) {
                // the events stay buffered, or die with the "process" below
            }
            boolean crash = fault <= 4 ? random.nextBoolean() : random.nextInt(10) == 0;
            if (fault <= 4 || crash) {
                killPoints++;
            }
            if (crash) {
                h.restart(2);
            }
        }
        h.store.failBeforeWrite(0).failAfterCommit(0).tornWrite(0);
        h.tracker.clearFaults();
        h.restart(2);
        h.writer.flush(h.buffer, FlushTrigger.SHUTDOWN);
        h.assertArchiveHoldsExactlyOnce(h.delivered());
    }
}
