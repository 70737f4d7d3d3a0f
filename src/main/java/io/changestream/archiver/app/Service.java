package io.changestream.archiver.app;

import com.mongodb.ConnectionString;
import com.mongodb.MongoClientSettings;
import com.mongodb.client.MongoClients;
import io.changestream.archiver.capture.CursorMonitor;
import io.changestream.archiver.checkpoint.MongoCheckpointStore;
import io.changestream.archiver.checkpoint.MongoLeaseStore;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigException.Problem;
import io.changestream.archiver.ops.http.AdminServer;
import io.changestream.archiver.ops.metrics.ArchiverMetrics;
import io.changestream.archiver.ops.metrics.JvmProcessMetrics;
import io.changestream.archiver.pipeline.Archiver;
import io.changestream.archiver.pipeline.FlushSchedule;
import io.changestream.archiver.pipeline.SnapshotCoordinator;
import io.changestream.archiver.pipeline.SnapshotSchedule;
import io.changestream.archiver.checkpoint.MongoSnapshotProgressStore;
import io.changestream.archiver.snapshot.MongoSnapshotSource;
import io.changestream.archiver.pipeline.LeaseTiming;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import reactor.netty.ChannelBindException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running service: every resource {@code run} (and {@code demo}) opens, held as final fields. {@link #start}
 * opens them in order, pushing each onto one stack, and, if one fails half way, closes what it had opened;
 * {@link #close} pops the same stack, so shutdown is exactly start-up reversed: the admin endpoint stops first (no
 * flush request can race the final flush), then the schedule, then the archiver stops capture and makes the
 * buffers durable within {@code SHUTDOWN_TIMEOUT_SECONDS}, then the store and clients close.
 *
 * <p>Opening clients does not contact MongoDB or the store; the archiver's start-up retries until they answer,
 * so the process comes up (and reports not-ready) while a dependency is down. The admin endpoint binds
 * {@code HTTP_PORT} as soon as the archiver is built and before it starts, so a taken port stops the process at
 * once (exit 2, naming the port) and the probes answer from the first second: readiness says 503 with its reasons
 * until leases, recovery and change streams are in place.
 */
public final class Service implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Service.class);

    public final ArchiverConfig config;
    public final ArchiverMetrics metrics;
    public final Archiver archiver;
    private final AdminServer admin;
    private final Deque<AutoCloseable> opened;

    private Service(ArchiverConfig config, ArchiverMetrics metrics, Archiver archiver, AdminServer admin,
                    Deque<AutoCloseable> opened) {
        this.config = config;
        this.metrics = metrics;
        this.archiver = archiver;
        this.admin = admin;
        this.opened = opened;
    }

    /**
     * Opens and starts everything. The service's, JVM and process metrics go to {@code registry}, and
     * {@code /metrics} renders them when it is a Prometheus registry; any other registry (a test's simple one) gets
     * them too, next to a Prometheus registry of the service's own, so {@code /metrics} always answers.
     */
    public static Service start(ArchiverConfig config, MeterRegistry registry, Clock clock) {
        return start(config, registry, clock, openStore(config.store()));
    }

    /** Starts with a given store (tests wrap the real one to inject faults); the service closes it. */
    public static Service start(ArchiverConfig config, MeterRegistry registry, Clock clock, ArchiveStore store) {
        return start(config, registry, clock, store, LeaseTiming.DEFAULT);
    }

    /** Starts with a given store and lease timing (tests shorten the lease TTL); the service closes the store. */
    public static Service start(ArchiverConfig config, MeterRegistry registry, Clock clock, ArchiveStore store,
                                LeaseTiming leaseTiming) {
        Deque<AutoCloseable> opened = new ArrayDeque<>();
        opened.push(store);
        AdminServer admin = null;
        try {
            PrometheusMeterRegistry prometheus = registry instanceof PrometheusMeterRegistry p ? p
                    : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            MeterRegistry meters = registry == prometheus ? registry
                    : new CompositeMeterRegistry().add(registry).add(prometheus);
            ArchiverMetrics metrics = new ArchiverMetrics(meters, clock);
            opened.push(new JvmProcessMetrics(meters));
            CursorMonitor monitor = new CursorMonitor(config.source().database());
            com.mongodb.reactivestreams.client.MongoClient source = com.mongodb.reactivestreams.client.MongoClients
                    .create(settings(config.source().uri().reveal()).addCommandListener(monitor).build());
            opened.push(source);
            com.mongodb.client.MongoClient trackerClient = MongoClients.create(
                    settings(config.tracker().uri().reveal()).build());
            opened.push(trackerClient);
            MongoCheckpointStore checkpoints = new MongoCheckpointStore(trackerClient, config.tracker().database(),
                    config.tracker().collection(), false);
            MongoLeaseStore leases = new MongoLeaseStore(trackerClient, config.tracker().database(),
                    config.tracker().collection());
            Archiver archiver = new Archiver(config, source.getDatabase(config.source().database()), monitor, store,
                    checkpoints, leases, leaseTiming, metrics, clock);
            SnapshotCoordinator snapshots = new SnapshotCoordinator(config,
                    new MongoSnapshotSource(source, config.source().database(), clock), store,
                    new MongoSnapshotProgressStore(trackerClient, config.tracker().database(),
                            config.tracker().collection()), metrics, clock);
            archiver.snapshots(snapshots);
            // Secret.toString masks the user info and secret parameters of both URIs.
            log.info("archiving {} collections of database {} from {} to {} (tracker: {} mode, {}.{} at {})",
                    config.source().collections().size(), config.source().database(), config.source().uri(),
                    store.describe(), config.tracker().external() ? "external" : "internal",
                    config.tracker().database(), config.tracker().collection(), config.tracker().uri());
            // Bound before capture starts: a taken port fails here, at once; until the archiver is ready the
            // probes answer 503. Closed first all the same (pushed last, below).
            admin = bind(config, archiver, prometheus, clock);
            archiver.start();
            opened.push(() -> archiver.stop(config.ops().shutdownTimeout()));
            opened.push(snapshots); // stopped first: an interrupted snapshot resumes on the next start
            if (config.snapshots().quartzCron().isPresent()) {
                opened.push(new SnapshotSchedule(archiver, config.snapshots().quartzCron().get()));
            }
            FlushSchedule schedule = new FlushSchedule(archiver, config.flush().quartzCron(),
                    config.ops().shutdownTimeout().multipliedBy(4));
            opened.push(schedule);
            schedule.start();
            opened.push(admin);
            return new Service(config, metrics, archiver, admin, opened);
        } catch (RuntimeException e) {
            if (admin != null && !opened.contains(admin)) {
                opened.push(admin);
            }
            closeAll(opened);
            throw e;
        }
    }

    /**
     * Starts the admin endpoint on {@code HTTP_PORT}.
     *
     * @throws ConfigException the port is taken: a configuration problem naming {@code HTTP_PORT} (exit 2)
     */
    private static AdminServer bind(ArchiverConfig config, Archiver archiver, PrometheusMeterRegistry prometheus,
                                    Clock clock) {
        int port = config.ops().httpPort();
        try {
            return AdminServer.start(port, archiver, config.ops().adminToken(), prometheus::scrape, clock,
                    config.ops().instanceId());
        } catch (IllegalStateException e) {
            if (!(e.getCause() instanceof ChannelBindException)) {
                throw e;
            }
            throw new ConfigException(List.of(new Problem("HTTP_PORT", String.valueOf(port), "a port no other "
                    + "process listens on: " + port + " is in use on this host")));
        }
    }

    private static MongoClientSettings.Builder settings(String uri) {
        return MongoClientSettings.builder().applyConnectionString(new ConnectionString(uri))
                .applicationName("changestream-archiver");
    }

    public static ArchiveStore openStore(ArchiverConfig.Store store) {
        return ArchiveStores.open(store);
    }

    /** The port the admin endpoint listens on (the bound one when {@code HTTP_PORT=0}). */
    public int adminPort() {
        return admin.port();
    }

    /** Stops the admin endpoint, the schedule and capture, flushes, and closes everything, in that order. */
    @Override
    public void close() {
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
