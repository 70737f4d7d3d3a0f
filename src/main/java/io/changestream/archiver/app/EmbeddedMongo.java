package io.changestream.archiver.app;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.ServerVersion;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;

/**
 * An in-process MongoDB-wire server (mongo-java-server, in memory, with its oplog so change streams work) on a
 * free loopback port: the demo's source database, and the wire-level test server. It reports itself as MongoDB 4.0,
 * the oldest the current driver talks to.
 *
 * <p>Its change streams differ from MongoDB's in ways the archiver tolerates but never relies on: no {@code ns},
 * {@code updateDescription} or {@code wallTime}; an update's {@code documentKey} holds the update specification.
 */
public final class EmbeddedMongo implements AutoCloseable {
    private final MongoServer server;
    private final String uri;

    public EmbeddedMongo() {
        this(0);
    }

    /** Listens on {@code port} of 127.0.0.1 (0: a free one). */
    public EmbeddedMongo(int port) {
        server = new MongoServer(new MemoryBackend().version(ServerVersion.MONGO_4_0));
        server.enableOplog();
        server.bind("127.0.0.1", port);
        uri = "mongodb://127.0.0.1:" + server.getLocalAddress().getPort();
    }

    /** {@code mongodb://127.0.0.1:<port>}. */
    public String uri() {
        return uri;
    }

    @Override
    public void close() {
        server.shutdownNow();
    }
}
