package io.changestream.archiver.store.adls;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The whole state of the test account: file systems, each a sorted map of paths. Every operation is atomic
 * (one lock); parent directories of a new file appear implicitly, as with a hierarchical namespace.
 *
 * <p>Besides the protocol operations, tests use {@link #content}, {@link #snapshot}, {@link #foreignCommit}
 * (another writer appending and committing to a file, which moves its ETag), {@link #deleteFileSystem} and
 * {@link #deleteFolder} directly.
 */
public final class DfsFileSystems {
    private final Map<String, TreeMap<String, DfsPath>> fileSystems = new HashMap<>();
    private final Map<String, Instant> fileSystemCreated = new HashMap<>();
    private final Clock clock = Clock.systemUTC();
    private long etagCounter = 0x1D0C0FFEE00L;

    public synchronized void createFileSystem(String name) {
        if (fileSystems.containsKey(name)) {
            throw new DfsError(409, DfsError.CONTAINER_ALREADY_EXISTS, "The specified container already exists.");
        }
        fileSystems.put(name, new TreeMap<>());
        fileSystemCreated.put(name, clock.instant());
    }

    synchronized Instant fileSystemCreated(String name, boolean blobStyle) {
        fileSystem(name, blobStyle);
        return fileSystemCreated.get(name);
    }

    public synchronized boolean fileSystemExists(String name) {
        return fileSystems.containsKey(name);
    }

    /** Deletes a file system with everything in it, as an operator (or a mistyped script) would. */
    public synchronized void deleteFileSystem(String name) {
        fileSystems.remove(name);
        fileSystemCreated.remove(name);
    }

    /** Deletes a directory and everything below it ({@code folder} without trailing slash). */
    public synchronized void deleteFolder(String fs, String folder) {
        fileSystem(fs, false).keySet().removeIf(p -> p.equals(folder) || p.startsWith(folder + "/"));
    }

    /**
     * Deletes a path as {@code DELETE} on the DFS endpoint does: a file, or a directory when it is empty or
     * {@code recursive}; a missing path is 404 PathNotFound, a non-empty directory without {@code recursive} 409.
     */
    synchronized void delete(String fs, String path, boolean recursive) {
        TreeMap<String, DfsPath> paths = fileSystem(fs, false);
        DfsPath existing = paths.get(path);
        if (existing == null) {
            throw DfsError.pathNotFound(false);
        }
        boolean hasChildren = paths.keySet().stream().anyMatch(p -> p.startsWith(path + "/"));
        if (existing.directory && hasChildren && !recursive) {
            throw new DfsError(409, "DirectoryNotEmpty", "The recursive query parameter value must be true to delete "
                    + "a non-empty directory.");
        }
        paths.keySet().removeIf(p -> p.equals(path) || p.startsWith(path + "/"));
    }

    /**
     * Creates a file. {@code ifNoneMatch "*"} refuses an existing path; without conditions an existing file is
     * replaced by an empty one, as the service does (the overwrite our store must never ask for).
     */
    synchronized DfsPath.Snapshot createFile(String fs, String path, String ifNoneMatch, String ifMatch) {
        TreeMap<String, DfsPath> paths = fileSystem(fs, false);
        DfsPath existing = paths.get(path);
        if (existing != null && "*".equals(ifNoneMatch)) {
            throw new DfsError(409, DfsError.PATH_ALREADY_EXISTS, "The specified path already exists.");
        }
        if (ifMatch != null && (existing == null || !sameEtag(ifMatch, existing.etag()))) {
            throw DfsError.conditionNotMet();
        }
        if (existing != null && existing.directory) {
            throw new DfsError(409, "PathConflict", "The specified path, or an element of the path, exists and its "
                    + "resource type is invalid for this operation.");
        }
        createParents(paths, path);
        if (existing != null) {
            existing.reset(nextEtag(), clock.instant());
            return existing.snapshot();
        }
        DfsPath file = new DfsPath(false, nextEtag(), clock.instant());
        paths.put(path, file);
        return file.snapshot();
    }

    synchronized void append(String fs, String path, long position, byte[] data) {
        file(fs, path, false).stage(position, data);
    }

    synchronized DfsPath.Snapshot flush(String fs, String path, long position, boolean retainUncommitted,
                                        String ifMatch, String ifNoneMatch) {
        DfsPath file = file(fs, path, false);
        if ((ifMatch != null && !sameEtag(ifMatch, file.etag())) || "*".equals(ifNoneMatch)) {
            throw DfsError.conditionNotMet();
        }
        file.commit(position, retainUncommitted, nextEtag(), clock.instant());
        return file.snapshot();
    }

    synchronized DfsPath.Snapshot properties(String fs, String path, boolean blobStyle) {
        return path(fs, path, blobStyle).snapshot();
    }

    synchronized byte[] read(String fs, String path, boolean blobStyle) {
        return path(fs, path, blobStyle).content();
    }

    /** Paths below {@code directory} (all of them when empty), sorted by name, directories included. */
    synchronized List<Map.Entry<String, DfsPath.Snapshot>> list(String fs, String directory, boolean recursive) {
        TreeMap<String, DfsPath> paths = fileSystem(fs, false);
        String prefix = directory.isEmpty() ? "" : directory + "/";
        if (!directory.isEmpty() && !paths.containsKey(directory)) {
            throw DfsError.pathNotFound(false);
        }
        List<Map.Entry<String, DfsPath.Snapshot>> entries = new ArrayList<>();
        paths.tailMap(prefix, true).forEach((name, entry) -> {
            boolean inside = name.startsWith(prefix) && name.length() > prefix.length();
            if (inside && (recursive || name.indexOf('/', prefix.length()) < 0)) {
                entries.add(Map.entry(name, entry.snapshot()));
            }
        });
        return entries;
    }

    /** The committed bytes of a file, or empty when it does not exist. */
    public synchronized Optional<byte[]> content(String fs, String path) {
        TreeMap<String, DfsPath> paths = fileSystems.get(fs);
        DfsPath file = paths == null ? null : paths.get(path);
        return file == null || file.directory ? Optional.empty() : Optional.of(file.content());
    }

    public synchronized Optional<DfsPath.Snapshot> snapshot(String fs, String path) {
        TreeMap<String, DfsPath> paths = fileSystems.get(fs);
        return Optional.ofNullable(paths == null ? null : paths.get(path)).map(DfsPath::snapshot);
    }

    /** Another writer appends {@code data} and commits it, creating the file (and file system) when missing. */
    public synchronized void foreignCommit(String fs, String path, byte[] data) {
        fileSystems.computeIfAbsent(fs, name -> new TreeMap<>());
        fileSystemCreated.putIfAbsent(fs, clock.instant());
        if (fileSystems.get(fs).get(path) == null) {
            createFile(fs, path, "*", null);
        }
        DfsPath file = file(fs, path, false);
        file.stage(file.length(), data);
        file.commit(file.length() + data.length, false, nextEtag(), clock.instant());
    }

    private void createParents(TreeMap<String, DfsPath> paths, String path) {
        for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
            String parent = path.substring(0, slash);
            DfsPath existing = paths.get(parent);
            if (existing != null && !existing.directory) {
                throw new DfsError(409, "PathConflict", "An element of the path is a file: " + parent);
            }
            paths.putIfAbsent(parent, new DfsPath(true, nextEtag(), clock.instant()));
        }
    }

    private TreeMap<String, DfsPath> fileSystem(String name, boolean blobStyle) {
        TreeMap<String, DfsPath> paths = fileSystems.get(name);
        if (paths == null) {
            throw DfsError.fileSystemNotFound(blobStyle);
        }
        return paths;
    }

    private DfsPath path(String fs, String path, boolean blobStyle) {
        DfsPath entry = fileSystem(fs, blobStyle).get(path);
        if (entry == null) {
            throw DfsError.pathNotFound(blobStyle);
        }
        return entry;
    }

    private DfsPath file(String fs, String path, boolean blobStyle) {
        DfsPath entry = path(fs, path, blobStyle);
        if (entry.directory) {
            throw new DfsError(409, "PathConflict", "The path is a directory: " + path);
        }
        return entry;
    }

    private String nextEtag() {
        return "\"0x" + Long.toHexString(++etagCounter).toUpperCase() + "\"";
    }

    /** ETags compare as opaque strings; clients may or may not keep the quotes. */
    private static boolean sameEtag(String condition, String etag) {
        return "*".equals(condition) || condition.replace("\"", "").equals(etag.replace("\"", ""));
    }
}
