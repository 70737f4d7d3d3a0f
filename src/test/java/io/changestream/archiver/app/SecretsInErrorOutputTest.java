package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.config.SecretSamples;
import io.changestream.archiver.config.SecretSamples.Sample;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Finding 9 of issue 13 through the whole command line: a configuration that is refused (exit 2) must not print a
 * password with {@code @ : / ? # %} in it, nor any part of a SAS query put into {@code AZURE_STORAGE_ENDPOINT}, nor a
 * {@code --target-uri}, from any command and any error path (configuration problems, usage errors, unknown options).
 * Property-style over generated secrets; the seed is in every failure message ({@code -Dmasking.seed=S}).
 */
class SecretsInErrorOutputTest {
    private static final int SAMPLES = 40;

    @Test
    void noCommandPrintsAnyPartOfAGeneratedPasswordOrSasQueryWhenItExitsTwo() {
        long seed = Long.getLong("masking.seed", System.nanoTime());
        SecretSamples samples = new SecretSamples(new Random(seed));
        for (int i = 0; i < SAMPLES; i++) {
            Sample source = samples.mongoUri();
            Sample tracker = samples.mongoUri();
            Sample target = samples.mongoUri();
            Sample endpoint = samples.sasEndpoint();
            List<String> secrets = new ArrayList<>();
            for (Sample s : List.of(source, tracker, target, endpoint)) {
                secrets.addAll(s.secrets());
            }
            Map<String, String> env = new HashMap<>(Map.of(
                    "MONGODB_URI", source.text(), "TRACKER_URI", tracker.text(),
                    "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders",
                    "ARCHIVE_STORE", "adls", "AZURE_STORAGE_ACCOUNT_NAME", "acct1",
                    "AZURE_STORAGE_ENDPOINT", endpoint.text(),
                    // a problem each command checks, so every one of them exits 2 before opening anything
                    "AZURE_ADLS_FILESYSTEM", "Bad_File_System"));
            List<String[]> commands = List.of(
                    new String[] {"run"},
                    new String[] {"verify"},
                    new String[] {"status", "--json"},
                    new String[] {"replay", "--dry-run"},
                    new String[] {"replay", "--target-uri", target.text(), "--target-database", "restore"},
                    new String[] {"replay", "--target-uri=" + target.text()},
                    new String[] {"replay", "--target-url", target.text(), "--dry-run"},
                    new String[] {"replay", "--dry-run", endpoint.text()},
                    new String[] {"replay", "--target-uri"});
            for (String[] args : commands) {
                StringWriter output = new StringWriter();
                PrintWriter writer = new PrintWriter(output, true);
                int exit = Main.execute(env, writer, writer, args);
                writer.flush();
                String printed = output.toString();
                String what = String.format("seed %d, %s:%n%s", seed, String.join(" ", args), printed);
                assertThat(exit).as(what).isEqualTo(Main.USAGE);
                for (String secret : secrets) {
                    assertThat(printed).as(what).doesNotContain(secret);
                }
            }
        }
    }
}
