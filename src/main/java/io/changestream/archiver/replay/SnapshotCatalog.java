package io.changestream.archiver.replay;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;
import org.bson.BsonTimestamp;

/**
 * A collection's snapshots as the store holds them. Only a snapshot with a readable {@code manifest.json} is
 * complete; a folder without one is a snapshot still running or interrupted, and is never used.
 */
public final class SnapshotCatalog {
    private final ArchiveStore store;
    private final SnapshotLayout layout;

    public SnapshotCatalog(ArchiveStore store, String prefix) {
        this.store = store;
        this.layout = new SnapshotLayout(new ArchiveLayout(prefix, Compression.NONE));
    }

    public SnapshotLayout layout() {
        return layout;
    }

    /** A snapshot folder, complete or not. */
    public record Listed(String id, Optional<SnapshotManifest> manifest, int partFiles, long bytes) {
    }

    /** Every snapshot folder of the collection, in id (start time) order. */
    public List<Listed> list(String collection) {
        List<ArchiveFile> files = store.list(layout.folder(collection));
        TreeSet<String> ids = new TreeSet<>();
        String prefix = layout.folder(collection) + "/";
        for (ArchiveFile f : files) {
            String rest = f.path().substring(prefix.length());
            int slash = rest.indexOf('/');
            if (slash > 0 && SnapshotLayout.isId(rest.substring(0, slash))) {
                ids.add(rest.substring(0, slash));
            }
        }
        List<Listed> out = new ArrayList<>();
        for (String id : ids) {
            String folder = layout.folder(collection, id) + "/";
            List<ArchiveFile> mine = files.stream().filter(f -> f.path().startsWith(folder)).toList();
            Optional<SnapshotManifest> manifest = mine.stream()
                    .filter(f -> f.equals(layout.manifest(collection, id))).findFirst().flatMap(this::manifest);
            long bytes = mine.stream().filter(f -> f.fileName().startsWith("part-")).mapToLong(store::length).sum();
            out.add(new Listed(id, manifest, (int) mine.stream().filter(f -> f.fileName().startsWith("part-")).count(),
                    bytes));
        }
        return out;
    }

    /** The complete snapshots, in id order. */
    public List<SnapshotManifest> complete(String collection) {
        return list(collection).stream().flatMap(l -> l.manifest().stream()).toList();
    }

    /** The newest complete snapshot whose end is at or before {@code until} (any, when there is no bound). */
    public Optional<SnapshotManifest> newestServing(String collection, Optional<BsonTimestamp> until) {
        return complete(collection).stream().filter(m -> until.isEmpty() || m.end().compareTo(until.get()) <= 0)
                .max(Comparator.comparing(SnapshotManifest::end));
    }

    public ArchiveFile part(SnapshotManifest m, SnapshotManifest.Part part) {
        return new ArchiveFile(layout.folder(m.collection(), m.id()) + "/" + part.file());
    }

    private Optional<SnapshotManifest> manifest(ArchiveFile file) {
        try (InputStream in = store.read(file, 0)) {
            return Optional.of(SnapshotManifest.parse(in.readAllBytes()));
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // torn or foreign: the snapshot is not complete (verify reports it)
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
