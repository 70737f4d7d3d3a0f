package io.changestream.archiver.pipeline;

import io.changestream.archiver.checkpoint.FlushTrigger;
import java.time.Duration;
import java.util.Properties;
import java.util.TimeZone;
import java.util.concurrent.atomic.AtomicInteger;
import org.quartz.CronScheduleBuilder;
import org.quartz.DisallowConcurrentExecution;
import org.quartz.Job;
import org.quartz.JobBuilder;
import org.quartz.JobDataMap;
import org.quartz.JobExecutionContext;
import org.quartz.Scheduler;
import org.quartz.SchedulerException;
import org.quartz.TriggerBuilder;
import org.quartz.impl.StdSchedulerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code FLUSH_SCHEDULE} (Quartz cron, UTC): each firing flushes every collection with trigger
 * {@code schedule}. One in-memory Quartz scheduler with one thread; a firing that finds the previous one still
 * running is skipped rather than queued ({@link DisallowConcurrentExecution} plus "do nothing" misfires), since
 * the running flush already takes whatever is buffered.
 */
public final class FlushSchedule implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(FlushSchedule.class);
    private static final String ARCHIVER = "archiver";
    private static final String TIMEOUT = "timeout";
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Scheduler scheduler;

    public FlushSchedule(Archiver archiver, String quartzCron, Duration flushTimeout) {
        Properties props = new Properties();
        // Quartz keeps schedulers in a JVM-wide registry by name: each archiver (tests run several in one JVM)
        // needs its own.
        props.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME,
                "flush-schedule-" + INSTANCES.incrementAndGet());
        props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        props.setProperty("org.quartz.threadPool.threadCount", "1");
        props.setProperty("org.quartz.threadPool.threadNamePrefix", "flush-schedule");
        props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        try {
            scheduler = new StdSchedulerFactory(props).getScheduler();
            JobDataMap data = new JobDataMap();
            data.put(ARCHIVER, archiver);
            data.put(TIMEOUT, flushTimeout);
            scheduler.scheduleJob(JobBuilder.newJob(ScheduledFlush.class).withIdentity("flush").usingJobData(data)
                            .build(),
                    TriggerBuilder.newTrigger().withIdentity("flush-schedule")
                            .withSchedule(CronScheduleBuilder.cronSchedule(quartzCron)
                                    .inTimeZone(TimeZone.getTimeZone("UTC"))
                                    .withMisfireHandlingInstructionDoNothing())
                            .build());
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot set up the flush schedule '" + quartzCron + "': " + e.getMessage(), e);
        }
    }

    public void start() {
        try {
            scheduler.start();
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot start the flush schedule: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            scheduler.shutdown(false);
        } catch (SchedulerException e) {
            log.warn("flush schedule did not shut down cleanly: {}", e.getMessage());
        }
    }

    /** The Quartz job: one scheduled flush of every collection. */
    @DisallowConcurrentExecution
    public static final class ScheduledFlush implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            Archiver archiver = (Archiver) context.getMergedJobDataMap().get(ARCHIVER);
            Duration timeout = (Duration) context.getMergedJobDataMap().get(TIMEOUT);
            try {
                archiver.flushAll(FlushTrigger.SCHEDULE).block(timeout);
            } catch (RuntimeException e) {
                // Each failed collection logged its own error; its events stay buffered and its pipeline retries the
                // flush (FlushRetries). A collection still starting is refused and captures what it missed later.
                log.warn("scheduled flush incomplete: {}", e.getMessage());
            }
        }
    }
}
