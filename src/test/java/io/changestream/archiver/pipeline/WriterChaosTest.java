package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

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
 * fails before writing, commits and answers an error, tears a write; the flush log or the checkpoint write fails)
 * and the fate of the "process" is decided before the flush: it either dies at the fault, or lives and retries on
 * the next flush. The writer has one attempt, so the fault escapes it as it would escape a process that dies right
 * there; the harness then throws writer and buffer away and recovers from what the store and the tracker hold.
 * A kill point is counted only when its fault fired (the flush failed with the injected error), never when it was
 * merely armed. At the end the archive must hold every delivered event exactly once, in order, with the flush log
 * tiling every file with the right SHA-256, and {@code verify} finding the archive consistent.
 *
 * <p>Runs in {@code mvn verify} at {@value #KILL_POINTS} kill points per compression mode; {@code -Dchaos.points=N}
 * runs more, {@code -Dchaos.seed=S} replays a run (the seed is in every failure message). Tagged {@code chaos} so it
 * can run alone: {@code mvn -B test -Dgroups=chaos}.
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
        String replay = "WriterChaosTest " + c + " seed " + seed + " (replay with -Dchaos.seed=" + seed + ")";
        System.out.println(replay);
        try {
            chaos(c, new Random(seed), target);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError(replay + ": " + e.getMessage(), e);
        }
    }

    private void chaos(Compression c, Random random, int target) {
        // 30 s apart: flushes cross hour boundaries and every file sees appends, crashes and adoptions.
        WriterHarness h = new WriterHarness(new LocalArchiveStore(dir), c,
                Events.inserts(target * 20, START, 30), START); // ~1 kill point per 9 events delivered
        h.restart(1);
        int killPoints = 0;
        int firedWithoutKill = 0;
        int[] killsByFault = new int[5];
        int rounds = 0;
        while (killPoints < target && rounds++ < target * 20) {
            h.deliver(1 + random.nextInt(6));
            int fault = random.nextInt(8);
            boolean crash = random.nextInt(4) != 0; // decided before the flush: die at the fault, if it fires
            switch (fault) {
                case 0 -> h.store.failBeforeWrite(1);
                case 1 -> h.store.failAfterCommit(1);
                case 2 -> h.store.tornWrite(1);
                case 3 -> h.tracker.failNextLogWrite();
                case 4 -> h.tracker.failNextCheckpointWrite();
                default -> { }
            }
            boolean fired = false;
            try {
                h.writer.flush(h.buffer, FlushTrigger.values()[random.nextInt(4)]);
            } catch (FlushFailedException e) {
                fired = injected(e);
                if (!fired) {
                    throw e; // not our fault: a real failure of the writer
                }
            }
            // A fault that did not fire (nothing to write) is disarmed: it must not fire in a later, other step.
            h.store.failBeforeWrite(0).failAfterCommit(0).tornWrite(0);
            h.tracker.clearFaults();
            if (fired && crash) {
                killPoints++;
                killsByFault[fault]++;
                h.restart(1);
            } else if (fired) {
                firedWithoutKill++; // the process lives: the events stay buffered for the next flush
            }
        }
        assertThat(killPoints).as("kill points whose fault fired (%d more fired without a kill, %d rounds)",
                firedWithoutKill, rounds).isPositive().isEqualTo(target);
        assertThat(killsByFault).as("kills per fault: store before write, after commit, torn write; flush log; "
                + "checkpoint").doesNotContain(0);
        h.restart(1);
        h.writer.flush(h.buffer, FlushTrigger.SHUTDOWN);
        h.assertArchiveHoldsExactlyOnce(h.delivered());
    }

    /** The flush failed because of a fault this test injected (every injected error says "injected:"). */
    private static boolean injected(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().contains("injected:")) {
                return true;
            }
        }
        return false;
    }
}
