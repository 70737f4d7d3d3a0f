package io.changestream.archiver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.ArchiveLines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.bson.RawBsonDocument;

/** Reads a local archive folder back: every event of a collection's files, in file (hour) order. */
public final class ArchiveContents {
    private ArchiveContents() {
    }

    public static List<RawBsonDocument> events(Path root, String collectionFolder) {
        Path folder = root.resolve(collectionFolder);
        if (!Files.isDirectory(folder)) {
            return List.of();
        }
        List<RawBsonDocument> events = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path file : files.sorted().toList()) {
                byte[] bytes = Files.readAllBytes(file);
                Compression c = file.toString().endsWith(".gz") ? Compression.GZIP : Compression.NONE;
                ArchiveLines.Units units = ArchiveLines.split(bytes, c);
                assertThat(units.completeLength()).as("no torn tail in %s", file).isEqualTo(bytes.length);
                units.units().forEach(u -> u.lines().forEach(
                        line -> events.add(RawBsonDocument.parse(new String(line, StandardCharsets.UTF_8)))));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return events;
    }

    /** Asserts no event (by resume token) appears twice, and returns how many there are. */
    public static int assertNoDuplicates(List<RawBsonDocument> events) {
        Set<String> tokens = new HashSet<>();
        for (RawBsonDocument e : events) {
            assertThat(tokens.add(e.getDocument("_id").toJson())).as("event %s archived twice", e.getDocument("_id").toJson())
                    .isTrue();
        }
        return tokens.size();
    }
}
