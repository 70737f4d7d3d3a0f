package io.changestream.archiver.app;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClients;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.MongoCheckpointStore;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.pipeline.Archiver;
import io.changestream.archiver.pipeline.FlushSchedule;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: every resource {@code run} (and {@code demo}) opens, held as final fields. {@link #start}
 * opens them in order and, if one fails half way, closes what it had opened; {@link #close} stops capture, makes
 * the buffers durable within {@code SHUTDOWN_TIMEOUT_SECONDS}, and closes everything in reverse order.
 *
 * <p>Opening clients does not contact MongoDB or the store; the archiver's start-up retries until they answer,
 * so the process comes up (and reports not-ready) while a dependency is down.
 */
public final class Service implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Service.class);

    public final ArchiverConfig config;
    public final ArchiverMetrics metrics;
    public final Archiver archiver;
    private final Deque<AutoCloseable> opened;
    private final FlushSchedule schedule;

    private Service(ArchiverConfig config, ArchiverMetrics metrics, Archiver archiver, FlushSchedule schedule,
                    Deque<AutoCloseable> opened) {
        this.config = config;
        this.metrics = metrics;
        this.archiver = archiver;
        this.schedule = schedule;
        this.opened = opened;
    }

    public static Service start(ArchiverConfig config, MeterRegistry registry, Clock clock) {
        return start(config, registry, clock, openStore(config.store()));
    }

    /** Starts with a given store (tests wrap the real one to inject faults); the service closes it. */
    public static Service start(ArchiverConfig config, MeterRegistry registry, Clock clock, ArchiveStore store) {
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        opened.push(store);
        try {
            ArchiverMetrics metrics = new ArchiverMetrics(registry, clock);
            CursorMonitor monitor = new CursorMonitor(config.source().database());
            com.mongodb.reactivestreams.client.MongoClient source = com.mongodb.reactivestreams.client.MongoClients
                    .create(settings(config.source().uri().reveal()).addCommandListener(monitor).build());
            opened.push(source);
            com.mongodb.client.MongoClient trackerClient = MongoClients.create(
                    settings(config.tracker().uri().reveal()).build());
            opened.push(trackerClient);
            MongoCheckpointStore checkpoints = new MongoCheckpointStore(trackerClient, config.tracker().database(),
                    config.tracker().collection(), false);
            Archiver archiver = new Archiver(config, source.getDatabase(config.source().database()), monitor, store,
                    checkpoints, metrics, clock);
            log.info("archiving {} collections of database {} to {} (tracker: {} mode, {}.{})",
                    config.source().collections().size(), config.source().database(), store.describe(),
                    config.tracker().external() ? "external" : "internal", config.tracker().database(),
                    config.tracker().collection());
            archiver.start();
            FlushSchedule schedule = new FlushSchedule(archiver, config.flush().quartzCron(),
                    config.ops().shutdownTimeout().multipliedBy(4));
            opened.push(schedule);
            schedule.start();
            return new Service(config, metrics, archiver, schedule, opened);
        } catch (RuntimeException e) {
            closeAll(opened);
            throw e;
        }
    }

    private static MongoClientSettings.Builder settings(String uri) {
        return MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri))
                .applicationName("changestream-archiver");
    }

    public static ArchiveStore openStore(ArchiverConfig.Store store) {
        return ArchiveStores.open(store);
    }

    @Override
    public void close() {
        schedule.close();
        archiver.stop(config.ops().shutdownTimeout());
        closeAll(opened);
    }

    private static void closeAll(Deque<AutoCloseable> opened) {
        while (!opened.isEmpty()) {
            AutoCloseable next = opened.pop();
            try {
                next.close();
            } catch (Exception e) {
                log.warn("closing {} failed: {}", next.getClass().getSimpleName(), e.getMessage());
            }
        }
    }
}
