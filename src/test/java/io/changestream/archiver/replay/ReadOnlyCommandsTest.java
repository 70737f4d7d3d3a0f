package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.app.Main;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 (CLI): {@code status} and {@code verify} only read. They create no index and no collection on the tracker
 * (so they work against a secondary or with a read-only role), refuse an unknown tracker collection or collection
 * with exit 2 as {@code replay} does, and say plainly, within seconds, that a tracker does not answer.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadOnlyCommandsTest {
    @TempDir
    static Path archive;

    private ArchivingFixture fixture;

    @BeforeAll
    void archiveOneRound() throws InterruptedException {
        fixture = new ArchivingFixture(archive, TypedWorkload.COLLECTIONS, Map.of());
        fixture.archiveRounds(new TypedWorkload(), 1, 3);
    }

    @AfterAll
    void stop() {
        fixture.close();
    }

    @Test
    void statusAndVerifyCreateNoIndexOnTheTracker() {
        // A copy of the tracker's documents, without the indexes the service made.
        try (EmbeddedMongo copy = new EmbeddedMongo(); MongoClient client = MongoClients.create(copy.uri())) {
            MongoCollection<Document> tracker = client.getDatabase(ArchivingFixture.DATABASE)
                    .getCollection(ArchivingFixture.TRACKER);
            tracker.insertMany(fixture.database(ArchivingFixture.DATABASE).getCollection(ArchivingFixture.TRACKER)
                    .find().into(new ArrayList<>()));
            assertThat(indexNames(tracker)).containsExactly("_id_");
            Map<String, String> env = env();
            env.put("TRACKER_URI", copy.uri());

            Run status = run(env, "status");
            Run verify = run(env, "verify");

            assertThat(status.exit).as(status.out).isZero();
            assertThat(verify.exit).as(verify.out).isZero();
            assertThat(indexNames(tracker)).as("indexes after status and verify").containsExactly("_id_");
        }
    }

    @Test
    void anUnknownTrackerCollectionExitsTwoNamingItAndCreatesNothing() {
        Map<String, String> env = env();
        env.put("TRACKER_COLLECTION", "typo");

        Run status = run(env, "status");
        Run verify = run(env, "verify");

        assertThat(status.exit).as(status.out).isEqualTo(Main.USAGE);
        assertThat(verify.exit).as(verify.out).isEqualTo(Main.USAGE);
        assertThat(status.out).contains("TRACKER_COLLECTION=typo", ArchivingFixture.TRACKER);
        assertThat(fixture.database(ArchivingFixture.DATABASE).listCollectionNames().into(new ArrayList<>()))
                .doesNotContain("typo");
    }

    @Test
    void anUnknownCollectionExitsTwoAsReplayDoes() {
        Run verify = run(env(), "verify", "--collections", "nosuch");
        Run status = run(env(), "status", "--collections", "nosuch");
        Run replay = run(env(), "replay", "--dry-run", "--collections", "nosuch");

        assertThat(replay.exit).as(replay.out).isEqualTo(Main.USAGE);
        assertThat(verify.exit).as(verify.out).isEqualTo(Main.USAGE);
        assertThat(status.exit).as(status.out).isEqualTo(Main.USAGE);
        assertThat(verify.out).contains("--collections", "nosuch", "people");
        assertThat(status.out).contains("--collections", "nosuch", "people");
    }

    @Test
    void aTrackerThatDoesNotAnswerIsReportedInOneClearLineAfterTheShortDefaultTimeout() throws IOException {
        Map<String, String> env = env();
        env.put("TRACKER_URI", "mongodb://app:pw-s3cr3t@127.0.0.1:" + closedPort() + "/");

        Run status = run(env, "status");

        assertThat(status.exit).as(status.out).isEqualTo(Main.RUNTIME_FAILURE);
        assertThat(status.out).as(status.out).contains("did not answer within 5 s", "serverSelectionTimeoutMS")
                .doesNotContain("pw-s3cr3t").doesNotContain("Timed out after");
        assertThat(status.out.strip().lines()).as(status.out).hasSize(1);
    }

    @Test
    void theTimeoutIsTheConnectionStringsServerSelectionTimeoutWhenItSetsOne() throws IOException {
        Map<String, String> env = env();
        env.put("TRACKER_URI", "mongodb://127.0.0.1:" + closedPort() + "/?serverSelectionTimeoutMS=1500");

        Run verify = run(env, "verify");

        assertThat(verify.exit).as(verify.out).isEqualTo(Main.RUNTIME_FAILURE);
        assertThat(verify.out).contains("did not answer within 1.5 s");
    }

    private static List<String> indexNames(MongoCollection<Document> collection) {
        List<String> names = new ArrayList<>();
        collection.listIndexes().forEach((Document d) -> names.add(d.getString("name")));
        return names;
    }

    private Map<String, String> env() {
        return new HashMap<>(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "TRACKER_URI", fixture.server.uri(),
                "TRACKER_DATABASE", ArchivingFixture.DATABASE));
    }

    private static int closedPort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        int exit = Main.execute(env, new PrintWriter(out), new PrintWriter(out), args);
        return new Run(exit, out.toString());
    }

    private record Run(int exit, String out) {
    }
}
