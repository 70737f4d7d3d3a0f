package io.changestream.archiver.snapshot;

import io.changestream.archiver.checkpoint.SnapshotFormat;
import io.changestream.archiver.checkpoint.SnapshotPart;
import io.changestream.archiver.checkpoint.SnapshotProgress;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.encode.ArchiveLines;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import io.changestream.archiver.encode.ExtendedJsonEncoder;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.encode.Utf8Sink;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.StoreConflictException;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.bson.RawBsonDocument;

/**
 * The format of a running snapshot whose tracker record predates the format field, read from what the store holds
 * rather than taken from today's settings (which may have changed since the snapshot began: the very case the field
 * exists for). Used once per such snapshot; the writer records the answer.
 *
 * <ul>
 *   <li><b>Compression</b>, from the part files' names. With parts recorded, part 0 must exist under exactly one
 *       suffix, and every recorded part under that suffix with its recorded length and under no other: anything else
 *       (both, neither, a part missing, a part under the other suffix) is a snapshot this protocol cannot have left,
 *       and a {@link StoreConflictException} names the files. With no part recorded, an unrecorded part 0 (written
 *       before a crash) decides: under one suffix, that one; under both, a conflict; under none, nothing was written
 *       and the configured compression is as true as any.</li>
 *   <li><b>JSON mode</b>, from the lines: a line is written in a mode when decoding it and encoding it again in that
 *       mode gives back its exact bytes. The parts read above are read in order until one mode is left; a line that
 *       no mode reproduces is a conflict naming it. When both modes reproduce every line (documents whose every
 *       value is spelled alike in both, such as strings and ObjectIds), the configured mode is taken: every line
 *       written so far is then byte-identical to what it writes, so the snapshot is uniform either way.</li>
 * </ul>
 */
final class FormatInference {
    private static final ExtendedJsonDecoder DECODER = new ExtendedJsonDecoder();

    private FormatInference() {
    }

    static SnapshotFormat infer(SnapshotProgress p, ArchiveStore store, SnapshotLayout layout,
                                SnapshotFormat configured, Map<JsonMode, ExtendedJsonEncoder> encoders) {
        Compression compression = compression(p, store, layout, configured.compression());
        Set<JsonMode> modes = EnumSet.allOf(JsonMode.class);
        int toRead = Math.max(1, p.parts().size()); // the recorded parts, or the unrecorded part 0
        for (int n = 0; n < toRead && modes.size() > 1; n++) {
            ArchiveFile file = layout.part(p.collection(), p.id(), n, compression);
            byte[] data = SnapshotWriter.readAll(store, file);
            if (n < p.parts().size()) {
                SnapshotPart recorded = p.parts().get(n);
                if (!SegmentEncoder.sha256Hex(data, 0, data.length).equals(recorded.sha256())) {
                    throw new StoreConflictException(file + " is not the part the tracker recorded for snapshot "
                            + p.id() + " of " + p.collection() + " (SHA-256 differs)", data.length, null);
                }
            }
            narrow(modes, file, data, compression, encoders);
        }
        JsonMode mode = modes.contains(configured.jsonMode()) ? configured.jsonMode() : modes.iterator().next();
        return new SnapshotFormat(compression, mode);
    }

    private static Compression compression(SnapshotProgress p, ArchiveStore store, SnapshotLayout layout,
                                           Compression configured) {
        ArchiveFile plain = layout.part(p.collection(), p.id(), 0, Compression.NONE);
        ArchiveFile gzip = layout.part(p.collection(), p.id(), 0, Compression.GZIP);
        long plainLength = store.length(plain);
        long gzipLength = store.length(gzip);
        String what = "snapshot " + p.id() + " of " + p.collection() + " (its tracker record predates the recorded "
                + "format, so the parts in the store tell its compression)";
        if (plainLength > 0 && gzipLength > 0) {
            throw new StoreConflictException(what + ": both " + plain + " (" + plainLength + " bytes) and " + gzip
                    + " (" + gzipLength + " bytes) exist; one was not written by this snapshot", gzipLength, null);
        }
        if (plainLength == 0 && gzipLength == 0) {
            if (p.parts().isEmpty()) {
                return configured; // nothing written yet
            }
            throw new StoreConflictException(what + ": " + p.parts().size() + " parts are recorded, but neither "
                    + plain + " nor " + gzip + " exists", 0, null);
        }
        Compression found = plainLength > 0 ? Compression.NONE : Compression.GZIP;
        Compression other = found == Compression.NONE ? Compression.GZIP : Compression.NONE;
        for (SnapshotPart part : p.parts()) {
            ArchiveFile file = layout.part(p.collection(), p.id(), part.number(), found);
            ArchiveFile stray = layout.part(p.collection(), p.id(), part.number(), other);
            long length = store.length(file);
            if (length != part.bytes()) {
                throw new StoreConflictException(what + ": part 0 is " + layout.part(p.collection(), p.id(), 0, found)
                        .fileName() + ", but " + file + " holds " + length + " bytes where " + part.bytes()
                        + " are recorded", length, null);
            }
            if (store.length(stray) > 0) {
                throw new StoreConflictException(what + ": both " + file + " and " + stray + " exist; one was not "
                        + "written by this snapshot", store.length(stray), null);
            }
        }
        return found;
    }

    /** Removes from {@code modes} every mode that does not reproduce each complete line of {@code data}. */
    private static void narrow(Set<JsonMode> modes, ArchiveFile file, byte[] data, Compression compression,
                               Map<JsonMode, ExtendedJsonEncoder> encoders) {
        Utf8Sink sink = new Utf8Sink();
        long number = 0;
        for (ArchiveLines.Unit unit : ArchiveLines.split(data, compression).units()) {
            for (byte[] line : unit.lines()) {
                number++;
                RawBsonDocument doc;
                try {
                    doc = DECODER.decodeLine(line, 0, line.length);
                } catch (RuntimeException e) {
                    throw new StoreConflictException(file + " line " + number + " is not a document: "
                            + e.getMessage(), data.length, null);
                }
                modes.removeIf(mode -> {
                    sink.reset();
                    encoders.get(mode).encodeLine(doc, sink);
                    return sink.size() != line.length + 1
                            || !Arrays.equals(sink.array(), 0, line.length, line, 0, line.length);
                });
                if (modes.isEmpty()) {
                    throw new StoreConflictException(file + " line " + number + " is written in neither canonical "
                            + "nor relaxed Extended JSON as this archiver writes them", data.length, null);
                }
                if (modes.size() == 1) {
                    return;
                }
            }
        }
    }
}
