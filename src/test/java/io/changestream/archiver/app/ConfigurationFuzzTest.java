package io.changestream.archiver.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.mongodb.ConnectionString;
import com.mongodb.MongoNamespace;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigException.Problem;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.SecretSamples;
import io.changestream.archiver.config.SecretSamples.Sample;
import io.changestream.archiver.config.Setting;
import io.changestream.archiver.encode.ArchiveLayout;
import io.changestream.archiver.encode.HourSlot;
import io.changestream.archiver.store.ArchiveFile;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.ArchiveStores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TimeZone;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.quartz.CronExpression;

/**
 * Finding 10 of issue 13, as a class: random values (empty, blank, commas, unicode, NUL, huge and negative numbers,
 * junk cron, names MongoDB refuses, URIs and SAS queries full of secrets) in random variables. Whatever is given,
 * {@code run} either exits 2 listing problems that each name a variable, without a stack trace or a secret, or the
 * configuration is accepted and then really usable: the driver accepts every namespace and connection string, the
 * schedule fires, the archive paths are valid, the store opens. Never an exception escaping (exit 3).
 *
 * <p>Seeded; {@code -Dconfig.fuzz.seed=S} replays a run, {@code -Dconfig.fuzz.cases=N} runs more.
 */
class ConfigurationFuzzTest {
    private static final int CASES = 500;
    private static final String PASSWORD = "Fz0pass-Secret";
    private static final String KEY = "Fz0key-Secret-Account-Key";

    private final List<String> secrets = new ArrayList<>(List.of(PASSWORD, KEY));
    private SecretSamples samples;
    private Random random;

