package io.changestream.archiver.replay;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.TreeSet;

/**
 * What the archive holds, read from file names alone: the collections (one folder each under the prefix) and each
 * collection's hourly files in time order.
 *
 * <p>Both suffixes are recognised whatever {@code ARCHIVE_COMPRESSION} says now, because the setting may have changed
 * during the archive's life: an hour may then have a {@code .json} and a {@code .json.gz} file. Files that do not
 * follow the layout (other names, deeper folders) are not archive files and are left out.
 */
public final class ArchiveCatalog {
    private final ArchiveStore store;
    private final String prefix;
    private final String givenPrefix;
    private final ArchiveLayout plain;
    private final ArchiveLayout gzip;

    public ArchiveCatalog(ArchiveStore store, String prefix) {
        this.store = store;
        this.givenPrefix = prefix;
        this.plain = new ArchiveLayout(prefix, Compression.NONE);
        this.gzip = new ArchiveLayout(prefix, Compression.GZIP);
        String root = plain.folder("x");
        this.prefix = root.substring(0, root.length() - 1);
    }

    /** The snapshots under the same prefix. */
    public SnapshotCatalog snapshots() {
        return new SnapshotCatalog(store, givenPrefix);
    }

    public ArchiveStore store() {
        return store;
    }

    /** The collections with a folder holding at least one archive file, sorted by name. */
    public List<String> collections() {
        TreeSet<String> names = new TreeSet<>();
        for (ArchiveFile file : store.list(prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1))) {
            if (!file.path().startsWith(prefix)) {
                continue;
            }
            String[] parts = file.path().substring(prefix.length()).split("/");
            if (parts.length == 2 && storedFile(file).isPresent()) {
                names.add(ArchiveLayout.decodeCollection(parts[0]));
            }
        }
        return List.copyOf(names);
    }

    /** A collection's archive files in time order; empty when it has none. */
    public List<StoredFile> files(String collection) {
        String folder = plain.folder(collection);
        List<StoredFile> files = new ArrayList<>();
        for (ArchiveFile file : store.list(folder)) {
            if (file.path().equals(folder + "/" + file.fileName())) {
                storedFile(file).ifPresent(files::add);
            }
        }
        files.sort(null);
        return files;
    }

    /** Parses an archive path of any collection; empty when it is not an archive file name. */
    public Optional<StoredFile> storedFile(ArchiveFile file) {
        Optional<HourSlot> slot = gzip.slotOf(file);
        if (slot.isPresent()) {
            return Optional.of(new StoredFile(file, slot.get(), Compression.GZIP));
        }
        return plain.slotOf(file).map(s -> new StoredFile(file, s, Compression.NONE));
    }
}
