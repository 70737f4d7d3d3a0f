package io.changestream.archiver.testing;

import com.mongodb.client.MongoClient;
import io.changestream.archiver.app.Service;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of tests that run whole services: a fresh in-process MongoDB-wire server and client per test, an archive
 * folder, and every service a test started closed after it (a stopped one can be removed with {@link #stop}).
 */
public abstract class ServiceFixture {
    @TempDir
    protected Path archive;

    @RegisterExtension
    protected final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    /** {@code mongo.client()}, under the name the service tests use. */
    protected MongoClient client;
    private final List<Service> services = new ArrayList<>();

    @BeforeEach
    void connect() {
        client = mongo.client();
    }

    /** Runs before the extension closes the server, so the services' final flushes still reach it. */
    @AfterEach
    void stopAll() {
        services.forEach(Service::close);
    }

    /**
     * The environment of a service on this test's server, archiving {@code collections} (comma-separated) of
     * database {@code shop} into {@code archiveDir}: the flush schedule never fires (only the service's own retries
     * or a test's explicit flush archive anything), no snapshot (snapshots have tests of their own), an ephemeral
     * admin port. Mutable, for the test's own settings.
     */
    protected Map<String, String> serviceEnv(Path archiveDir, String collections) {
        return new HashMap<>(Map.of("MONGODB_URI", mongo.uri(), "MONGODB_DATABASE", "shop",
                "MONGODB_COLLECTIONS", collections, "ARCHIVE_LOCAL_DIR", archiveDir.toString(),
                "FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099", "SNAPSHOT_MODE", "never", "HTTP_PORT", "0"));
    }

    /** Closes the service with the test. */
    protected Service track(Service service) {
        services.add(service);
        return service;
    }

    /** Closes a service now (final flush, lease release). */
    protected void stop(Service service) {
        service.close();
        services.remove(service);
    }
}
