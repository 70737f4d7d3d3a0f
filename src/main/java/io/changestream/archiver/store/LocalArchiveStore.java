package io.changestream.archiver.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The archive store on a local (or mounted) file system: {@code <root>/<archive path>}.
 *
 * <p>Durability: {@link #append} writes at the explicit position with a {@link FileChannel} and returns only after
 * {@code force(true)}. When it created the file (or folders), it also fsyncs each parent directory, because on
 * POSIX file systems a new directory entry is durable only once its directory is synced; without that, a power
 * loss could lose a file whose bytes the tracker already counts as archived.
 *
 * <p>Torn tails: a crash in the middle of a write can leave a partial last line. {@link #length} reports the bytes
 * on disk, torn tail included; the writer's recovery reads beyond its checkpoint and cuts a torn tail with
 * {@link #truncate}.
 *
 * <p>Containment: every archive path is resolved under the root and checked to stay inside it, as a second line
 * of defence behind {@link ArchiveFile}'s validation.
 *
 * <p>Every {@link IOException} becomes a {@link StoreUnavailableException} naming the file.
 */
public final class LocalArchiveStore implements ArchiveStore {
    private final Path root;

    public LocalArchiveStore(Path root) {
        this.root = root.toAbsolutePath().normalize();
    }

    @Override
    public long length(ArchiveFile file) {
        try {
            return Files.size(resolve(file.path()));
        } catch (NoSuchFileException e) {
            return 0;
        } catch (IOException e) {
            throw unavailable("read the length of", file, e);
        }
    }

    @Override
    public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        Path target = resolve(file.path());
        try {
            boolean created = false;
            if (position == 0 && !Files.exists(target)) {
                createDirectoriesDurably(target.getParent());
                created = createFileIfAbsent(target);
            }
            try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
                long size = channel.size();
                if (size != position) {
                    throw new StoreConflictException("cannot append to " + file + " at " + position
                            + ": its length is " + size, size, null);
                }
                ByteBuffer buffer = ByteBuffer.wrap(data, offset, length);
                long at = position;
                while (buffer.hasRemaining()) {
                    at += channel.write(buffer, at);
                }
                channel.force(true);
            }
            if (created) {
                fsyncDirectory(target.getParent());
            }
            return position + length;
        } catch (NoSuchFileException e) {
            throw new StoreConflictException("cannot append to " + file + " at " + position
                    + ": the file does not exist", 0, null);
        } catch (IOException e) {
            throw unavailable("append to", file, e);
        }
    }

    @Override
    public InputStream read(ArchiveFile file, long position) {
        Path source = resolve(file.path());
        try {
            FileChannel channel = FileChannel.open(source, StandardOpenOption.READ);
            long size = channel.size();
            if (position > size) {
                channel.close();
                throw new StoreConflictException("cannot read " + file + " from " + position + ": its length is "
                        + size, size, null);
            }
            return Channels.newInputStream(channel.position(position));
        } catch (NoSuchFileException e) {
            if (position > 0) {
                throw new StoreConflictException("cannot read " + file + " from " + position
                        + ": the file does not exist", 0, null);
            }
            return InputStream.nullInputStream();
        } catch (IOException e) {
            throw unavailable("read", file, e);
        }
    }

    @Override
    public List<ArchiveFile> list(String folder) {
        Path start = folder.isEmpty() ? root : resolve(folder);
        if (!Files.isDirectory(start)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(start)) {
            return walk.filter(Files::isRegularFile)
                    .map(path -> new ArchiveFile(root.relativize(path).toString().replace('\\', '/')))
                    .sorted()
                    .toList();
        } catch (IOException | UncheckedIOException e) {
            throw new StoreUnavailableException("cannot list " + start + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void truncate(ArchiveFile file, long length) {
        Path target = resolve(file.path());
        try (FileChannel channel = FileChannel.open(target, StandardOpenOption.WRITE)) {
            long size = channel.size();
            if (length > size) {
                throw new StoreConflictException("cannot truncate " + file + " to " + length + ": its length is only "
                        + size, size, null);
            }
            channel.truncate(length);
            channel.force(true);
        } catch (NoSuchFileException e) {
            if (length != 0) {
                throw new StoreConflictException("cannot truncate " + file + " to " + length
                        + ": the file does not exist", 0, null);
            }
        } catch (IOException e) {
            throw unavailable("truncate", file, e);
        }
    }

    /** Deletes the file and fsyncs its directory, so the removal survives a power loss like a creation does. */
    @Override
    public boolean delete(ArchiveFile file) {
        Path target = resolve(file.path());
        try {
            boolean deleted = Files.deleteIfExists(target);
            if (deleted) {
                fsyncDirectory(target.getParent());
            }
            return deleted;
        } catch (IOException e) {
            throw unavailable("delete", file, e);
        }
    }

    @Override
    public String describe() {
        return "local folder " + root;
    }

    @Override
    public void close() {
        // Nothing is held open between calls.
    }

    private Path resolve(String relative) {
        Path resolved = root.resolve(relative).normalize();
        if (!resolved.startsWith(root) || resolved.equals(root)) {
            throw new IllegalArgumentException("archive path " + relative + " resolves outside the store root "
                    + root);
        }
        return resolved;
    }

    /** Creates the missing folders top-down, syncing each new entry's parent so the new folder survives a crash. */
    private static void createDirectoriesDurably(Path directory) throws IOException {
        Deque<Path> missing = new ArrayDeque<>();
        for (Path p = directory; p != null && !Files.isDirectory(p); p = p.getParent()) {
            missing.push(p);
        }
        while (!missing.isEmpty()) {
            Path next = missing.pop();
            try {
                Files.createDirectory(next);
            } catch (FileAlreadyExistsException raced) {
                continue;
            }
            fsyncDirectory(next.getParent());
        }
    }

    private static boolean createFileIfAbsent(Path file) throws IOException {
        try {
            Files.createFile(file);
            return true;
        } catch (FileAlreadyExistsException raced) {
            return false;
        }
    }

    private static void fsyncDirectory(Path directory) throws IOException {
        try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
            channel.force(true);
        }
    }

    private static StoreUnavailableException unavailable(String action, ArchiveFile file, IOException e) {
        return new StoreUnavailableException("cannot " + action + " " + file + ": " + e, e);
    }
}
