package io.changestream.archiver.replay;

import static io.changestream.archiver.replay.HandMadeArchive.event;
import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.app.EmbeddedMongo;
import io.changestream.archiver.app.Main;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.store.ArchiveFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13, finding 6: lines the driver's reader fails on in a type other than a JSON parse error (a NUL byte in a
 * field name or a regular expression, nesting deeper than BSON allows, a malformed ObjectId) made {@code replay} and
 * {@code verify} exit 3 with a stack trace. Each must be one finding naming the file and where in it (replay: the
 * line number and its byte offset; verify: the line's byte offset, and its place in the range), with the reason, exit 1, and the lines around it
 * still read.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class UnreadableLineCommandTest {
    @TempDir
    static Path root;

    private final EmbeddedMongo tracker = new EmbeddedMongo();
    private ArchiveFile file;
    private long nulKeyOffset;

    @BeforeAll
    void writeAnArchiveWithUnreadableLines() {
        HandMadeArchive archive = new HandMadeArchive(root);
        BsonTimestamp hour = new BsonTimestamp(HandMadeArchive.BASE, 0);
        file = archive.append("people", Compression.NONE, List.of(
                event(1, 1, "{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1}}")));
        nulKeyOffset = archive.store.length(file);
        archive.appendText("people", hour, line(2, "{\"_id\": {\"$numberInt\": \"2\"}, \"a\\u0000b\": \"x\"}"));
        archive.appendText("people", hour, line(3, "{\"_id\": {\"$numberInt\": \"3\"}, \"r\": {\"$regularExpression\":"
                + " {\"pattern\": \"a\\u0000b\", \"options\": \"\"}}}"));
        archive.appendText("people", hour, line(4, "{\"_id\": {\"$numberInt\": \"4\"}, \"deep\": "
                + "[".repeat(1100) + "]".repeat(1100) + "}"));
        archive.appendText("people", hour, line(5, "{\"_id\": {\"$oid\": \"not-hex\"}}"));
        archive.append("people", Compression.NONE, List.of(
                event(6, 1, "{operationType: 'insert', documentKey: {_id: 6}, fullDocument: {_id: 6}}")));
        // An empty tracker collection: verify refuses a tracker collection that does not exist (exit 2).
        try (com.mongodb.client.MongoClient client = com.mongodb.client.MongoClients.create(tracker.uri())) {
            client.getDatabase("shop").createCollection("changestream_tracker");
        }
    }

    @AfterAll
    void stop() {
        tracker.close();
    }

    @Test
    void finding6_replayDryRunReportsEachUnreadableLineWithFileAndOffsetAndExitsOne() {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.execute(Map.of("ARCHIVE_LOCAL_DIR", root.toString(), "MONGODB_COLLECTIONS", "people"),
                new PrintWriter(out), new PrintWriter(err), "replay", "--dry-run");

        String all = out + "\n" + err;
        assertThat(exit).as(all).isEqualTo(Main.CHECK_FAILED);
        assertThat(all).contains(file.path() + ":2", file.path() + ":3", file.path() + ":4", file.path() + ":5")
                .contains("at byte " + nulKeyOffset + ": ")
                .contains("null character", "Maximum serialization depth")
                .doesNotContain("\tat ", "Exception in thread");
        assertThat(all).as("the readable lines around them are still read").contains("2 events");
    }

    @Test
    void finding6_verifyReportsEachUnreadableLineWithFileAndOffsetAndExitsOne() {
        for (List<String> args : List.of(List.of("verify"), List.of("verify", "--json"))) {
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            int exit = Main.execute(Map.of("ARCHIVE_LOCAL_DIR", root.toString(), "MONGODB_COLLECTIONS", "people",
                    "TRACKER_URI", tracker.uri(), "TRACKER_DATABASE", "shop"), new PrintWriter(out),
                    new PrintWriter(err), args.toArray(String[]::new));

            String all = out + "\n" + err;
            assertThat(exit).as(args + ": " + all).isEqualTo(Main.CHECK_FAILED);
            assertThat(all).as(args.toString()).contains(file.path()).contains("line 2 ", "line 3 ", "line 4 ",
                    "line 5 ").contains("null character", "Maximum serialization depth")
                    .doesNotContain("\tat ", "Exception in thread");
            assertThat(all).as("the finding's offset is the line's own").contains(args.size() == 1
                    ? file.path() + " @" + nulKeyOffset : "\"offset\": " + nulKeyOffset);
        }
    }

    /** A canonical insert event at {@code BASE + second} whose full document is {@code fullDocument}, plus "\n". */
    private static String line(int second, String fullDocument) {
        return "{\"_id\": {\"_data\": \"" + String.format("82%08X%08X", HandMadeArchive.BASE + second, 1)
                + "\"}, \"operationType\": \"insert\", \"clusterTime\": {\"$timestamp\": {\"t\": "
                + (HandMadeArchive.BASE + second) + ", \"i\": 1}}, \"ns\": {\"db\": \"shop\", \"coll\": \"people\"}, "
                + "\"documentKey\": {\"_id\": {\"$numberInt\": \"" + second + "\"}}, \"fullDocument\": " + fullDocument
                + "}\n";
    }
}
