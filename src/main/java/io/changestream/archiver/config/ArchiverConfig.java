package io.changestream.archiver.config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The whole configuration, loaded once by {@link ConfigLoader} and immutable afterwards.
 * Each part is a small record so a stage receives only what it needs.
 */
public record ArchiverConfig(
        Source source,
        Tracker tracker,
        Store store,
        Flush flush,
        HistoryLostPolicy historyLostPolicy,
        Ops ops,
        Snapshots snapshots) {

    public ArchiverConfig {
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(tracker, "tracker");
        Objects.requireNonNull(store, "store");
        Objects.requireNonNull(flush, "flush");
        Objects.requireNonNull(historyLostPolicy, "historyLostPolicy");
        Objects.requireNonNull(ops, "ops");
        Objects.requireNonNull(snapshots, "snapshots");
    }

    /** The watched cluster, database and collections, and the change stream options. */
    public record Source(Secret uri, String database, List<String> collections,
                         FullDocument fullDocument, FullDocumentBeforeChange fullDocumentBeforeChange) {
        public Source {
            collections = List.copyOf(collections);
            if (collections.isEmpty()) {
                throw new IllegalArgumentException("collections must not be empty");
            }
        }
    }

    /** The change streams' {@code fullDocument} option; {@link #DEFAULT} is not sent to the server. */
    public enum FullDocument {
        DEFAULT("default"), UPDATE_LOOKUP("updateLookup"), WHEN_AVAILABLE("whenAvailable"), REQUIRED("required");

        private final String text;

        FullDocument(String text) {
            this.text = text;
        }

        /** The value as written in {@code MONGODB_FULL_DOCUMENT} and as the server names it. */
        public String text() {
            return text;
        }
    }

    /** The change streams' {@code fullDocumentBeforeChange} option (pre-images); {@link #OFF} is not sent. */
    public enum FullDocumentBeforeChange {
        OFF("off"), WHEN_AVAILABLE("whenAvailable"), REQUIRED("required");

        private final String text;

        FullDocumentBeforeChange(String text) {
            this.text = text;
        }

        /** The value as written in {@code MONGODB_FULL_DOCUMENT_BEFORE_CHANGE}, the server's name for it. */
        public String text() {
            return text;
        }
    }

    /** Where checkpoints, the flush log and gaps live. {@code external} is false when it is the source cluster. */
    public record Tracker(Secret uri, String database, String collection, boolean external) {
    }

    public enum StoreKind { LOCAL, ADLS }

    public enum Compression {
        NONE(".json"), GZIP(".json.gz");

        private final String suffix;

        Compression(String suffix) {
            this.suffix = suffix;
        }

        /** File name suffix of the archive files: {@code .json} or {@code .json.gz}. */
        public String suffix() {
            return suffix;
        }
    }

    public enum JsonMode { CANONICAL, RELAXED }

    /** Where archive files go and how their bytes look. */
    public record Store(StoreKind kind, Path localDir, String prefix, Optional<Azure> azure,
                        Compression compression, JsonMode jsonMode, int retryAttempts, Duration retryDelay) {
    }

    /** ADLS Gen2 account, credentials and file system. Key and SAS are mutually exclusive. */
    public record Azure(String accountName, Optional<Secret> accountKey, Optional<Secret> sasToken,
                        String endpoint, String fileSystem) {
    }

    /** When buffers are flushed, and how much memory they may hold. */
    public record Flush(String quartzCron, String scheduleAsGiven, int maxEvents, long maxBytes,
                        long bufferMaxBytes) {
    }

    public enum HistoryLostPolicy {
        FAIL("fail"), RESUME_FROM_NOW("resume-from-now");

        private final String text;

        HistoryLostPolicy(String text) {
            this.text = text;
        }

        public String text() {
            return text;
        }
    }

    /** The admin endpoint, logging and identity of this process. */
    public record Ops(int httpPort, Optional<Secret> adminToken, Duration shutdownTimeout,
                      LogLevel logLevel, LogFormat logFormat, String instanceId) {
    }

    /** {@code LOG_LEVEL}: the level of the archiver's own loggers; the variable is read in any case. */
    public enum LogLevel {
        TRACE, DEBUG, INFO, WARN, ERROR;

        /** Lower case, as documented and as the default is written. */
        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** {@code LOG_FORMAT}: one Logstash JSON object per line, or one readable line. */
    public enum LogFormat {
        JSON, TEXT;

        public String text() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** When collections are snapshotted, and how big and fast. */
    public record Snapshots(SnapshotMode mode, Optional<String> quartzCron, String scheduleAsGiven, long partBytes,
                            long maxMegabytesPerSecond) {
    }

    public enum SnapshotMode { INITIAL, NEVER }
}
