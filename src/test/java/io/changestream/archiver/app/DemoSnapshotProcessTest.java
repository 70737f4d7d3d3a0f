package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.testing.ArchiverProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The demo, in its own process (it sets the process's logging): data that exists before archiving starts is
 * snapshotted at the first start, and the final comparison of the replica with the source covers it.
 */
class DemoSnapshotProcessTest {
    @TempDir
    Path dir;

    @Test
    void theDemoSnapshotsTheDataThatExistedBeforeItStartsAndItsReplicaEqualsTheSource() throws Exception {
        try (ArchiverProcess demo = new ArchiverProcess(Map.of(), "demo", "--documents", "30",
                "--archive-dir", dir.toString())) {
            int exit = demo.waitForExit(Duration.ofSeconds(180));
            String output = String.join("\n", demo.output());
            assertThat(exit).as(output).isZero();
            assertThat(output).contains("initial snapshot of orders: ").contains("initial snapshot of customers: ")
                    .contains("30 documents").contains("restored snapshot ").contains("demo OK");
        }
    }
}
