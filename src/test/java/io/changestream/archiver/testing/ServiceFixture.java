package io.changestream.archiver.testing;

import com.mongodb.client.MongoClient;
import io.changestream.archiver.app.Service;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
