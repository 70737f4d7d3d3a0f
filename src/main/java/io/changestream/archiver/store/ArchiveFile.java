package io.changestream.archiver.store;

/**
 * One archive file, named by its path relative to the store root ({@code [prefix/]<collection>/YYYY-MM-DD-HH.json}),
 * always with {@code /} separators. Built by {@link io.changestream.archiver.encode.ArchiveLayout}, which guarantees
 * the path cannot leave the store root.
 */
public record ArchiveFile(String path) implements Comparable<ArchiveFile> {
    public ArchiveFile {
        if (path == null || path.isEmpty() || path.startsWith("/") || path.contains("\\")
                || ("/" + path + "/").contains("/../") || ("/" + path + "/").contains("/./")) {
            throw new IllegalArgumentException("archive path must be relative, '/'-separated and without '.' or '..' "
                    + "segments: " + path);
        }
    }

    /** The last path segment, e.g. {@code 2026-11-22-01.json}. */
    public String fileName() {
        return path.substring(path.lastIndexOf('/') + 1);
    }

    @Override
    public int compareTo(ArchiveFile other) {
        return path.compareTo(other.path);
    }

    @Override
    public String toString() {
        return path;
    }
}
