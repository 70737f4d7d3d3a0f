package io.changestream.archiver.config;

import io.changestream.archiver.config.ArchiverConfig.Azure;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.Flush;
import io.changestream.archiver.config.ArchiverConfig.HistoryLostPolicy;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.config.ArchiverConfig.Ops;
import io.changestream.archiver.config.ArchiverConfig.Source;
import io.changestream.archiver.config.ArchiverConfig.Store;
import io.changestream.archiver.config.ArchiverConfig.StoreKind;
import io.changestream.archiver.config.ArchiverConfig.Tracker;
import io.changestream.archiver.config.ConfigException.Problem;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * Reads the environment once into an {@link ArchiverConfig}. Every variable is checked and every problem collected
 * before failing, so one start tells the operator everything that is wrong. Nothing is silently corrected: a value
 * that is not allowed is a problem, never clamped. Secret values are masked in every problem.
 */
public final class ConfigLoader {
    private static final Set<String> FULL_DOCUMENT = Set.of("default", "updateLookup", "whenAvailable", "required");
    private static final Set<String> BEFORE_CHANGE = Set.of("off", "whenAvailable", "required");
    private static final Set<String> LOG_LEVELS = Set.of("trace", "debug", "info", "warn", "error");

    private final Map<String, String> env;
    private final List<Problem> problems = new ArrayList<>();

    private ConfigLoader(Map<String, String> env) {
        this.env = env;
    }

    /** Loads the configuration, or throws {@link ConfigException} listing every problem. */
    public static ArchiverConfig load(Map<String, String> env) {
        return new ConfigLoader(env).build();
    }

    /**
     * Loads what the archive-reading commands need: the store settings, and the tracker when {@code needTracker}
     * ({@code TRACKER_URI}, else {@code MONGODB_URI}; {@code TRACKER_DATABASE}, else {@code MONGODB_DATABASE}).
     * Source settings are optional here; {@code MONGODB_COLLECTIONS}, when set, is checked and returned.
     *
     * @throws ConfigException listing every problem
     */
    public static OfflineConfig loadOffline(Map<String, String> env, boolean needTracker) {
        return new ConfigLoader(env).buildOffline(needTracker);
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
            Optional<String> database = raw(Setting.TRACKER_DATABASE).or(() -> raw(Setting.MONGODB_DATABASE));
            if (database.isEmpty()) {
                problems.add(new Problem(name(Setting.TRACKER_DATABASE) + " (or " + name(Setting.MONGODB_DATABASE)
                        + ")", null, "required to read the tracker: the database of the tracker collection"));
            }
            String collection = value(Setting.TRACKER_COLLECTION);
            check(Setting.TRACKER_COLLECTION, collection, !collection.isBlank() && !collection.contains("$"),
                    "a collection name without $");
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
        database.ifPresent(d -> check(Setting.MONGODB_DATABASE, d, !d.isBlank() && !d.matches(".*[/\\\\. \"$].*"),
                "a database name without / \\ . space \" or $"));
        String fullDocument = oneOf(Setting.MONGODB_FULL_DOCUMENT, FULL_DOCUMENT);
        String beforeChange = oneOf(Setting.MONGODB_FULL_DOCUMENT_BEFORE_CHANGE, BEFORE_CHANGE);

        Optional<String> trackerUri = raw(Setting.TRACKER_URI);
        trackerUri.ifPresent(u -> checkMongoUri(Setting.TRACKER_URI, u));
        String trackerDatabase = raw(Setting.TRACKER_DATABASE).or(() -> database).orElse("");
        String trackerCollection = value(Setting.TRACKER_COLLECTION);
        check(Setting.TRACKER_COLLECTION, trackerCollection,
                !trackerCollection.isBlank() && !trackerCollection.contains("$") && !trackerCollection.startsWith("system."),
                "a collection name without $ that does not start with system.");

        Store store = store();
        Flush flush = flush();
        HistoryLostPolicy policy = parseEnum(Setting.HISTORY_LOST_POLICY, HistoryLostPolicy.values(),
                HistoryLostPolicy::text).orElse(HistoryLostPolicy.FAIL);
        Ops ops = ops();

        if (!problems.isEmpty()) {
            throw new ConfigException(problems);
        }
        Secret sourceUri = new Secret(uri.orElseThrow());
        Source source = new Source(sourceUri, database.orElseThrow(), collections, fullDocument, beforeChange);
        Tracker tracker = new Tracker(trackerUri.map(Secret::new).orElse(sourceUri), trackerDatabase,
                trackerCollection, trackerUri.isPresent());
        return new ArchiverConfig(source, tracker, store, flush, policy, ops);
    }

