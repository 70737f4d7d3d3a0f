package io.changestream.archiver.config;

import io.changestream.archiver.config.ArchiverConfig.Azure;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.Flush;
import io.changestream.archiver.config.ArchiverConfig.FullDocument;
import io.changestream.archiver.config.ArchiverConfig.FullDocumentBeforeChange;
import io.changestream.archiver.config.ArchiverConfig.HistoryLostPolicy;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.config.ArchiverConfig.LogFormat;
import io.changestream.archiver.config.ArchiverConfig.LogLevel;
import io.changestream.archiver.config.ArchiverConfig.Ops;
import io.changestream.archiver.config.ArchiverConfig.SnapshotMode;
import io.changestream.archiver.config.ArchiverConfig.Snapshots;
import io.changestream.archiver.config.ArchiverConfig.Source;
import io.changestream.archiver.config.ArchiverConfig.Store;
import io.changestream.archiver.config.ArchiverConfig.StoreKind;
import io.changestream.archiver.config.ArchiverConfig.Tracker;
import io.changestream.archiver.config.ConfigException.Problem;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads the environment once into an {@link ArchiverConfig}. Every variable is checked and every problem collected
 * before failing, so one start tells the operator everything that is wrong. Nothing is silently corrected: a value
 * that is not allowed is a problem, never clamped. Secret values are masked in every problem.
 */
public final class ConfigLoader {

    static final String DATABASE_RULE = "a database name: not blank, none of / \\ . space \" $ * < > : | ? or NUL, "
            + "less than 64 bytes";
    static final String COLLECTION_RULE = "non-empty, without $ or NUL, not starting with system., "
            + "at most 255 characters once percent-encoded as an archive folder name";
    private static final int MAX_NAMESPACE_BYTES = 255;

    private final Map<String, String> env;
    private final Clock clock;
    private final List<Problem> problems = new ArrayList<>();

    private ConfigLoader(Map<String, String> env, Clock clock) {
        this.env = env;
        this.clock = clock;
    }

    /** Loads the configuration, or throws {@link ConfigException} listing every problem. */
    public static ArchiverConfig load(Map<String, String> env) {
        return load(env, Clock.systemUTC());
    }

    /** As {@link #load(Map)}, judging the flush schedule from {@code clock}'s now. */
    public static ArchiverConfig load(Map<String, String> env, Clock clock) {
        return new ConfigLoader(env, clock).build();
    }

    /**
     * Loads what the archive-reading commands need: the store settings, and the tracker when {@code needTracker}
     * ({@code TRACKER_URI}, else {@code MONGODB_URI}; {@code TRACKER_DATABASE}, else {@code MONGODB_DATABASE}).
     * Source settings are optional here; {@code MONGODB_COLLECTIONS}, when set, is checked and returned.
     *
     * @throws ConfigException listing every problem
     */
    public static OfflineConfig loadOffline(Map<String, String> env, boolean needTracker) {
        return new ConfigLoader(env, Clock.systemUTC()).buildOffline(needTracker);
    }

    private OfflineConfig buildOffline(boolean needTracker) {
        Store store = store();
        List<String> collections = isSet(Setting.MONGODB_COLLECTIONS) ? collections() : List.of();
        Optional<Tracker> tracker = Optional.empty();
        if (needTracker) {
            Setting uriSetting = isSet(Setting.TRACKER_URI) ? Setting.TRACKER_URI : Setting.MONGODB_URI;
            Optional<String> uri = raw(uriSetting);
            uri.ifPresentOrElse(u -> checkMongoUri(uriSetting, u), () -> problems.add(new Problem(
                    name(Setting.TRACKER_URI) + " (or " + name(Setting.MONGODB_URI) + ")", null,
                    "required to read the tracker: the connection string of the tracker's cluster")));
            Setting databaseSetting = isSet(Setting.TRACKER_DATABASE) ? Setting.TRACKER_DATABASE
                    : Setting.MONGODB_DATABASE;
            Optional<String> database = raw(databaseSetting);
            if (database.isEmpty()) {
                problems.add(new Problem(name(Setting.TRACKER_DATABASE) + " (or " + name(Setting.MONGODB_DATABASE)
                        + ")", null, "required to read the tracker: the database of the tracker collection"));
            }
            database.ifPresent(d -> checkDatabaseName(databaseSetting, d));
            String collection = value(Setting.TRACKER_COLLECTION);
            checkCollectionName(Setting.TRACKER_COLLECTION, collection, database.orElse(""));
            if (problems.isEmpty()) {
                tracker = Optional.of(new Tracker(new Secret(uri.orElseThrow()), database.orElseThrow(), collection,
                        isSet(Setting.TRACKER_URI)));
            }
        }
        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        return new OfflineConfig(store, tracker, collections);
    }

