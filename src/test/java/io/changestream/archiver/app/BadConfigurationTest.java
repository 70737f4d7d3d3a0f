package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.testing.ArchiverProcess;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BadConfigurationTest {

    @Test
    void badConfigurationExitsTwoNamingEveryProblemWithoutPrintingSecrets() throws Exception {
        Map<String, String> env = Map.of(
                "MONGODB_URI", "mongodb://archiver:Hunter2-Secret@db-0.example:27017/?replicaSet=rs0",
                "MONGODB_COLLECTIONS", "orders",
                "FLUSH_MAX_EVENTS", "-5",
                "ARCHIVE_STORE", "adls",
                "AZURE_STORAGE_ACCOUNT_NAME", "acct1",
                "AZURE_STORAGE_ACCOUNT_KEY", "S2V5LXNlY3JldC12YWx1ZQ==",
                "AZURE_STORAGE_SAS_TOKEN", "sv=2024-01-01&sig=Sas-Signature-Value");
        try (ArchiverProcess process = new ArchiverProcess(env, "run")) {
            int exit = process.waitForExit(Duration.ofSeconds(60));
            String output = String.join("\n", process.output());

            assertThat(exit).as(output).isEqualTo(2);
            assertThat(output).contains("MONGODB_DATABASE is not set", "FLUSH_MAX_EVENTS=-5",
                    "AZURE_STORAGE_ACCOUNT_KEY and AZURE_STORAGE_SAS_TOKEN");
            assertThat(output).doesNotContain("Hunter2-Secret", "S2V5LXNlY3JldC12YWx1ZQ==", "Sas-Signature-Value");
        }
    }
}
