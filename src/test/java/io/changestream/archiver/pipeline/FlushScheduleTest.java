package io.changestream.archiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.CronSchedule;
import io.changestream.archiver.testing.MutableClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.scheduler.VirtualTimeScheduler;

/**
 * The flush and snapshot schedules read its fire times from the injected clock: moving a {@link MutableClock} across an hour
 * boundary fires exactly one scheduled flush per collection, and none before it. Wake-ups run on a
 * {@link VirtualTimeScheduler}, so the test decides when the timer looks at the clock.
 */
class FlushScheduleTest {
    private static final List<String> COLLECTIONS = List.of("orders", "customers");
    private final VirtualTimeScheduler timers = VirtualTimeScheduler.create();
    private final MutableClock clock = new MutableClock(Instant.parse("2026-03-01T12:59:00Z"));
    private final Map<String, Integer> scheduledFlushes = new ConcurrentHashMap<>();
    private FlushSchedule schedule;

    /** Stands in for {@link Archiver#flushAll}: one flush per collection, counted when it is a scheduled one. */
    private final Function<FlushTrigger, Mono<?>> flushAll = trigger -> Flux.fromIterable(COLLECTIONS)
            .doOnNext(c -> {
                if (trigger == FlushTrigger.SCHEDULE) {
                    scheduledFlushes.merge(c, 1, Integer::sum);
                }
            }).then();

    @AfterEach
    void close() {
        if (schedule != null) {
            schedule.close();
        }
        timers.dispose();
    }

    private void start(String cron) {
        schedule = new FlushSchedule(flushAll, CronSchedule.toQuartz(cron), Duration.ofMinutes(1), clock, timers);
        schedule.start();
    }

    /** Lets the timer wake up as often as it would in {@code wall} of real time, the clock standing still. */
    private void letTimerLook(Duration wall) {
        timers.advanceTimeBy(wall);
    }

    @Test
    void movingTheClockAcrossTheHourFiresExactlyOneScheduledFlushPerCollection() {
        start("0 * * * *");

        clock.advance(Duration.ofSeconds(59)); // 12:59:59
        letTimerLook(Duration.ofMinutes(5));
        assertThat(scheduledFlushes).as("before the hour").isEmpty();

        clock.advance(Duration.ofSeconds(1)); // 13:00:00
        letTimerLook(Duration.ofMinutes(5));
        assertThat(scheduledFlushes).as("after crossing 13:00").isEqualTo(Map.of("orders", 1, "customers", 1));

        clock.advance(Duration.ofMinutes(59)); // 13:59:00
        letTimerLook(Duration.ofMinutes(5));
        assertThat(scheduledFlushes).as("still before 14:00").isEqualTo(Map.of("orders", 1, "customers", 1));
    }

    @Test
    void aClockThatJumpsOverSeveralFireTimesFiresOnce() {
        start("0 * * * *");

        clock.advance(Duration.ofHours(3)); // 15:59:00, past 13:00, 14:00 and 15:00
        letTimerLook(Duration.ofMinutes(5));

        assertThat(scheduledFlushes).isEqualTo(Map.of("orders", 1, "customers", 1));
    }

    @Test
    void theSnapshotScheduleRunsOnTheSameClockDrivenTimer() {
        Map<String, Integer> snapshots = new ConcurrentHashMap<>();
        SnapshotSchedule snapshotSchedule = new SnapshotSchedule(() -> COLLECTIONS, c -> {
            snapshots.merge(c, 1, Integer::sum);
            return "snap-" + c;
        }, CronSchedule.toQuartz("0 3 * * *"), clock, timers);
        try {
            clock.advance(Duration.ofHours(14)); // 02:59 the next day
            letTimerLook(Duration.ofMinutes(5));
            assertThat(snapshots).as("before 03:00").isEmpty();

            clock.advance(Duration.ofMinutes(1)); // 03:00
            letTimerLook(Duration.ofMinutes(5));
            assertThat(snapshots).isEqualTo(Map.of("orders", 1, "customers", 1));
        } finally {
            snapshotSchedule.close();
        }
    }

    @Test
    void aFiringThatFindsThePreviousOneRunningIsSkipped() {
        Map<String, Integer> started = new ConcurrentHashMap<>();
        schedule = new FlushSchedule(trigger -> Mono.fromRunnable(() -> started.merge("flushAll", 1, Integer::sum))
                .then(Mono.never()), CronSchedule.toQuartz("0 * * * *"), Duration.ofHours(5), clock, timers);
        schedule.start();

        clock.advance(Duration.ofMinutes(1)); // 13:00
        letTimerLook(Duration.ofSeconds(5));
        clock.advance(Duration.ofHours(1)); // 14:00, the 13:00 flush still running
        letTimerLook(Duration.ofSeconds(5));

        assertThat(started).isEqualTo(Map.of("flushAll", 1));
    }
}