    private ArchiverConfig build() {
        Optional<String> uri = raw(Setting.MONGODB_URI);
        Optional<String> database = raw(Setting.MONGODB_DATABASE);
        List<String> collections = collections();
        uri.ifPresentOrElse(u -> checkMongoUri(Setting.MONGODB_URI, u), () -> missing(Setting.MONGODB_URI));
        if (database.isEmpty()) {
            missing(Setting.MONGODB_DATABASE);
        }
        database.ifPresent(d -> checkDatabaseName(Setting.MONGODB_DATABASE, d));
        collections.forEach(c -> checkNamespace(Setting.MONGODB_COLLECTIONS, database.orElse(""), c));
        FullDocument fullDocument = parseEnumSorted(Setting.MONGODB_FULL_DOCUMENT, FullDocument.values(),
                FullDocument::text).orElse(FullDocument.UPDATE_LOOKUP);
        FullDocumentBeforeChange beforeChange = parseEnumSorted(Setting.MONGODB_FULL_DOCUMENT_BEFORE_CHANGE,
                FullDocumentBeforeChange.values(), FullDocumentBeforeChange::text).orElse(FullDocumentBeforeChange.OFF);

        Optional<String> trackerUri = raw(Setting.TRACKER_URI);
        trackerUri.ifPresent(u -> checkMongoUri(Setting.TRACKER_URI, u));
        raw(Setting.TRACKER_DATABASE).ifPresent(d -> checkDatabaseName(Setting.TRACKER_DATABASE, d));
        String trackerDatabase = raw(Setting.TRACKER_DATABASE).or(() -> database).orElse("");
        String trackerCollection = value(Setting.TRACKER_COLLECTION);
        checkCollectionName(Setting.TRACKER_COLLECTION, trackerCollection, trackerDatabase);

        Store store = store();
        Flush flush = flush();
        HistoryLostPolicy policy = parseEnum(Setting.HISTORY_LOST_POLICY, HistoryLostPolicy.values(),
                HistoryLostPolicy::text).orElse(HistoryLostPolicy.FAIL);
        Ops ops = ops();
        Snapshots snapshots = snapshots();

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Secret sourceUri = new Secret(uri.orElseThrow());
        Source source = new Source(sourceUri, database.orElseThrow(), collections, fullDocument, beforeChange);
        Tracker tracker = new Tracker(trackerUri.map(Secret::new).orElse(sourceUri), trackerDatabase,
                trackerCollection, trackerUri.isPresent());
        return new ArchiverConfig(source, tracker, store, flush, policy, ops, snapshots);
    }