    private List<String> collections() {
        Optional<String> given = raw(Setting.MONGODB_COLLECTIONS);
        if (given.isEmpty()) {
            missing(Setting.MONGODB_COLLECTIONS);
            return List.of();
        }
        LinkedHashSet<String> names = new LinkedHashSet<>();
        for (String part : given.get().split(",")) {
            String name = part.trim();
            if (name.isEmpty() || name.contains("$") || name.startsWith("system.") || name.indexOf('\0') >= 0) {
                problem(Setting.MONGODB_COLLECTIONS, given.get(),
                        "comma-separated collection names; each non-empty, without $ or NUL, not system.*");
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
        check(Setting.ARCHIVE_PREFIX, prefix, !("/" + prefix + "/").matches(".*/\\.{1,2}/.*") && !prefix.contains("\\"),
                "a relative path without '.' or '..' segments or backslashes");
        Path localDir = Path.of(value(Setting.ARCHIVE_LOCAL_DIR));
        Optional<Azure> azure = kind == StoreKind.ADLS ? Optional.ofNullable(azure()) : Optional.empty();
        Compression compression = parseEnum(Setting.ARCHIVE_COMPRESSION, Compression.values(),
                c -> c.name().toLowerCase(Locale.ROOT)).orElse(Compression.NONE);
        JsonMode jsonMode = parseEnum(Setting.ARCHIVE_JSON_MODE, JsonMode.values(),
                m -> m.name().toLowerCase(Locale.ROOT)).orElse(JsonMode.CANONICAL);
        int attempts = (int) longIn(Setting.RETRY_ATTEMPTS, 1, 100);
        long delayMs = longIn(Setting.RETRY_DELAY_MS, 1, 600_000);
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
        check(Setting.AZURE_STORAGE_ENDPOINT, endpoint, endpoint.matches("https?://[^\\s/?#@]+(/[^\\s?#]*)?"),
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
        } catch (IllegalArgumentException e) {
            problem(Setting.FLUSH_SCHEDULE, schedule, "a 5-field Unix cron (e.g. '0 * * * *') or a 6/7-field Quartz "
                    + "cron (e.g. '0 0 * * * ?'), evaluated in UTC (" + e.getMessage() + ")");
        }
        int maxEvents = (int) longIn(Setting.FLUSH_MAX_EVENTS, 1, 10_000_000);
        long maxBytes = longIn(Setting.FLUSH_MAX_BYTES, 1024, 1L << 34);
        long bufferMaxBytes = longIn(Setting.BUFFER_MAX_BYTES, 1L << 20, 1L << 40);
        if (maxBytes > 0 && bufferMaxBytes > 0 && bufferMaxBytes < maxBytes && isSet(Setting.BUFFER_MAX_BYTES)) {
            problem(Setting.BUFFER_MAX_BYTES, String.valueOf(bufferMaxBytes),
                    "at least FLUSH_MAX_BYTES (" + maxBytes + "), or size flushes could never free room");
        }
        return new Flush(quartz, schedule, maxEvents, maxBytes, bufferMaxBytes);
    }

    private Ops ops() {
        int port = (int) longIn(Setting.HTTP_PORT, 0, 65535);
        Optional<Secret> adminToken = raw(Setting.ADMIN_TOKEN).map(Secret::new);
        adminToken.ifPresent(t -> check(Setting.ADMIN_TOKEN, t.reveal(), t.reveal().length() >= 16,
                "at least 16 characters"));
        long shutdown = longIn(Setting.SHUTDOWN_TIMEOUT_SECONDS, 1, 3600);
        String level = value(Setting.LOG_LEVEL).toLowerCase(Locale.ROOT); // INFO and info alike, as logback reads it
        check(Setting.LOG_LEVEL, value(Setting.LOG_LEVEL), LOG_LEVELS.contains(level),
                "one of " + String.join(", ", LOG_LEVELS.stream().sorted().toList()) + " (any case)");
        String format = oneOf(Setting.LOG_FORMAT, Set.of("json", "text"));
        String instance = raw(Setting.INSTANCE_ID).orElseGet(ConfigLoader::hostName);
        return new Ops(port, adminToken, Duration.ofSeconds(shutdown), level, format, instance);
    }

    private static String hostName() {
        String fromEnv = System.getenv("HOSTNAME");
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
        return v == null ? null : s.secret() ? new Secret(v).toString() : v;
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

    private String oneOf(Setting s, Set<String> allowed) {
        String v = value(s);
        if (!allowed.contains(v)) {
            problem(s, v, "one of " + String.join(", ", allowed.stream().sorted().toList()));
        }
        return v;
    }

    private <E> Optional<E> parseEnum(Setting s, E[] values, Function<E, String> text) {
        String v = value(s);
        Optional<E> found = Arrays.stream(values).filter(e -> text.apply(e).equals(v)).findFirst();
        if (found.isEmpty()) {
            problem(s, v, "one of " + String.join(", ", Arrays.stream(values).map(text).toList()));
        }
        return found;
    }

    private long longIn(Setting s, long min, long max) {
        String v = value(s);
        try {
            long n = Long.parseLong(v);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // reported below, with the allowed range
        }
        problem(s, v, "a whole number from " + min + " to " + max);
        return -1;
    }

    private void checkMongoUri(Setting s, String uri) {
        check(s, uri, uri.startsWith("mongodb://") || uri.startsWith("mongodb+srv://"),
                "a connection string starting with mongodb:// or mongodb+srv://");
        if (uri.startsWith("mongodb")) {
            try {
                new com.mongodb.ConnectionString(uri);
            } catch (IllegalArgumentException e) {
                // The driver's message may quote the URI; never pass it on.
                problem(s, uri, "a valid MongoDB connection string (the driver could not parse it)");
            }
        }
    }
}
