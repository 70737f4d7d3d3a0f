package io.changestream.archiver.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.ArchiveLines;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.RawBsonDocument;

/** Reads an archive back: every event of a collection's files, in file (hour) order. */
public final class ArchiveContents {
    private ArchiveContents() {
    }

    public static List<RawBsonDocument> events(Path root, String collectionFolder) {
        return events(new LocalArchiveStore(root), collectionFolder);
    }

    /** Every event in the files below {@code collectionFolder} of {@code store}, in file (hour) order. */
    public static List<RawBsonDocument> events(ArchiveStore store, String collectionFolder) {
        List<RawBsonDocument> events = new ArrayList<>();
        for (ArchiveFile file : store.list(collectionFolder)) {
            if (file.path().contains("/snapshots/")) {
                continue; // snapshot parts and manifests hold documents, not events
            }
            byte[] bytes;
            try (InputStream in = store.read(file, 0)) {
                bytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            Compression c = file.path().endsWith(".gz") ? Compression.GZIP : Compression.NONE;
            ArchiveLines.Units units = ArchiveLines.split(bytes, c);
            assertThat(units.completeLength()).as("no torn tail in %s", file).isEqualTo(bytes.length);
            units.units().forEach(u -> u.lines().forEach(
                    line -> events.add(RawBsonDocument.parse(new String(line, StandardCharsets.UTF_8)))));
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
