package io.changestream.archiver.encode;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.store.ArchiveFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Where an event's bytes go: {@code [prefix/]<collection>/YYYY-MM-DD-HH.json[.gz]}. A pure function of the
 * collection name and the event's hour, so a re-run always names the same file.
 *
 * <p>Collection names are made path-safe: every byte of the UTF-8 name outside {@code A-Z a-z 0-9 . _ -} is
 * percent-encoded ({@code %2F} for {@code /}), and a name made only of dots is encoded whole ({@code ..} →
 * {@code %2E%2E}), so no name can leave its folder. {@link #decodeCollection} inverts it exactly.
 */
public final class ArchiveLayout {
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private final String prefix;
    private final Compression compression;

    /** {@code prefix} may be empty; otherwise its segments follow the same rules as archive paths. */
    public ArchiveLayout(String prefix, Compression compression) {
        String trimmed = prefix == null ? "" : prefix.replaceAll("^/+|/+$", "");
        if (!trimmed.isEmpty()) {
            new ArchiveFile(trimmed); // validates: relative, no '.' or '..' segments
        }
        this.prefix = trimmed;
        this.compression = compression;
    }

    public Compression compression() {
        return compression;
    }

    /** The folder of a collection's files, relative to the store root. */
    public String folder(String collection) {
        String safe = encodeCollection(collection);
        return prefix.isEmpty() ? safe : prefix + "/" + safe;
    }

    public ArchiveFile file(String collection, HourSlot slot) {
        return new ArchiveFile(folder(collection) + "/" + slot.name() + compression.suffix());
    }

    /** The hour of a file of this layout, or empty for a file that is not an archive file (wrong suffix, name). */
    public Optional<HourSlot> slotOf(ArchiveFile file) {
        String name = file.fileName();
        if (!name.endsWith(compression.suffix())) {
            return Optional.empty();
        }
        return HourSlot.parse(name.substring(0, name.length() - compression.suffix().length()));
    }

    /**
     * The hour of an archive file named with either suffix: the checkpoint may name a file written before
     * {@code ARCHIVE_COMPRESSION} changed.
     */
    public static Optional<HourSlot> slotOfAnySuffix(ArchiveFile file) {
        String name = file.fileName();
        for (Compression c : Compression.values()) {
            if (name.endsWith(c.suffix())) {
                return HourSlot.parse(name.substring(0, name.length() - c.suffix().length()));
            }
        }
        return Optional.empty();
    }

    public static String encodeCollection(String collection) {
        if (collection == null || collection.isEmpty()) {
            throw new IllegalArgumentException("collection name must not be empty");
        }
        boolean onlyDots = collection.chars().allMatch(c -> c == '.');
        StringBuilder out = new StringBuilder(collection.length() + 8);
        for (byte b : collection.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xFF;
            boolean safe = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
                    || c == '_' || c == '-' || (c == '.' && !onlyDots);
            if (safe) {
                out.append((char) c);
            } else {
                out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xF]);
            }
        }
        return out.toString();
    }

    public static String decodeCollection(String folderName) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(folderName.length());
        for (int i = 0; i < folderName.length(); i++) {
            char c = folderName.charAt(i);
            if (c == '%' && i + 2 < folderName.length()) {
                bytes.write(Integer.parseInt(folderName.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.write(c);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
