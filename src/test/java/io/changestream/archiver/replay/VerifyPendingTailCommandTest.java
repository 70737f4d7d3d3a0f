package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.app.Main;
import io.changestream.archiver.checkpoint.Checkpoint;
import io.changestream.archiver.store.ArchiveFile;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code verify} command on an archive the real pipeline wrote, with a well-formed line of another collection
 * appended after the checkpoint (issue 13, finding 5): recovery would refuse it, so it is not pending but a
 * problem, and verify exits 1.
 */
class VerifyPendingTailCommandTest {
    @TempDir
    Path archive;

    private ArchivingFixture fixture;

    @AfterEach
    void stop() {
        fixture.close();
    }

    @Test
    void finding5_anotherCollectionsEventAfterTheCheckpointIsNotPendingAndVerifyExitsOne() throws Exception {
        fixture = new ArchivingFixture(archive, List.of("people"), Map.of());
        fixture.source().getCollection("people").insertOne(new org.bson.Document("_id", 1));
        fixture.awaitCaptured(1);
        fixture.flush();
        Checkpoint checkpoint = fixture.tracker.load("people").orElseThrow();
        ArchiveFile file = new ArchiveFile(checkpoint.file().orElseThrow());
        BsonDocument foreign = BsonDocument.parse("{operationType: 'insert', ns: {db: 'shop', coll: 'users'}, "
                + "documentKey: {_id: 7}, fullDocument: {_id: 7}}");
        foreign.put("_id", new BsonDocument("_data", new BsonString("ffffffffffffffff")));
        BsonTimestamp later = new BsonTimestamp(checkpoint.clusterTime().getTime(), checkpoint.clusterTime().getInc() + 1);
        foreign.put("clusterTime", later);
        new HandMadeArchive(archive).appendText("people", later, foreign.toJson() + "\n");

        StringWriter out = new StringWriter();
        int exit = Main.execute(fixture.commandEnv(archive), new PrintWriter(out), new PrintWriter(out), "verify",
                "--json");

        assertThat(exit).as(out.toString()).isEqualTo(Main.CHECK_FAILED);
        assertThat(out.toString()).contains("\"kind\": \"not-a-continuation\"", file.path(), "collection users");
    }
}
