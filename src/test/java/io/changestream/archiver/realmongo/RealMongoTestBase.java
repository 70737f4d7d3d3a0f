package io.changestream.archiver.realmongo;

import ch.qos.logback.classic.Level;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.MongoDBContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Base of the tests against real MongoDB servers: single-node replica sets (change streams need one) in Docker,
 * through Testcontainers, for every server version in {@link #IMAGES}.
 *
 * <p>Where there is no Docker engine, every test is aborted with {@link #SKIP_REASON} (the runner reports each
 * as skipped, with that reason) and each class prints the reason once to standard output, so a run without
 * Docker says why these tests did not run instead of passing them silently.
 *
 * <p>Subclasses write parameterized tests over {@link #images()} and get a server with
 * {@link #connectionString(String)}: one shared replica set per image, started on first use and reused by every
 * test class of the JVM (tests isolate themselves with {@link #uniqueDatabaseName()}). Tests that need server
 * options or exclusive use (a tiny oplog, a restart) start their own with {@link #startDedicated}.
 */
public abstract class RealMongoTestBase {

    /** Why the suite was skipped; printed and reported as the abort reason. */
    public static final String SKIP_REASON =
            "Docker is not available here: real-MongoDB tests skipped (they run wherever Docker exists)";

    /** The MongoDB server versions the archiver is tested against. */
    public static final List<String> IMAGES = List.of("mongo:7.0", "mongo:8.0");

    /** The replica-set name MongoDBContainer initiates; passing the command again must keep it. */
    private static final String REPLICA_SET = "docker-rs";

    private static final Map<String, MongoDBContainer> SHARED = new ConcurrentHashMap<>();
    private static Boolean dockerAvailable;

    @BeforeAll
    static void sayWhyWhenDockerIsMissing() {
        if (!dockerAvailable()) {
            System.out.println("[real-mongodb] " + SKIP_REASON);
        }
    }

    /** Aborting each test (not the class) makes the runner count and report every one as skipped, with the reason. */
    @BeforeEach
    void requireDocker() {
        if (!dockerAvailable()) {
            Assumptions.abort(SKIP_REASON);
        }
    }

    /** Whether Testcontainers finds a working Docker engine; asked once per JVM. */
    public static synchronized boolean dockerAvailable() {
        if (dockerAvailable == null) {
            Logger probeLogger = LoggerFactory.getLogger("org.testcontainers.dockerclient");
            Level before = null;
            if (probeLogger instanceof ch.qos.logback.classic.Logger logback) {
                // Without Docker the probe logs every strategy it tried as an ERROR; SKIP_REASON says it once.
                before = logback.getLevel();
                logback.setLevel(Level.OFF);
            }
            try {
                dockerAvailable = DockerClientFactory.instance().isDockerAvailable();
            } catch (RuntimeException | LinkageError e) {
                dockerAvailable = false;
            } finally {
                if (probeLogger instanceof ch.qos.logback.classic.Logger logback) {
                    logback.setLevel(before);
                }
            }
        }
        return dockerAvailable;
    }

    /** The images to parameterize over: {@code @MethodSource("images")}. */
    protected static Stream<String> images() {
        return IMAGES.stream();
    }

    /**
     * Connection string of the shared single-node replica set of that image. It connects directly to the one
     * member, whose replica-set host name is the container's and not reachable from the test.
     */
    public static String connectionString(String image) {
        return directConnectionString(SHARED.computeIfAbsent(image, RealMongoTestBase::startShared));
    }

    /**
     * Starts a server of its own (the caller stops it) with extra mongod options, e.g. {@code "--oplogSize", "1"}.
     */
    public static MongoDBContainer startDedicated(String image, String... mongodArgs) {
        List<String> command = new ArrayList<>(List.of("--replSet", REPLICA_SET));
        command.addAll(List.of(mongodArgs));
        MongoDBContainer container = new MongoDBContainer(DockerImageName.parse(image))
                .withCommand(command.toArray(String[]::new))
                .withStartupTimeout(Duration.ofMinutes(3));
        container.start();
        return container;
    }

    public static String directConnectionString(MongoDBContainer container) {
        return container.getConnectionString() + "/?directConnection=true";
    }

    /** A database name no other test uses, so tests can share a server. */
    protected static String uniqueDatabaseName() {
        return "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    }

    private static MongoDBContainer startShared(String image) {
        MongoDBContainer container = startDedicated(image);
        // Testcontainers' reaper removes it too; the hook covers engines where the reaper is disabled.
        Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-" + image));
        return container;
    }
}
