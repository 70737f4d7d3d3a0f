package io.changestream.archiver.checkpoint;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import java.util.Locale;
import java.util.Objects;

/**
 * How a snapshot's parts are written: compression (part names {@code part-NNNNN.json} or {@code .json.gz}, one gzip
 * member per part) and Extended JSON mode. Fixed when the snapshot begins and recorded with its progress, so a
 * resumed snapshot finishes in the format it started in, whatever {@code ARCHIVE_COMPRESSION} and the JSON mode say
 * by then; they apply from the next snapshot.
 */
public record SnapshotFormat(Compression compression, JsonMode jsonMode) {
    public SnapshotFormat {
        Objects.requireNonNull(compression, "compression");
        Objects.requireNonNull(jsonMode, "jsonMode");
    }

    /** As an operator writes it: {@code gzip/canonical}. */
    @Override
    public String toString() {
        return compression.name().toLowerCase(Locale.ROOT) + "/" + jsonMode.name().toLowerCase(Locale.ROOT);
    }
}
