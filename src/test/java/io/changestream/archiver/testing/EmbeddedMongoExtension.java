package io.changestream.archiver.testing;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoDatabase;
import io.changestream.archiver.app.EmbeddedMongo;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The in-process MongoDB-wire server ({@link EmbeddedMongo}) and a synchronous client to it, for a test class:
 * <pre>{@code
 * @RegisterExtension
 * static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();   // one server for the class
 * @RegisterExtension
 * final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();          // a fresh server per test
 * }</pre>
 * The server starts at the first {@link #uri()} or {@link #client()} (so field initializers may use it) and closes,
 * client first, after the class (static field) or after each test (instance field): after the test's own
 * {@code @AfterAll} / {@code @AfterEach} methods, so services they close still reach it.
 */
public final class EmbeddedMongoExtension implements BeforeAllCallback, AfterAllCallback, AfterEachCallback {
    private EmbeddedMongo server;
    private MongoClient client;
    private boolean perClass;

    @Override
    public void beforeAll(ExtensionContext context) {
        perClass = true; // only a static field's extension is called before all tests
    }

    @Override
    public void afterEach(ExtensionContext context) {
        if (!perClass) {
            close();
        }
    }

    @Override
    public void afterAll(ExtensionContext context) {
        close();
    }

    /** {@code mongodb://127.0.0.1:<port>}. */
    public String uri() {
        return server().uri();
    }

    /** A client to the server, closed with it. */
    public synchronized MongoClient client() {
        if (client == null) {
            client = MongoClients.create(server().uri());
        }
        return client;
    }

    public MongoDatabase database(String name) {
        return client().getDatabase(name);
    }

    private synchronized EmbeddedMongo server() {
        if (server == null) {
            server = new EmbeddedMongo();
        }
        return server;
    }

    private synchronized void close() {
        if (client != null) {
            client.close();
            client = null;
        }
        if (server != null) {
            server.close();
            server = null;
        }
    }
}
