package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import io.changestream.archiver.store.adls.DfsTestServer;
import io.changestream.archiver.testing.ArchiveContents;
import io.changestream.archiver.testing.ArchiverProcess;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.Binary;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * Memory under pressure: the archiver in a 256 MiB heap with {@code BUFFER_MAX_BYTES} of 32 MiB, while 64 KiB
 * documents keep arriving and the store (ADLS) is down for 45 s. Capture must pause at the cap (backpressure
 * metric 1), the process must stay alive, and once the store is back every document is archived exactly once.
 * {@code -Dpressure.outage.seconds=N} changes the outage.
 */
@Tag("chaos")
class MemoryPressureProcessTest {
    private static final int DOCUMENT_BYTES = 64 * 1024;

    @Test
    void aLongStoreOutageUnderLoadPausesCaptureAtTheCapAndLosesNothingInA256MiBHeap() throws Exception {
        int outageSeconds = Integer.getInteger("pressure.outage.seconds", 45);
        int port;
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        }
        HttpClient http = HttpClient.newHttpClient();
        try (DfsTestServer adls = DfsTestServer.start(); EmbeddedMongo mongo = new EmbeddedMongo();
             MongoClient client = MongoClients.create(mongo.uri())) {
            Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", mongo.uri(), "MONGODB_DATABASE", "shop",
                    "MONGODB_COLLECTIONS", "blobs", "ARCHIVE_STORE", "adls",
                    "AZURE_STORAGE_ACCOUNT_NAME", adls.accountName(), "AZURE_STORAGE_ACCOUNT_KEY", adls.accountKey(),
                    "AZURE_STORAGE_ENDPOINT", adls.endpoint(), "BUFFER_MAX_BYTES", String.valueOf(32 << 20),
                    "FLUSH_MAX_BYTES", String.valueOf(4 << 20), "HTTP_PORT", String.valueOf(port)));
            env.putAll(Map.of("RETRY_ATTEMPTS", "2", "RETRY_DELAY_MS", "200", "LOG_FORMAT", "text",
                    "FLUSH_SCHEDULE", "0/5 * * * * ?"));
            MongoCollection<Document> blobs = client.getDatabase("shop").getCollection("blobs");
            AtomicInteger written = new AtomicInteger();
            AtomicBoolean writing = new AtomicBoolean(true);
            Thread writer = new Thread(() -> {
                byte[] payload = new byte[DOCUMENT_BYTES];
                while (writing.get()) {
                    blobs.insertOne(new Document("_id", written.get()).append("payload", new Binary(payload)));
                    written.incrementAndGet();
                    sleep(50); // ~1.3 MB/s: the 32 MiB cap fills in about 25 s of outage
                }
            }, "workload");

            try (ArchiverProcess process = new ArchiverProcess(env, "run")) {
                assertThat(process.awaitOutput("starting capture of blobs", Duration.ofSeconds(30))).isTrue();
                Thread.sleep(500);
                writer.start();
                Thread.sleep(3_000);
                adls.faults().startOutage();
                boolean backpressure = false;
                long outageEnd = System.nanoTime() + Duration.ofSeconds(outageSeconds).toNanos();
                while (System.nanoTime() < outageEnd) {
                    backpressure |= metric(http, port, "archiver_backpressure_active").equals("1.0");
                    Thread.sleep(500);
                }
                adls.faults().endOutage();
                Thread.sleep(3_000);
                writing.set(false);
                writer.join();

                assertThat(backpressure).as("capture paused at BUFFER_MAX_BYTES during the outage").isTrue();
                try (ArchiveStore store = ArchiveStores.open(ConfigLoader.load(env).store())) {
                    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
                    while (System.nanoTime() < deadline && count(store) < written.get()) {
                        Thread.sleep(500);
                    }
                    assertThat(process.terminate(Duration.ofSeconds(40))).as(String.join("\n", process.output()))
                            .isZero();
                    assertThat(process.output()).noneMatch(l -> l.contains("OutOfMemoryError"));
                    List<RawBsonDocument> events = ArchiveContents.events(store, "blobs");
                    ArchiveContents.assertNoDuplicates(events);
                    assertThat(events.stream().map(e -> e.getDocument("fullDocument").getInt32("_id").getValue()))
                            .containsExactlyElementsOf(IntStream.range(0, written.get()).boxed().toList());
                }
            }
        }
    }

    private static int count(ArchiveStore store) {
        try {
            return ArchiveContents.events(store, "blobs").size();
        } catch (RuntimeException | AssertionError e) {
            return -1;
        }
    }

    private static String metric(HttpClient http, int port, String name) {
        try {
            String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                    .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
            return body.lines().filter(l -> l.startsWith(name + " ") || l.startsWith(name + "{"))
                    .map(l -> l.substring(l.lastIndexOf(' ') + 1)).findFirst().orElse("");
        } catch (Exception e) {
            return "";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
