package io.changestream.archiver.snapshot;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.store.ArchiveFile;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bson.BsonTimestamp;

/**
 * Where a snapshot's files go: {@code [prefix/]<collection>/snapshots/<id>/part-NNNNN.json[.gz]} and
 * {@code manifest.json}, beside the collection's hourly files (whose names never match these, so capture's
 * recovery and replay's catalog pass them by).
 *
 * <p>The id is the snapshot's start time T0 written so that ids sort by it: {@code 20261203T210823Z-0000000005}
 * (UTC second of T0, then its increment, ten digits). A pure function of T0, so a resumed snapshot names the same
 * folder.
 */
public final class SnapshotLayout {
    private static final DateTimeFormatter SECOND = DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'")
            .withZone(ZoneOffset.UTC);
    private static final Pattern ID = Pattern.compile("\\d{8}T\\d{6}Z-\\d{10}");

    private final ArchiveLayout archive;

    public SnapshotLayout(ArchiveLayout archive) {
        this.archive = archive;
    }

    public Compression compression() {
        return archive.compression();
    }

    public static String id(BsonTimestamp start) {
        return SECOND.format(Instant.ofEpochSecond(start.getTime() & 0xFFFF_FFFFL))
                + "-" + String.format("%010d", start.getInc() & 0xFFFF_FFFFL);
    }

    /** T0 of a snapshot id: the inverse of {@link #id}, for folders whose manifest is not (or no longer) there. */
    public static BsonTimestamp startOf(String id) {
        if (!isId(id)) {
            throw new IllegalArgumentException("not a snapshot id (like 20261203T210823Z-0000000005): " + id);
        }
        long seconds = SECOND.parse(id.substring(0, 16), Instant::from).getEpochSecond();
        return new BsonTimestamp((int) seconds, (int) Long.parseLong(id.substring(17)));
    }

    public static boolean isId(String text) {
        return ID.matcher(text).matches();
    }

    /** The folder holding every snapshot of the collection. */
    public String folder(String collection) {
        return archive.folder(collection) + "/snapshots";
    }

    public String folder(String collection, String id) {
        if (!isId(id)) {
            throw new IllegalArgumentException("not a snapshot id (like 20261203T210823Z-0000000005): " + id);
        }
        return folder(collection) + "/" + id;
    }

    /** Part {@code number} named in the configured compression: a new snapshot's (see the one below). */
    public ArchiveFile part(String collection, String id, int number) {
        return part(collection, id, number, archive.compression());
    }

    /**
     * Part {@code number} named in {@code compression}: a snapshot's parts are named in the compression it started
     * with (its recorded format), whatever the configured one is by the time it resumes.
     */
    public ArchiveFile part(String collection, String id, int number, Compression compression) {
        return new ArchiveFile(folder(collection, id) + "/" + partName(number, compression));
    }

    public static String partName(int number, Compression compression) {
        return String.format("part-%05d", number) + compression.suffix();
    }

    public ArchiveFile manifest(String collection, String id) {
        return new ArchiveFile(folder(collection, id) + "/manifest.json");
    }

    /** The id of a manifest file's snapshot, or empty when the file is not a manifest of this collection. */
    public Optional<String> manifestOf(String collection, ArchiveFile file) {
        String prefix = folder(collection) + "/";
        if (!file.path().startsWith(prefix) || !file.path().endsWith("/manifest.json")) {
            return Optional.empty();
        }
        String id = file.path().substring(prefix.length(), file.path().length() - "/manifest.json".length());
        return isId(id) ? Optional.of(id) : Optional.empty();
    }
}
