package io.changestream.archiver.replay;

import static io.changestream.archiver.replay.HandMadeArchive.event;
import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15 (CLI): the target's connection string, which usually carries a password, can come from
 * {@code REPLAY_TARGET_URI} instead of the command line (shell history, {@code ps}), and no message shows its
 * password, wherever it came from.
 */
class ReplayTargetFromEnvironmentTest {
    @TempDir
    Path archive;

    @Test
    void theTargetUriIsReadFromReplayTargetUriWhenTheFlagIsNotGiven() {
        new HandMadeArchive(archive).append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1, v: 1}}")));
        try (EmbeddedMongo target = new EmbeddedMongo(); MongoClient client = MongoClients.create(target.uri())) {
            Run r = run(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "REPLAY_TARGET_URI", target.uri()),
                    "replay", "--target-database", "restored");

            assertThat(r.exit).as(r.out).isZero();
            assertThat(client.getDatabase("restored").getCollection("people").countDocuments()).isEqualTo(1);
        }
    }

    @Test
    void aPasswordInReplayTargetUriAppearsInNoMessage() throws IOException {
        new HandMadeArchive(archive).append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1, v: 1}}")));
        int closed;
        try (ServerSocket s = new ServerSocket(0)) {
            closed = s.getLocalPort();
        }
        Run unreachable = run(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "REPLAY_TARGET_URI",
                "mongodb://app:pw-s3cr3t@127.0.0.1:" + closed + "/?serverSelectionTimeoutMS=300"),
                "replay", "--target-database", "restored");
        Run malformed = run(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "REPLAY_TARGET_URI",
                "mongodb://app:pw-s3cr3t@127.0.0.1:notaport/"), "replay", "--target-database", "restored");

        assertThat(unreachable.exit).as(unreachable.out).isEqualTo(Main.RUNTIME_FAILURE);
        assertThat(malformed.exit).as(malformed.out).isEqualTo(Main.USAGE);
        assertThat(malformed.out).contains("REPLAY_TARGET_URI");
        assertThat(unreachable.out + malformed.out).doesNotContain("pw-s3cr3t");
    }

    @Test
    void theFlagWinsOverTheEnvironment() {
        try (EmbeddedMongo target = new EmbeddedMongo(); MongoClient client = MongoClients.create(target.uri())) {
            new HandMadeArchive(archive).append("people", Compression.NONE, List.of(
                    event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}")));
            Run r = run(Map.of("ARCHIVE_LOCAL_DIR", archive.toString(), "REPLAY_TARGET_URI", "mongodb://nowhere.invalid"),
                    "replay", "--target-uri", target.uri(), "--target-database", "restored");

            assertThat(r.exit).as(r.out).isZero();
            assertThat(client.getDatabase("restored").getCollection("people").countDocuments()).isEqualTo(1);
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
