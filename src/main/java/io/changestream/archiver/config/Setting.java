package io.changestream.archiver.config;

import java.util.Arrays;
import java.util.Optional;

/**
 * Every environment variable the service reads, with its predecessor alias, default and meaning.
 *
 * <p>This enum is the single definition of the configuration surface: {@link ConfigLoader} reads through it,
 * and {@code docs/configuration.md} is checked against it by a test, so the documentation cannot drift from
 * the code. A {@code null} default means "no default" (required, or optional with behaviour described in the
 * meaning). Secret settings are never printed, not even in error messages. A numeric setting carries its allowed
 * {@link Range} here, next to its default, so the limits have one definition too.
 */
public enum Setting {
    MONGODB_URI(null, null, true,
            "Source cluster connection string (replica set or sharded cluster). Required."),
    MONGODB_DATABASE(null, null, false, "Database to watch. Required."),
    MONGODB_COLLECTIONS(null, null, false, "Comma-separated collection names to watch. Required."),
    MONGODB_FULL_DOCUMENT(null, "updateLookup", false,
            "fullDocument option of the change streams: default, updateLookup, whenAvailable, required."),
    MONGODB_FULL_DOCUMENT_BEFORE_CHANGE(null, "off", false,
            "fullDocumentBeforeChange option (pre-images, MongoDB 6.0+): off, whenAvailable, required."),
    TRACKER_URI("MIGRATIONS_DB_URI", null, true,
            "Tracker cluster. Unset: internal mode, the tracker lives in the source cluster. Set: external mode."),
    TRACKER_DATABASE(null, null, false, "Database of the tracker collection. Default: MONGODB_DATABASE."),
    TRACKER_COLLECTION(null, "changestream_tracker", false,
            "Tracker collection: checkpoints, flush log, gaps and leases."),
    ARCHIVE_STORE(null, "local", false, "Where archive files go: local or adls."),
    ARCHIVE_LOCAL_DIR(null, "./archive", false, "Root folder of the local store."),
    ARCHIVE_PREFIX(null, "", false, "Optional path prefix inside the store."),
    AZURE_STORAGE_ACCOUNT_NAME(null, null, false, "Storage account name. Required for adls."),
    AZURE_STORAGE_ACCOUNT_KEY(null, null, true, "Shared Key authentication."),
    AZURE_STORAGE_SAS_TOKEN(null, null, true, "SAS authentication. With neither key nor SAS: DefaultAzureCredential."),
    AZURE_STORAGE_ENDPOINT(null, null, false,
            "Custom DFS endpoint (sovereign clouds, test servers). Default: https://<account>.dfs.core.windows.net."),
    AZURE_ADLS_FILESYSTEM(null, "changestreams", false, "File system (container); created when missing."),
    FLUSH_SCHEDULE("DUMP_SCHEDULE", "0 * * * *", false,
            "Flush schedule, cron in UTC: 5-field Unix or 6/7-field Quartz syntax."),
    FLUSH_MAX_EVENTS("BATCH_SIZE", "1000", false, new Range(1, 10_000_000),
            "Flush a collection's buffer at this many events."),
    FLUSH_MAX_BYTES(null, "16777216", false, new Range(1024, 1L << 34),
            "Flush a collection's buffer at this many buffered bytes."),
    BUFFER_MAX_BYTES(null, "268435456", false, new Range(1L << 20, 1L << 40),
            "All buffers together; at the cap, capture pauses (backpressure) until a flush frees room."),
    ARCHIVE_JSON_MODE(null, "canonical", false, "Extended JSON mode: canonical (lossless) or relaxed."),
    ARCHIVE_COMPRESSION(null, "none", false,
            "none or gzip (file name gets .gz; each flush appends one gzip member)."),
    RETRY_ATTEMPTS(null, "5", false, new Range(1, 100),
            "Store attempts per flush before the flush is reported failed (buffer kept)."),
    RETRY_DELAY_MS(null, "1000", false, new Range(1, 600_000),
            "First retry backoff in milliseconds; doubles per attempt, with jitter."),
    HISTORY_LOST_POLICY(null, "fail", false,
            "When the resume token is no longer in the oplog: fail (exit 3) or resume-from-now (record a gap)."),
    HTTP_PORT(null, "8080", false, new Range(0, 65535), "Admin and metrics HTTP port."),
    ADMIN_TOKEN(null, null, true, "When set, POST endpoints require Authorization: Bearer <token>."),
    SHUTDOWN_TIMEOUT_SECONDS(null, "25", false, new Range(1, 3600),
            "Budget in seconds for the final flush on SIGTERM."),
    LOG_LEVEL(null, "info", false, "trace, debug, info, warn or error."),
    LOG_FORMAT(null, "json", false, "json (Logstash encoder) or text."),
    INSTANCE_ID(null, null, false, "Identity used for collection leases. Default: the host name."),
    SNAPSHOT_MODE(null, "initial", false,
            "initial: a collection without a checkpoint is snapshotted when its capture begins; never: only on "
                    + "schedule or request."),
    SNAPSHOT_SCHEDULE(null, null, false, "Snapshot every collection on this cron (UTC), FLUSH_SCHEDULE syntax."),
    SNAPSHOT_PART_BYTES(null, "67108864", false, new Range(1L << 16, 1L << 30),
            "A snapshot part file is closed at about this many bytes."),
    SNAPSHOT_MAX_MB_PER_SECOND(null, "0", false, new Range(0, 100_000),
            "Read throttle per snapshot in MB per second; 0: unlimited.");

    private final String alias;
    private final String defaultValue;
    private final boolean secret;
    private final Range range;
    private final String meaning;

    Setting(String alias, String defaultValue, boolean secret, String meaning) {
        this(alias, defaultValue, secret, null, meaning);
    }

    Setting(String alias, String defaultValue, boolean secret, Range range, String meaning) {
        this.alias = alias;
        this.defaultValue = defaultValue;
        this.secret = secret;
        this.range = range;
        this.meaning = meaning;
    }

    /** The whole numbers a numeric setting accepts, both ends included. */
    public record Range(long min, long max) {
        public Range {
            if (min > max) {
                throw new IllegalArgumentException("range " + min + " to " + max + " is empty");
            }
        }

        public boolean contains(long n) {
            return n >= min && n <= max;
        }
    }

    /** The predecessor's name for this variable, still accepted. */
    public Optional<String> alias() {
        return Optional.ofNullable(alias);
    }

    public Optional<String> defaultValue() {
        return Optional.ofNullable(defaultValue);
    }

    /** Secret values (or values that may embed one, like URIs) are masked in every message. */
    public boolean secret() {
        return secret;
    }

    /**
     * The allowed whole numbers of a numeric setting; empty for a setting that is not a number. {@link ConfigLoader}
     * refuses a value outside it, and {@code ConfigurationDocTest} checks the rules table of the guide against it.
     */
    public Optional<Range> range() {
        return Optional.ofNullable(range);
    }

    public String meaning() {
        return meaning;
    }

    public static Optional<Setting> byName(String name) {
        return Arrays.stream(values()).filter(s -> s.name().equals(name) || name.equals(s.alias)).findFirst();
    }
}