    @Test
    void randomValuesInEveryVariableExitTwoNamingTheVariableOrLoadAConfigurationThatWorks() {
        long seed = Long.getLong("config.fuzz.seed", System.nanoTime());
        int cases = Integer.getInteger("config.fuzz.cases", CASES);
        random = new Random(seed);
        samples = new SecretSamples(random);
        List<String> names = new ArrayList<>();
        for (Setting s : Setting.values()) {
            names.add(s.name());
            s.alias().ifPresent(names::add);
        }
        int refused = 0;
        for (int i = 0; i < cases; i++) {
            Map<String, String> env = base();
            int changes = 1 + random.nextInt(4);
            for (int c = 0; c < changes; c++) {
                String variable = names.get(random.nextInt(names.size()));
                env.put(variable, value(Setting.byName(variable).orElseThrow()));
            }
            String what = "seed " + seed + ", case " + i + ", env " + env;
            assertOfflineCommandsRefuseOrAccept(env, what);
            ArchiverConfig config;
            try {
                config = ConfigLoader.load(env);
            } catch (ConfigException e) {
                refused++;
                assertRefusedOnTheCommandLine(env, e, what);
                continue;
            } catch (RuntimeException e) {
                throw new AssertionError(what + ": an exception escaped the loader (exit 3)", e);
            }
            assertUsable(config, what);
        }
        assertThat(refused).as("seed %d: the fuzz refused some configurations and accepted others", seed)
                .isPositive().isLessThan(cases);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "MONGODB_COLLECTIONS      | ,",
            "TRACKER_DATABASE         | a.b",
            "TRACKER_DATABASE         | a/b",
            "FLUSH_SCHEDULE           | 0 0 31 2 *",
            "ADMIN_TOKEN              | ''"})
    void theConfigurationsThatExitedThreeNowExitTwoNamingTheVariable(String variable, String value) {
        Map<String, String> env = new HashMap<>(Map.of(
                "MONGODB_URI", "mongodb://app:" + PASSWORD + "@db-0.example:27017/?replicaSet=rs0",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders"));
        env.put(variable, value);
        // Refused by the loader first: accepted, run would start the service (or, for ",", throw: exit 3).
        assertThatThrownBy(() -> ConfigLoader.load(env)).as("%s=%s", variable, value)
                .isInstanceOf(ConfigException.class);
        StringWriter output = new StringWriter();
        PrintWriter writer = new PrintWriter(output, true);

        int exit = Main.execute(env, writer, writer, "run");

        assertThat(exit).as(output.toString()).isEqualTo(Main.USAGE);
        assertThat(output.toString()).contains(variable).doesNotContain(PASSWORD, "Exception");
    }

    private void assertRefusedOnTheCommandLine(Map<String, String> env, ConfigException e, String what) {
        for (Problem p : e.problems()) {
            assertThat(p.variable()).as(what).matches("[A-Z_]+( and [A-Z_]+| \\(or [A-Z_]+\\))?");
            assertThat(p.variable().split("\\W+")).as(what).allMatch(n -> n.isEmpty() || n.equals("and")
                    || n.equals("or") || Setting.byName(n).isPresent());
        }
        StringWriter output = new StringWriter();
        PrintWriter writer = new PrintWriter(output, true);
        int exit = Main.execute(env, writer, writer, "run");
        String printed = output.toString();
        assertThat(exit).as("%s:%n%s", what, printed).isEqualTo(Main.USAGE);
        assertThat(printed).as(what).startsWith("invalid configuration (").doesNotContain("Exception", "\tat ");
        for (Problem p : e.problems()) {
            assertThat(printed).as(what).contains(p.variable());
        }
        for (String secret : secrets) {
            assertThat(printed).as(what).doesNotContain(secret);
        }
    }

    /**
     * {@code verify} and {@code status} read the same variables through {@link ConfigLoader#loadOffline}: refused
     * means exit 2 without a secret; accepted is not run (it would contact the tracker).
     */
    private void assertOfflineCommandsRefuseOrAccept(Map<String, String> env, String what) {
        try {
            ConfigLoader.loadOffline(env, true);
        } catch (ConfigException e) {
            StringWriter output = new StringWriter();
            PrintWriter writer = new PrintWriter(output, true);
            int exit = Main.execute(env, writer, writer, "verify");
            String printed = output.toString();
            assertThat(exit).as("%s, verify:%n%s", what, printed).isEqualTo(Main.USAGE);
            assertThat(printed).as(what).contains("invalid configuration (").doesNotContain("Exception", "\tat ");
            for (String secret : secrets) {
                assertThat(printed).as(what).doesNotContain(secret);
            }
        } catch (RuntimeException e) {
            throw new AssertionError(what + ": an exception escaped the offline loader (exit 3)", e);
        }
    }

    /** An accepted configuration must work: checked against the driver, Quartz and the store, not our own rules. */
    private static void assertUsable(ArchiverConfig config, String what) {
        try {
            new ConnectionString(config.source().uri().reveal());
            new ConnectionString(config.tracker().uri().reveal());
            for (String collection : config.source().collections()) {
                new MongoNamespace(config.source().database(), collection);
            }
            new MongoNamespace(config.tracker().database(), config.tracker().collection());
            CronExpression cron = new CronExpression(config.flush().quartzCron());
            cron.setTimeZone(TimeZone.getTimeZone("UTC"));
            assertThat(cron.getNextValidTimeAfter(new Date())).as("%s: the schedule fires", what).isNotNull();
            config.ops().adminToken().ifPresent(t -> assertThat(t.reveal()).as(what).isNotBlank());
            for (Compression c : Compression.values()) {
                ArchiveLayout layout = new ArchiveLayout(config.store().prefix(), c);
                for (String collection : config.source().collections()) {
                    ArchiveFile file = layout.file(collection, HourSlot.of(Instant.parse("2026-11-22T00:00:00Z")));
                    for (String segment : file.path().split("/")) {
                        assertThat(segment.length()).as("%s: a segment of %s", what, file).isBetween(1, 255);
                    }
                }
            }
            try (ArchiveStore store = ArchiveStores.open(config.store())) {
                assertThat(store.describe()).as(what).isNotBlank();
            }
        } catch (Exception e) {
            throw new AssertionError(what + ": accepted, but does not work: " + e, e);
        }
    }

    private Map<String, String> base() {
        Map<String, String> env = new HashMap<>(Map.of(
                "MONGODB_URI", "mongodb://app:" + PASSWORD + "@db-0.example:27017/?replicaSet=rs0",
                "MONGODB_DATABASE", "shop",
                "MONGODB_COLLECTIONS", "orders,customers"));
        if (random.nextBoolean()) {
            env.putAll(Map.of("ARCHIVE_STORE", "adls", "AZURE_STORAGE_ACCOUNT_NAME", "shoparchive",
                    "AZURE_STORAGE_ACCOUNT_KEY", KEY));
        }
        return env;
    }

    private String value(Setting setting) {
        List<Supplier<String>> kinds = List.of(
                () -> "", () -> " ", () -> "\t \t", () -> ",", () -> ",,", () -> " , ", () -> "a,,b",
                () -> "é", () -> "日本語", () -> "🙂", () -> "a\u0000b", () -> "\u200b", () -> "Ω.Ω",
                () -> "99999999999999999999", () -> "9223372036854775807", () -> "-9223372036854775808",
                () -> "-1", () -> "0", () -> "1", () -> "65536", () -> "1e3", () -> "0x10", () -> "+5",
                () -> "١٢٣", () -> String.valueOf(random.nextInt()), () -> String.valueOf(random.nextLong()),
                () -> "0 0 31 2 *", () -> "0 0 30 2 ?", () -> "* * * * * * * *", () -> "L W # ?",
                () -> "60 * * * *", () -> "*/0 * * * *", () -> "0 0 ? * L-", () -> "0 0 12 * * ? 1999",
                () -> "0 0 0 ? * 9#9", () -> "0 0 0 L-40 * ?", () -> "? ? ? ? ? ?", () -> "0 0 0 1 1 ? 2099-2100",
                () -> "a.b", () -> "a/b", () -> "a\\b", () -> "system.views", () -> "$cmd", () -> "..", () -> ".",
                () -> "x".repeat(1 + random.nextInt(400)), () -> "é".repeat(1 + random.nextInt(200)),
                () -> "/", () -> "a/../b", () -> "//", () -> "C:\\x", () -> "%00",
                () -> "local", () -> "adls", () -> "gzip", () -> "relaxed", () -> "resume-from-now", () -> "text",
                () -> "debug", () -> "whenAvailable", () -> "http://127.0.0.1:1/x", () -> "https://h:99999",
                () -> "https://h é/", () -> "http://[::1", () -> "mongodb://", () -> "mongodb+srv://h:27017",
                () -> "mongodb://h/?replicaSet=", () -> "mongodb://%zz@h", () -> "mongodb://u:p@h:0",
                this::junk, this::secretUri, this::secretEndpoint);
        Supplier<String> kind = kinds.get(random.nextInt(kinds.size()));
        String v = kind.get();
        return setting.secret() && random.nextInt(3) == 0 ? secretLiteral() : v;
    }

    /** A secret setting's value that must never be printed, not even in part. */
    private String secretLiteral() {
        String secret = samples.marker() + samples.marker();
        secrets.add(secret);
        return secret;
    }

    private String junk() {
        String alphabet = " ,.;:/\\$*<>|?\"'#@%&=+-_()[]{}~`!^0123456789aZé日\u0000\t\n";
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(30);
        for (int i = 0; i < length; i++) {
            s.append(alphabet.charAt(random.nextInt(alphabet.length())));
        }
        return s.toString();
    }

    private String secretUri() {
        Sample uri = samples.mongoUri();
        secrets.addAll(uri.secrets());
        return uri.text();
    }

    private String secretEndpoint() {
        Sample endpoint = samples.sasEndpoint();
        secrets.addAll(endpoint.secrets());
        return endpoint.text();
    }
}
