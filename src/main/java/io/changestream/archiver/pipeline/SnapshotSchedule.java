package io.changestream.archiver.pipeline;

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
 * Runs {@code SNAPSHOT_SCHEDULE} (Quartz cron, UTC) the way {@link FlushSchedule} runs the flush schedule: each
 * firing asks for a snapshot of every collection this instance owns ({@link Archiver#snapshot}); a collection whose
 * snapshot is still running is left to it. Starting returns at once: the snapshots run on their own threads.
 */
public final class SnapshotSchedule implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SnapshotSchedule.class);
    private static final String ARCHIVER = "archiver";
    private static final AtomicInteger INSTANCES = new AtomicInteger();

    private final Scheduler scheduler;

    public SnapshotSchedule(Archiver archiver, String quartzCron) {
        Properties props = new Properties();
        props.setProperty(StdSchedulerFactory.PROP_SCHED_INSTANCE_NAME,
                "snapshot-schedule-" + INSTANCES.incrementAndGet());
        props.setProperty("org.quartz.scheduler.skipUpdateCheck", "true");
        props.setProperty("org.quartz.threadPool.threadCount", "1");
        props.setProperty("org.quartz.threadPool.threadNamePrefix", "snapshot-schedule");
        props.setProperty("org.quartz.jobStore.class", "org.quartz.simpl.RAMJobStore");
        try {
            scheduler = new StdSchedulerFactory(props).getScheduler();
            JobDataMap data = new JobDataMap();
            data.put(ARCHIVER, archiver);
            scheduler.scheduleJob(JobBuilder.newJob(ScheduledSnapshot.class).withIdentity("snapshot")
                            .usingJobData(data).build(),
                    TriggerBuilder.newTrigger().withIdentity("snapshot-schedule")
                            .withSchedule(CronScheduleBuilder.cronSchedule(quartzCron)
                                    .inTimeZone(TimeZone.getTimeZone("UTC"))
                                    .withMisfireHandlingInstructionDoNothing())
                            .build());
            scheduler.start();
        } catch (SchedulerException e) {
            throw new IllegalStateException("cannot set up the snapshot schedule '" + quartzCron + "': "
                    + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        try {
            scheduler.shutdown(false);
        } catch (SchedulerException e) {
            log.warn("snapshot schedule did not shut down cleanly: {}", e.getMessage());
        }
    }

    /** The Quartz job: one scheduled snapshot of every owned collection. */
    @DisallowConcurrentExecution
    public static final class ScheduledSnapshot implements Job {
        @Override
        public void execute(JobExecutionContext context) {
            Archiver archiver = (Archiver) context.getMergedJobDataMap().get(ARCHIVER);
            for (String collection : archiver.collections()) {
                try {
                    String id = archiver.snapshot(collection);
                    log.info("scheduled snapshot {} of {} started", id, collection);
                } catch (SnapshotCoordinator.AlreadyRunning e) {
                    log.debug("scheduled snapshot of {} skipped: {}", collection, e.getMessage());
                } catch (RuntimeException e) {
                    log.warn("scheduled snapshot of {} not started: {}", collection, e.getMessage());
                }
            }
        }
    }
}
