package io.changestream.archiver.replay.verify;

import io.changestream.archiver.checkpoint.CheckpointStore;
import io.changestream.archiver.checkpoint.Gap;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.checkpoint.SnapshotProgressStore;
import io.changestream.archiver.replay.ReplayWindow;
import io.changestream.archiver.replay.SnapshotCatalog;
import io.changestream.archiver.replay.StoredLineReader;
import io.changestream.archiver.snapshot.SnapshotLayout;
import io.changestream.archiver.snapshot.SnapshotManifest;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.bson.Document;

/**
 * {@code verify}'s check of snapshots: every complete snapshot's manifest names its own collection and id, and each
 * part it lists is in the store with the listed length, SHA-256 and number of lines. A snapshot folder without a
 * manifest is reported as incomplete (running, or interrupted and waiting to resume): not a problem, never used by
 * {@code replay}. One the tracker has no record of (the tracker was reset, or the folder copied in) is named in a
 * note, not a problem: a snapshot is resumed only from its record, so nothing will ever finish it, and it is no
 * restore point; {@code prune} keeps it without letting it hold history back, and an operator removes it by hand.
 * It is never a snapshot being begun: the record is written before the first file
 * ({@code snapshot/SnapshotWriter#begin}), and the records are read after the folders are listed. A history gap
 * recorded after the oldest complete snapshot's start is reported: restores across it miss the lost changes.
 */
public final class SnapshotVerifier {
    private final SnapshotCatalog catalog;
    private final ArchiveStore store;
    private final Optional<CheckpointStore> tracker;
    private final Optional<SnapshotProgressStore> records;

    /**
     * @param tracker its gaps are checked against the oldest complete snapshot; none, none checked
     * @param records the tracker's snapshot records; with none, incomplete folders are not told apart
     */
    public SnapshotVerifier(SnapshotCatalog catalog, ArchiveStore store, Optional<CheckpointStore> tracker,
                            Optional<SnapshotProgressStore> records) {
        this.catalog = catalog;
        this.store = store;
        this.tracker = tracker;
        this.records = records;
    }

    /** What an incomplete snapshot folder the tracker has no record of is: said alike by verify, prune, snapshots. */
    public static String unrecorded(String id) {
        return "snapshot " + id + ": incomplete and the tracker has no record of it, so nothing will resume it and "
                + "no restore uses it";
    }

    /** {@link #unrecorded(String)}, what prune does with it and what to do: the note of verify and snapshots. */
    public static String unrecordedNote(SnapshotLayout layout, String collection, String id) {
        return unrecorded(id) + "; prune keeps it without letting it hold history back; remove the folder "
                + layout.folder(collection, id) + " by hand once you know where it came from";
    }

    /**
     * The incomplete folders among {@code folders} (listed first) that {@code recorded} (read after the listing)
     * has no record of, in id order.
     */
    public static List<String> unrecorded(List<SnapshotCatalog.Listed> folders, List<SnapshotProgress> recorded) {
        Set<String> ids = recorded.stream().map(SnapshotProgress::id).collect(Collectors.toSet());
        return folders.stream().filter(l -> l.manifest().isEmpty() && !ids.contains(l.id()))
                .map(SnapshotCatalog.Listed::id).toList();
    }

    /** One collection's snapshots: complete ids, incomplete ids, problems (failures) and notes (not failures). */
    public record Verdict(String collection, List<String> complete, List<String> incomplete, List<String> problems,
                          List<String> notes) {
    }