    private List<String> collections() {
        Optional<String> given = raw(Setting.MONGODB_COLLECTIONS);
        if (given.isEmpty()) {
            missing(Setting.MONGODB_COLLECTIONS);
            return List.of();
        }
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String part : given.get().split(",", -1)) {
            String name = part.trim();
            if (!validCollectionName(name)) {
                problem(Setting.MONGODB_COLLECTIONS, given.get(), "comma-separated collection names; each name "
                        + COLLECTION_RULE);
                return List.of();
            }
            names.add(name);
        }
        return List.copyOf(names);
    }

    private Store store() {
        StoreKind kind = parseEnum(Setting.ARCHIVE_STORE, StoreKind.values(), k -> k.name().toLowerCase(Locale.ROOT))
                .orElse(StoreKind.LOCAL);
        String prefix = value(Setting.ARCHIVE_PREFIX).replaceAll("^/+|/+$", "");
        boolean segmentsOk = prefix.isEmpty() || Arrays.stream(prefix.split("/", -1)).allMatch(segment ->
                !segment.isEmpty() && !segment.equals(".") && !segment.equals("..")
                        && segment.getBytes(StandardCharsets.UTF_8).length <= 255);
        boolean charactersOk = !prefix.contains("\\") && prefix.chars().noneMatch(Character::isISOControl);
        check(Setting.ARCHIVE_PREFIX, prefix, segmentsOk && charactersOk,
                "a relative path of non-empty segments of at most 255 bytes, without '.' or '..' segments, "
                        + "backslashes or control characters");
        Path localDir = Path.of(".");
        try {
            localDir = Path.of(value(Setting.ARCHIVE_LOCAL_DIR));
        } catch (InvalidPathException e) {
            problem(Setting.ARCHIVE_LOCAL_DIR, value(Setting.ARCHIVE_LOCAL_DIR), "a path this system can open ("
                    + e.getReason() + ")");
        }
        Optional<Azure> azure = kind == StoreKind.ADLS ? Optional.ofNullable(azure()) : Optional.empty();
        Compression compression = parseEnum(Setting.ARCHIVE_COMPRESSION, Compression.values(),
                c -> c.name().toLowerCase(Locale.ROOT)).orElse(Compression.NONE);
        JsonMode jsonMode = parseEnum(Setting.ARCHIVE_JSON_MODE, JsonMode.values(),
                m -> m.name().toLowerCase(Locale.ROOT)).orElse(JsonMode.CANONICAL);
        int attempts = (int) longIn(Setting.RETRY_ATTEMPTS);
        long delayMs = longIn(Setting.RETRY_DELAY_MS);
        return new Store(kind, localDir, prefix, azure, compression, jsonMode, attempts, Duration.ofMillis(delayMs));
    }

    private Azure azure() {
        Optional<String> account = raw(Setting.AZURE_STORAGE_ACCOUNT_NAME);
        Optional<Secret> key = raw(Setting.AZURE_STORAGE_ACCOUNT_KEY).map(Secret::new);
        Optional<Secret> sas = raw(Setting.AZURE_STORAGE_SAS_TOKEN).map(s -> new Secret(s.startsWith("?") ? s.substring(1) : s));
        if (account.isEmpty()) {
            problem(Setting.AZURE_STORAGE_ACCOUNT_NAME, null, "required when ARCHIVE_STORE=adls");
        } else {
            check(Setting.AZURE_STORAGE_ACCOUNT_NAME, account.get(), account.get().matches("[a-z0-9]{3,24}"),
                    "3-24 lower-case letters and digits");
        }
        if (key.isPresent() && sas.isPresent()) {
            problems.add(new Problem(name(Setting.AZURE_STORAGE_ACCOUNT_KEY) + " and " + name(Setting.AZURE_STORAGE_SAS_TOKEN),
                    "****", "set one of them, not both (neither: DefaultAzureCredential)"));
        }
        String endpoint = raw(Setting.AZURE_STORAGE_ENDPOINT)
                .orElse("https://" + account.orElse("account") + ".dfs.core.windows.net");
        check(Setting.AZURE_STORAGE_ENDPOINT, endpoint, endpoint.matches("https?://[^\\s/?#@]+(/[^\\s?#]*)?")
                        && hasHost(endpoint),
                "an http(s) URL without credentials or query, e.g. https://<account>.dfs.core.windows.net");
        String fileSystem = value(Setting.AZURE_ADLS_FILESYSTEM);
        check(Setting.AZURE_ADLS_FILESYSTEM, fileSystem, fileSystem.matches("[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]"),
                "3-63 lower-case letters, digits and single hyphens, starting and ending with a letter or digit");
        return account.map(a -> new Azure(a, key, sas, endpoint.replaceAll("/+$", ""), fileSystem)).orElse(null);
    }

    private Flush flush() {
        String schedule = value(Setting.FLUSH_SCHEDULE);
        String quartz = "";
        try {
            quartz = CronSchedule.toQuartz(schedule);
            // Quartz accepts expressions that never fire; the scheduler would then refuse them at start (exit 3).
            // A far but real date (the tests' "0 0 0 1 1 ? 2099": size and manual flushes only) is allowed.
            if (CronSchedule.nextFireAfter(quartz, clock.instant()).isEmpty()) {
                problem(Setting.FLUSH_SCHEDULE, schedule, "a schedule that fires; this one never does "
                        + "(a date that does not exist, such as 31 February, or a year in the past)");
            }
        } catch (IllegalArgumentException e) {
            problem(Setting.FLUSH_SCHEDULE, schedule, "a 5-field Unix cron (e.g. '0 * * * *') or a 6/7-field Quartz "
                    + "cron (e.g. '0 0 * * * ?'), evaluated in UTC (" + e.getMessage() + ")");
        }
        int maxEvents = (int) longIn(Setting.FLUSH_MAX_EVENTS);
        long maxBytes = longIn(Setting.FLUSH_MAX_BYTES);
        long bufferMaxBytes = longIn(Setting.BUFFER_MAX_BYTES);
        if (maxBytes > 0 && bufferMaxBytes > 0 && bufferMaxBytes < maxBytes && isSet(Setting.BUFFER_MAX_BYTES)) {
            problem(Setting.BUFFER_MAX_BYTES, String.valueOf(bufferMaxBytes),
                    "at least FLUSH_MAX_BYTES (" + maxBytes + "), or size flushes could never free room");
        }
        return new Flush(quartz, schedule, maxEvents, maxBytes, bufferMaxBytes);
    }

    private Snapshots snapshots() {
        SnapshotMode mode = parseEnum(Setting.SNAPSHOT_MODE, SnapshotMode.values(),
                m -> m.name().toLowerCase(Locale.ROOT)).orElse(SnapshotMode.INITIAL);
        Optional<String> schedule = raw(Setting.SNAPSHOT_SCHEDULE);
        Optional<String> quartz = Optional.empty();
        if (schedule.isPresent()) {
            try {
                quartz = Optional.of(CronSchedule.toQuartz(schedule.get()));
            } catch (IllegalArgumentException e) {
                problem(Setting.SNAPSHOT_SCHEDULE, schedule.get(), "empty, or a cron as for FLUSH_SCHEDULE, evaluated "
                        + "in UTC (" + e.getMessage() + ")");
            }
        }
        long partBytes = longIn(Setting.SNAPSHOT_PART_BYTES);
        long rate = longIn(Setting.SNAPSHOT_MAX_MB_PER_SECOND);
        return new Snapshots(mode, quartz, schedule.orElse(""), partBytes, rate);
    }

    private Ops ops() {
        int port = (int) longIn(Setting.HTTP_PORT);
        Optional<Secret> adminToken = raw(Setting.ADMIN_TOKEN).map(Secret::new);
        if (adminToken.isEmpty() && env.containsKey(Setting.ADMIN_TOKEN.name())) {
            // Blank is unset for every other variable; here it would silently leave the POST endpoints open.
            problem(Setting.ADMIN_TOKEN, "", "at least 16 characters; unset the variable to leave the POST endpoints "
                    + "open on purpose");
        }
        adminToken.ifPresent(t -> check(Setting.ADMIN_TOKEN, t.reveal(), t.reveal().length() >= 16,
                "at least 16 characters"));
        long shutdown = longIn(Setting.SHUTDOWN_TIMEOUT_SECONDS);
        // INFO and info alike, as logback reads it; the problem quotes the value as given.
        String givenLevel = value(Setting.LOG_LEVEL);
        LogLevel level = Arrays.stream(LogLevel.values())
                .filter(l -> l.text().equals(givenLevel.toLowerCase(Locale.ROOT))).findFirst().orElse(null);
        check(Setting.LOG_LEVEL, givenLevel, level != null, "one of " + String.join(", ",
                Arrays.stream(LogLevel.values()).map(LogLevel::text).sorted().toList()) + " (any case)");
        LogFormat format = parseEnumSorted(Setting.LOG_FORMAT, LogFormat.values(), LogFormat::text).orElse(LogFormat.JSON);
        String instance = raw(Setting.INSTANCE_ID).orElseGet(this::hostName);
        return new Ops(port, adminToken, Duration.ofSeconds(shutdown), level == null ? LogLevel.INFO : level, format,
                instance);
    }

    /** {@code HOSTNAME} of the injected environment, else the host's name, else {@code archiver-<pid>}. */
    private String hostName() {
        String fromEnv = env.get("HOSTNAME");
        if (fromEnv != null && !fromEnv.isBlank()) {
            return fromEnv;
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "archiver-" + ProcessHandle.current().pid();
        }
    }

    // --- primitives -------------------------------------------------------------------------------------------

    /** The variable's name as the user set it: the alias when only the alias is set. */
    private String name(Setting s) {
        if (env.containsKey(s.name()) || s.alias().isEmpty()) {
            return s.name();
        }
        return env.containsKey(s.alias().get()) ? s.alias().get() : s.name();
    }

    private boolean isSet(Setting s) {
        return raw(s).isPresent();
    }

    /** The value set under the name or its alias; blank counts as unset. */
    private Optional<String> raw(Setting s) {
        String v = env.get(s.name());
        if ((v == null || v.isBlank()) && s.alias().isPresent()) {
            v = env.get(s.alias().get());
        }
        return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
    }

    private String value(Setting s) {
        return raw(s).or(s::defaultValue).orElse("");
    }

    private String shown(Setting s, String v) {
        return v == null || v.isEmpty() ? v : s.secret() ? new Secret(v).toString() : v;
    }

    private void missing(Setting s) {
        // The meaning of a required variable says "Required." itself; the problem says it once.
        problems.add(new Problem(name(s), null, "required; " + s.meaning().replaceFirst("\\s*Required\\.$", "")));
    }

    private void problem(Setting s, String value, String allowed) {
        problems.add(new Problem(name(s), shown(s, value), allowed));
    }

    private void check(Setting s, String value, boolean ok, String allowed) {
        if (!ok) {
            problem(s, value, allowed);
        }
    }

    private <E> Optional<E> parseEnum(Setting s, E[] values, Function<E, String> text) {
        String v = value(s);
        Optional<E> found = Arrays.stream(values).filter(e -> text.apply(e).equals(v)).findFirst();
        if (found.isEmpty()) {
            problem(s, v, "one of " + String.join(", ", Arrays.stream(values).map(text).toList()));
        }
        return found;
    }

    /** As {@link #parseEnum}, the problem listing the allowed texts in alphabetical order. */
    private <E> Optional<E> parseEnumSorted(Setting s, E[] values, Function<E, String> text) {
        String v = value(s);
        Optional<E> found = Arrays.stream(values).filter(e -> text.apply(e).equals(v)).findFirst();
        if (found.isEmpty()) {
            problem(s, v, "one of " + String.join(", ", Arrays.stream(values).map(text).sorted().toList()));
        }
        return found;
    }

    /** The value as a whole number in the setting's {@link Setting#range()}; -1 (and a problem) otherwise. */
    private long longIn(Setting s) {
        Setting.Range range = s.range().orElseThrow(() -> new IllegalStateException(s + " has no range"));
        long min = range.min();
        long max = range.max();
        String v = value(s);
        try {
            // ASCII digits only: Long.parseLong would also read other scripts' digits.
            long n = v.matches("-?[0-9]{1,19}") ? Long.parseLong(v) : min - 1;
            if (range.contains(n)) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the allowed range
        }
        problem(s, v, "a whole number from " + min + " to " + max);
        return -1;
    }

    /** MongoDB's rules for database names (the strictest, Windows, set of characters), checked at start. */
    private void checkDatabaseName(Setting s, String name) {
        check(s, name, !name.isBlank() && !name.matches("(?s).*[/\\\\. \"$*<>:|?\\x00].*")
                && name.getBytes(StandardCharsets.UTF_8).length < 64, DATABASE_RULE);
    }

    private void checkCollectionName(Setting s, String name, String database) {
        if (!validCollectionName(name)) {
            problem(s, name, "a collection name: " + COLLECTION_RULE);
        } else {
            checkNamespace(s, database, name);
        }
    }

    /** The namespace {@code <database>.<collection>} the server must accept; reported once per variable. */
    private void checkNamespace(Setting s, String database, String collection) {
        int bytes = (database + "." + collection).getBytes(StandardCharsets.UTF_8).length;
        boolean reported = problems.stream().anyMatch(p -> p.variable().equals(name(s)));
        if (bytes > MAX_NAMESPACE_BYTES && !reported) {
            problem(s, collection, "a collection name whose namespace <database>.<collection> is at most "
                    + MAX_NAMESPACE_BYTES + " bytes (" + bytes + " here)");
        }
    }

    /**
     * Not empty, no {@code $} or NUL, not {@code system.*} (MongoDB's rules), and a folder name of at most 255
     * characters once {@code ArchiveLayout} has percent-encoded every byte but letters, digits, {@code _ - .}.
     */
    private static boolean validCollectionName(String name) {
        if (name.isEmpty() || name.contains("$") || name.indexOf('\0') >= 0 || name.startsWith("system.")) {
            return false;
        }
        int folder = 0;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            folder += (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') || b == '_'
                    || b == '-' || b == '.' ? 1 : 3;
        }
        return folder <= 255;
    }

    /** A URL with a host the HTTP client can parse (the pattern alone lets {@code http://[::1} through). */
    private static boolean hasHost(String url) {
        try {
            URI parsed = new URI(url);
            parsed.toURL();
            return parsed.getHost() != null;
        } catch (URISyntaxException | java.net.MalformedURLException | IllegalArgumentException e) {
            return false;
        }
    }

    private void checkMongoUri(Setting s, String uri) {
        check(s, uri, uri.startsWith("mongodb://") || uri.startsWith("mongodb+srv://"),
                "a connection string starting with mongodb:// or mongodb+srv://");
        if (uri.startsWith("mongodb")) {
            try {
                new com.mongodb.ConnectionString(uri);
            } catch (RuntimeException e) { // IllegalArgumentException, or a MongoException subclass: both mean refused
                // The driver's message may quote the URI; never pass it on.
                problem(s, uri, "a valid MongoDB connection string (the driver could not parse it)");
            }
        }
    }
}
