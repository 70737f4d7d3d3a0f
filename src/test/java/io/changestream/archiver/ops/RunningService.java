package io.changestream.archiver.ops;

import static org.awaitility.Awaitility.await;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.app.Service;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.pipeline.CollectionStatus;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.bson.Document;

/**
 * A whole service for wire-level tests: an embedded MongoDB-wire source, a local archive in a test folder, the
 * admin endpoint on a free port, and a real HTTP client. The flush schedule is pushed to 2099, so files appear only
 * when a test triggers a flush.
 */
public final class RunningService implements AutoCloseable {
    public static final String DATABASE = "shop";
    public static final List<String> COLLECTIONS = List.of("customers", "orders");
    public static final Duration PATIENCE = Duration.ofSeconds(30);

    private final EmbeddedMongo source;
    private final Path archive;
    private final MongoClient client;
    private final Service service;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private int inserted;

    private RunningService(EmbeddedMongo source, Path archive, ArchiverConfig config) {
        this.source = source;
        this.archive = archive;
        this.service = Service.start(config, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
                Clock.systemUTC());
        this.client = MongoClients.create(source.uri());
    }

    /** The environment of a test service: small retries, no scheduled flush, a free port. */
    public static Map<String, String> environment(String sourceUri, Path archive) {
        Map<String, String> env = new HashMap<>();
        env.put("MONGODB_URI", sourceUri);
        env.put("MONGODB_DATABASE", DATABASE);
        env.put("MONGODB_COLLECTIONS", String.join(",", COLLECTIONS));
        env.put("ARCHIVE_LOCAL_DIR", archive.toString());
        env.put("FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099");
        env.put("SNAPSHOT_MODE", "never"); // snapshots have tests of their own
        env.put("HTTP_PORT", "0");
        env.put("RETRY_ATTEMPTS", "2");
        env.put("RETRY_DELAY_MS", "100");
        env.put("SHUTDOWN_TIMEOUT_SECONDS", "10");
        return env;
    }

    /**
     * Starts a service on a new embedded source.
     *
     * @param overrides   replace or add environment variables; {@code {source}} in a value is the source's address
     * @param beforeStart sees the loaded configuration first, as {@code run} applies logging before the service
     */
    public static RunningService start(Path archive, Map<String, String> overrides,
                                       Consumer<ArchiverConfig> beforeStart) {
        EmbeddedMongo source = new EmbeddedMongo();
        try {
            Map<String, String> env = environment(source.uri(), archive);
            String address = source.uri().substring("mongodb://".length());
            overrides.forEach((k, v) -> env.put(k, v.replace("{source}", address)));
            ArchiverConfig config = ConfigLoader.load(env);
            beforeStart.accept(config);
            return new RunningService(source, archive, config);
        } catch (RuntimeException e) {
            source.close();
            throw e;
        }
    }

    public static RunningService start(Path archive, Map<String, String> overrides) {
        return start(archive, overrides, config -> { });
    }

    public static RunningService start(Path archive) {
        return start(archive, Map.of());
    }

    public Service service() {
        return service;
    }

    public Path archive() {
        return archive;
    }

    // --- HTTP ---------------------------------------------------------------------------------------------------

    public HttpResponse<String> get(String path) {
        return send(request(path).GET().build());
    }

    public HttpResponse<String> post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public HttpResponse<String> post(String path, String authorization) {
        return send(request(path).header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.noBody()).build());
    }

    public HttpResponse<String> send(String method, String path) {
        return send(request(path).method(method, HttpRequest.BodyPublishers.noBody()).build());
    }

    private HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + service.adminPort() + path))
                .timeout(PATIENCE);
    }

    private HttpResponse<String> send(HttpRequest request) {
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    // --- workload and archive -----------------------------------------------------------------------------------

    public void awaitReady() {
        await().atMost(PATIENCE).until(() -> get("/healthz/ready").statusCode() == 200);
    }

    public MongoCollection<Document> collection(String name) {
        return client.getDatabase(DATABASE).getCollection(name);
    }

    /** Inserts {@code documents} documents into {@code collection}: one change event each. */
    public void insert(String collection, int documents) {
        MongoCollection<Document> c = collection(collection);
        for (int i = 0; i < documents; i++) {
            c.insertOne(new Document("_id", collection + "-" + inserted++).append("n", i).append("name", "ü-\"q\"\n"));
        }
    }

    public void awaitBuffered(int events) {
        await().atMost(PATIENCE).until(() -> service.archiver.status().stream()
                .mapToInt(CollectionStatus::bufferedEvents).sum() == events);
    }

    public List<Path> archiveFiles() {
        if (!Files.isDirectory(archive)) {
            return List.of();
        }
        try (Stream<Path> files = Files.walk(archive)) {
            return files.filter(Files::isRegularFile).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public long archivedLines() {
        long lines = 0;
        for (Path file : archiveFiles()) {
            try (Stream<String> l = Files.lines(file)) {
                lines += l.count();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return lines;
    }

    /** Stops the service, then its source. */
    @Override
    public void close() {
        try {
            service.close();
        } finally {
            client.close();
            source.close();
        }
    }
}
