package io.changestream.archiver.replay;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.store.ArchiveFile;
import java.util.Comparator;
import java.util.Objects;

/**
 * One hourly file of a collection's archive as found in the store: its path, its hour (from its name) and how its
 * bytes are stored (from its suffix). Files order by hour; within an hour a plain file sorts before a gzip one.
 */
public record StoredFile(ArchiveFile file, HourSlot slot, Compression compression) implements Comparable<StoredFile> {
    private static final Comparator<StoredFile> ORDER = Comparator.comparing(StoredFile::slot)
            .thenComparing(StoredFile::compression).thenComparing(StoredFile::file);

    public StoredFile {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(slot, "slot");
        Objects.requireNonNull(compression, "compression");
    }

    public String path() {
        return file.path();
    }

    @Override
    public int compareTo(StoredFile other) {
        return ORDER.compare(this, other);
    }

    @Override
    public String toString() {
        return file.path();
    }
}
