package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Issue 15 (CLI): the demo archives with the configured {@code ARCHIVE_COMPRESSION} and {@code ARCHIVE_JSON_MODE},
 * says where the archive is, and removes its temporary folder unless {@code --keep}.
 */
class DemoArchiveSettingsTest {
    private static final Pattern FOLDER = Pattern.compile("archive folder: (\\S+)");

    @Test
    void theDemoHonoursArchiveCompressionAndRemovesItsTemporaryFolder() {
        Run r = run(Map.of("ARCHIVE_COMPRESSION", "gzip"), "demo", "--documents", "4");

        assertThat(r.exit).as(r.out).isZero();
        assertThat(r.out).contains(".json.gz", "gzip compression", "removed (--keep keeps it)");
        assertThat(Files.exists(folder(r))).as(r.out).isFalse();
    }

    @Test
    void withKeepTheTemporaryFolderStaysAndHoldsTheConfiguredJsonMode() throws IOException {
        Run r = run(Map.of("ARCHIVE_JSON_MODE", "relaxed"), "demo", "--documents", "4", "--keep");
        Path kept = folder(r);
        try {
            assertThat(r.out).contains("relaxed Extended JSON", "archive kept in " + kept);
            try (Stream<Path> files = Files.walk(kept)) {
                String text = Files.readString(files.filter(p -> p.toString().endsWith(".json")).findFirst()
                        .orElseThrow());
                assertThat(text).as("relaxed mode writes plain numbers").doesNotContain("$numberInt");
            }
        } finally {
            try (Stream<Path> walk = Files.walk(kept)) {
                for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }

    private static Path folder(Run r) {
        Matcher m = FOLDER.matcher(r.out);
        assertThat(m.find()).as(r.out).isTrue();
        return Path.of(m.group(1));
    }

    private static Run run(Map<String, String> env, String... args) {
        StringWriter out = new StringWriter();
        int exit = Main.execute(env, new PrintWriter(out), new PrintWriter(out), args);
        return new Run(exit, out.toString());
    }

    private record Run(int exit, String out) {
    }
}