    public List<Verdict> verify(List<String> collections) {
        List<Verdict> out = new ArrayList<>();
        for (String c : collections) {
            List<String> complete = new ArrayList<>();
            List<String> incomplete = new ArrayList<>();
            List<String> problems = new ArrayList<>();
            List<String> notes = new ArrayList<>();
            List<SnapshotCatalog.Listed> folders = catalog.list(c);
            for (SnapshotCatalog.Listed listed : folders) {
                if (listed.manifest().isEmpty()) {
                    incomplete.add(listed.id());
                    continue;
                }
                SnapshotManifest m = listed.manifest().get();
                complete.add(listed.id());
                if (!m.collection().equals(c) || !m.id().equals(listed.id())) {
                    problems.add(catalog.layout().manifest(c, listed.id()) + ": names snapshot " + m.id() + " of "
                            + m.collection());
                }
                for (SnapshotManifest.Part part : m.parts()) {
                    check(catalog.part(m, part), part, m, problems);
                }
            }
            if (records.isPresent() && !incomplete.isEmpty()) {
                unrecorded(folders, records.get().snapshots(c)).forEach(id -> notes.add(
                        unrecordedNote(catalog.layout(), c, id)));
            }
            Optional<SnapshotManifest> oldest = catalog.complete(c).stream().findFirst();
            if (oldest.isPresent() && tracker.isPresent()) {
                for (Gap gap : tracker.get().gaps(c)) {
                    if (gap.lastClusterTime().map(t -> t.compareTo(oldest.get().start()) >= 0).orElse(true)) {
                        notes.add("history gap detected at " + gap.detectedAt() + " after snapshot " + oldest.get().id()
                                + " started (" + ReplayWindow.describe(oldest.get().start()) + "): restores to later "
                                + "times need a snapshot taken after the gap");
                    }
                }
            }
            out.add(new Verdict(c, complete, incomplete, problems, notes));
        }
        return out;
    }

    private void check(ArchiveFile file, SnapshotManifest.Part part, SnapshotManifest m, List<String> problems) {
        long length = store.length(file);
        if (length == 0) {
            problems.add(file + ": missing (snapshot " + m.id() + " lists it with " + part.bytes() + " bytes)");
            return;
        }
        if (length != part.bytes()) {
            problems.add(file + ": " + length + " bytes, the manifest says " + part.bytes());
        }
        MessageDigest sha;
        try {
            sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM has no SHA-256", e);
        }
        long lines = 0;
        try (InputStream raw = store.read(file, 0);
             StoredLineReader reader = new StoredLineReader(new DigestInputStream(raw, sha), m.compression())) {
            while (reader.next() != null) {
                lines++;
            }
            if (reader.tornTailBytes() > 0) {
                problems.add(file + ": " + reader.tornTailBytes() + " bytes after the last complete line");
            }
        } catch (java.util.zip.ZipException e) {
            problems.add(file + ": damaged gzip data after " + lines + " lines (" + e.getMessage() + ")");
            return;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        String digest = HexFormat.of().formatHex(sha.digest());
        if (!digest.equals(part.sha256())) {
            problems.add(file + ": SHA-256 " + digest + ", the manifest says " + part.sha256());
        }
        if (lines != part.documents()) {
            problems.add(file + ": " + lines + " documents, the manifest says " + part.documents());
        }
    }

    /**
     * The snapshot section of verify's JSON: per collection {@code collection}, {@code consistent}, {@code complete}
     * (ids, oldest first), {@code newest} (or null), {@code incomplete}, {@code problems} and {@code notes}.
     */
    public static List<Document> toDocuments(List<Verdict> verdicts) {
        return verdicts.stream().map(v -> new Document("collection", v.collection())
                .append("consistent", v.problems().isEmpty()).append("complete", v.complete())
                .append("newest", v.complete().isEmpty() ? null : v.complete().get(v.complete().size() - 1))
                .append("incomplete", v.incomplete()).append("problems", v.problems()).append("notes", v.notes()))
                .toList();
    }

    /** The snapshot section of verify's text output. */
    public static String toText(List<Verdict> verdicts) {
        StringBuilder out = new StringBuilder("snapshots:\n");
        for (Verdict v : verdicts) {
            out.append("  ").append(v.collection()).append(": ").append(v.complete().size()).append(" complete")
                    .append(v.complete().isEmpty() ? "" : " (newest " + v.complete().get(v.complete().size() - 1) + ")")
                    .append(v.incomplete().isEmpty() ? "" : ", incomplete (running or interrupted, not used): "
                            + String.join(", ", v.incomplete()))
                    .append(v.problems().isEmpty() ? ", consistent" : ", " + v.problems().size() + " problems")
                    .append('\n');
            v.problems().forEach(p -> out.append("    problem: ").append(p).append('\n'));
            v.notes().forEach(n -> out.append("    note: ").append(n).append('\n'));
        }
        return out.toString();
    }
}
