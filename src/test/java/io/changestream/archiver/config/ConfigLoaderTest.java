package io.changestream.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.HistoryLostPolicy;
import io.changestream.archiver.config.ArchiverConfig.StoreKind;
import io.changestream.archiver.config.ConfigException.Problem;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConfigLoaderTest {
    private static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("MONGODB_URI", "mongodb://app:s3cr3t-pw@db-0.example:27017/?replicaSet=rs0");
        env.put("MONGODB_DATABASE", "shop");
        env.put("MONGODB_COLLECTIONS", "orders, customers");
        return env;
    }

    @Test
    void defaultsMatchTheContract() {
        ArchiverConfig c = ConfigLoader.load(minimal());
        assertThat(c.source().collections()).containsExactly("orders", "customers");
        assertThat(c.source().fullDocument()).isEqualTo(ArchiverConfig.FullDocument.UPDATE_LOOKUP);
        assertThat(c.source().fullDocumentBeforeChange()).isEqualTo(ArchiverConfig.FullDocumentBeforeChange.OFF);
        assertThat(c.tracker().external()).isFalse();
        assertThat(c.tracker().database()).isEqualTo("shop");
        assertThat(c.tracker().collection()).isEqualTo("changestream_tracker");
        assertThat(c.store().kind()).isEqualTo(StoreKind.LOCAL);
        assertThat(c.store().compression()).isEqualTo(Compression.NONE);
        assertThat(c.flush().quartzCron()).isEqualTo("0 0 * * * ?");
        assertThat(c.flush().maxEvents()).isEqualTo(1000);
        assertThat(c.flush().maxBytes()).isEqualTo(16_777_216L);
        assertThat(c.flush().bufferMaxBytes()).isEqualTo(268_435_456L);
        assertThat(c.store().retryAttempts()).isEqualTo(5);
        assertThat(c.historyLostPolicy()).isEqualTo(HistoryLostPolicy.FAIL);
        assertThat(c.ops().httpPort()).isEqualTo(8080);
        assertThat(c.ops().shutdownTimeout().toSeconds()).isEqualTo(25);
    }

    @Test
    void predecessorAliasesStillWork() {
        Map<String, String> env = minimal();
        env.put("BATCH_SIZE", "250");
        env.put("DUMP_SCHEDULE", "*/15 * * * *");
        env.put("MIGRATIONS_DB_URI", "mongodb://tracker.example:27017");
        ArchiverConfig c = ConfigLoader.load(env);
        assertThat(c.flush().maxEvents()).isEqualTo(250);
        assertThat(c.flush().quartzCron()).isEqualTo("0 */15 * * * ?");
        assertThat(c.tracker().external()).isTrue();
        assertThat(c.tracker().uri().reveal()).isEqualTo("mongodb://tracker.example:27017");
    }

    @Test
    void theNewNameWinsOverItsAlias() {
        Map<String, String> env = minimal();
        env.put("BATCH_SIZE", "250");
        env.put("FLUSH_MAX_EVENTS", "10");
        assertThat(ConfigLoader.load(env).flush().maxEvents()).isEqualTo(10);
    }

    @Test
    void threeMistakesAreReportedAsThreeProblemsNamingVariableValueAndWhatIsAllowed() {
        Map<String, String> env = minimal();
        env.put("FLUSH_MAX_EVENTS", "lots");
        env.put("ARCHIVE_STORE", "s3");
        env.put("FLUSH_SCHEDULE", "every hour");
        assertThatThrownBy(() -> ConfigLoader.load(env))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.problems()).extracting(Problem::variable)
                            .containsExactlyInAnyOrder("FLUSH_MAX_EVENTS", "ARCHIVE_STORE", "FLUSH_SCHEDULE");
                    assertThat(e.getMessage()).contains("FLUSH_MAX_EVENTS=lots", "a whole number from 1 to",
                            "ARCHIVE_STORE=s3", "one of local, adls", "FLUSH_SCHEDULE=every hour", "5-field");
                });
    }

    @Test
    void missingRequiredVariablesAreAllNamed() {
        assertThatThrownBy(() -> ConfigLoader.load(Map.of()))
                .isInstanceOfSatisfying(ConfigException.class, e -> assertThat(e.problems())
                        .extracting(Problem::variable)
                        .containsExactlyInAnyOrder("MONGODB_URI", "MONGODB_DATABASE", "MONGODB_COLLECTIONS"));
    }

    @Test
    void anAliasIsNamedAsTheUserWroteIt() {
        Map<String, String> env = minimal();
        env.put("BATCH_SIZE", "0");
        assertThatThrownBy(() -> ConfigLoader.load(env)).hasMessageContaining("BATCH_SIZE=0");
    }

    @Test
    void secretsNeverAppearInProblems() {
        Map<String, String> env = minimal();
        env.put("MONGODB_URI", "mongodb://app:s3cr3t-pw@db-0.example:27017/?authSource=admin&replicaSet=");
        env.put("MONGODB_COLLECTIONS", "orders");
        env.put("ARCHIVE_STORE", "adls");
        env.put("AZURE_STORAGE_ACCOUNT_NAME", "acct1");
        env.put("AZURE_STORAGE_ACCOUNT_KEY", "c2VjcmV0LWtleS12YWx1ZQ==");
        env.put("AZURE_STORAGE_SAS_TOKEN", "sv=2024&sig=SIGNATURE-VALUE");
        env.put("ADMIN_TOKEN", "short-token");
        env.put("TRACKER_URI", "http://user:tracker-pw@host");
        assertThatThrownBy(() -> ConfigLoader.load(env))
                .isInstanceOfSatisfying(ConfigException.class, e -> {
                    assertThat(e.getMessage()).doesNotContain("s3cr3t-pw", "c2VjcmV0LWtleS12YWx1ZQ==",
                            "SIGNATURE-VALUE", "short-token", "tracker-pw");
                    assertThat(e.problems()).extracting(Problem::variable).contains(
                            "AZURE_STORAGE_ACCOUNT_KEY and AZURE_STORAGE_SAS_TOKEN", "ADMIN_TOKEN", "TRACKER_URI");
                });
    }

    @Test
    void secretToStringMasksCredentialsInUris() {
        assertThat(new Secret("mongodb+srv://u:p%40ss@cluster0.example/db?authSource=admin").toString())
                .isEqualTo("mongodb+srv://****@cluster0.example/db?authSource=admin");
        assertThat(new Secret("https://acct.blob.core.windows.net/c?sv=1&sig=abc").toString()).doesNotContain("abc");
        assertThat(new Secret("plain-key").toString()).isEqualTo("****");
    }

    @Test
    void adlsNeedsAnAccountAndAcceptsACustomEndpoint() {
        Map<String, String> env = minimal();
        env.put("ARCHIVE_STORE", "adls");
        assertThatThrownBy(() -> ConfigLoader.load(env)).hasMessageContaining("AZURE_STORAGE_ACCOUNT_NAME is not set");
        env.put("AZURE_STORAGE_ACCOUNT_NAME", "devstoreaccount1");
        env.put("AZURE_STORAGE_ENDPOINT", "http://127.0.0.1:10004/devstoreaccount1/");
        ArchiverConfig c = ConfigLoader.load(env);
        assertThat(c.store().azure().orElseThrow().endpoint()).isEqualTo("http://127.0.0.1:10004/devstoreaccount1");
        assertThat(c.store().azure().orElseThrow().fileSystem()).isEqualTo("changestreams");
    }

    @Test
    void everySettingHasAMeaningAndSecretsAreMarked() {
        for (Setting s : Setting.values()) {
            assertThat(s.meaning()).as(s.name()).isNotBlank();
        }
        assertThat(Setting.AZURE_STORAGE_ACCOUNT_KEY.secret()).isTrue();
        assertThat(Setting.ADMIN_TOKEN.secret()).isTrue();
        assertThat(Setting.byName("DUMP_SCHEDULE")).contains(Setting.FLUSH_SCHEDULE);
    }

    // --- issue 13, finding 10: configuration that exited 3 instead of 2 ------------------------------------------

    private static Problem onlyProblem(Map<String, String> env) {
        try {
            ConfigLoader.load(env);
        } catch (ConfigException e) {
            assertThat(e.problems()).as(e.getMessage()).hasSize(1);
            return e.problems().get(0);
        }
        throw new AssertionError("accepted: " + env);
    }

    @ParameterizedTest
    @ValueSource(strings = {",", " , ", ",,", "orders,", ",orders", "orders,,customers"})
    void aCollectionsListWithAnEmptyNameIsAProblemNamingTheVariableNotACrash(String given) {
        Map<String, String> env = minimal();
        env.put("MONGODB_COLLECTIONS", given);
        Problem p = onlyProblem(env);
        assertThat(p.variable()).isEqualTo("MONGODB_COLLECTIONS");
        assertThat(p.value()).isEqualTo(given.trim());
        assertThat(p.allowed()).contains("non-empty");
    }

    @ParameterizedTest
    @ValueSource(strings = {"a.b", "a/b", "a\\b", "a b", "a\"b", "a$b", "a*b", "a<b", "a>b", "a:b", "a|b", "a?b",
            "a\u0000b", "0123456789012345678901234567890123456789012345678901234567890123",
            "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"
                    + "\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9\u00e9"})
    void trackerAndSourceDatabaseNamesFollowMongoDbsRules(String name) {
        for (String variable : List.of("TRACKER_DATABASE", "MONGODB_DATABASE")) {
            Map<String, String> env = minimal();
            env.put("TRACKER_DATABASE", "archiver");
            env.put(variable, name);
            Problem p = onlyProblem(env);
            assertThat(p.variable()).isEqualTo(variable);
            assertThat(p.value()).isEqualTo(name);
            assertThat(p.allowed()).contains("database name", "64 bytes");
        }
    }

    @Test
    void aDatabaseNameJustUnderTheLimitIsAccepted() {
        Map<String, String> env = minimal();
        env.put("TRACKER_DATABASE", "d".repeat(63));
        assertThat(ConfigLoader.load(env).tracker().database()).hasSize(63);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a\u0000b", "system.tracker", "tr$cker"})
    void trackerCollectionNamesFollowMongoDbsRules(String name) {
        Map<String, String> env = minimal();
        env.put("TRACKER_COLLECTION", name);
        assertThat(onlyProblem(env).variable()).isEqualTo("TRACKER_COLLECTION");
    }

    @ParameterizedTest
    @ValueSource(strings = {"0 0 31 2 *", "0 0 30 2 *", "0 0 0 31 4 ?", "0 0 12 * * ? 2001"})
    void aScheduleThatNeverFiresIsRefused(String schedule) {
        Map<String, String> env = minimal();
        env.put("FLUSH_SCHEDULE", schedule);
        Problem p = onlyProblem(env);
        assertThat(p.variable()).isEqualTo("FLUSH_SCHEDULE");
        assertThat(p.value()).isEqualTo(schedule);
        assertThat(p.allowed()).contains("a schedule that fires", "31 February");
    }

    @Test
    void aScheduleThatFiresFarAheadIsAcceptedOnPurpose() {
        Map<String, String> env = minimal();
        env.put("FLUSH_SCHEDULE", "0 0 0 1 1 ? 2099"); // size and manual flushes only, as the wire tests use it
        assertThat(ConfigLoader.load(env).flush().quartzCron()).isEqualTo("0 0 0 1 1 ? 2099");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "\t  "})
    void aSetButBlankAdminTokenIsRefusedRatherThanLeavingThePostEndpointsOpen(String blank) {
        Map<String, String> env = minimal();
        env.put("ADMIN_TOKEN", blank);
        Problem p = onlyProblem(env);
        assertThat(p.variable()).isEqualTo("ADMIN_TOKEN");
        assertThat(p.toString()).startsWith("ADMIN_TOKEN is set but blank: ").contains("unset");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://[::1", "https://h\u00e9 x/", "https://%zz/"})
    void anAdlsEndpointTheHttpClientCannotParseIsAProblemNotACrashAtStart(String endpoint) {
        Map<String, String> env = minimal();
        env.put("ARCHIVE_STORE", "adls");
        env.put("AZURE_STORAGE_ACCOUNT_NAME", "acct1");
        env.put("AZURE_STORAGE_ENDPOINT", endpoint);
        assertThat(onlyProblem(env).variable()).isEqualTo("AZURE_STORAGE_ENDPOINT");
    }

    @Test
    void theInstanceIdDefaultsToTheHostnameOfTheInjectedEnvironmentNotTheProcesses() {
        Map<String, String> env = minimal();
        env.put("HOSTNAME", "pod-from-the-injected-environment-7");
        assertThat(ConfigLoader.load(env).ops().instanceId()).isEqualTo("pod-from-the-injected-environment-7");
        env.put("INSTANCE_ID", "explicit-instance");
        assertThat(ConfigLoader.load(env).ops().instanceId()).isEqualTo("explicit-instance");
    }

    @Test
    void fullDocumentLogLevelAndLogFormatArriveAsTheirEnumConstants() {
        for (ArchiverConfig.FullDocument value : ArchiverConfig.FullDocument.values()) {
            Map<String, String> env = minimal();
            env.put("MONGODB_FULL_DOCUMENT", value.text());
            assertThat(ConfigLoader.load(env).source().fullDocument()).isEqualTo(value);
        }
        Map<String, String> env = minimal();
        env.put("LOG_LEVEL", "WARN");
        env.put("LOG_FORMAT", "text");
        ArchiverConfig c = ConfigLoader.load(env);
        assertThat(c.ops().logLevel()).isEqualTo(ArchiverConfig.LogLevel.WARN);
        assertThat(c.ops().logFormat()).isEqualTo(ArchiverConfig.LogFormat.TEXT);
        ArchiverConfig defaults = ConfigLoader.load(minimal());
        assertThat(defaults.ops().logLevel()).isEqualTo(ArchiverConfig.LogLevel.INFO);
        assertThat(defaults.ops().logFormat()).isEqualTo(ArchiverConfig.LogFormat.JSON);
    }

    @Test
    void fullDocumentBeforeChangeArrivesAsItsEnumConstantParsedOnceAtLoad() {
        for (ArchiverConfig.FullDocumentBeforeChange value : ArchiverConfig.FullDocumentBeforeChange.values()) {
            Map<String, String> env = minimal();
            env.put("MONGODB_FULL_DOCUMENT_BEFORE_CHANGE", value.text());
            assertThat(ConfigLoader.load(env).source().fullDocumentBeforeChange()).isEqualTo(value);
        }
    }

    @Test
    void anUnknownFullDocumentBeforeChangeIsRefusedNamingTheVariableAndTheAllowedValues() {
        Map<String, String> env = minimal();
        env.put("MONGODB_FULL_DOCUMENT_BEFORE_CHANGE", "updateLookup");
        assertThatThrownBy(() -> ConfigLoader.load(env)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("MONGODB_FULL_DOCUMENT_BEFORE_CHANGE")
                .hasMessageContaining("one of off, required, whenAvailable");
    }

    @Test
    void unknownFullDocumentAndLogFormatValuesAreRefusedListingTheAllowedOnesAlphabetically() {
        Map<String, String> env = minimal();
        env.put("MONGODB_FULL_DOCUMENT", "updatelookup");
        env.put("LOG_FORMAT", "xml");
        assertThatThrownBy(() -> ConfigLoader.load(env)).isInstanceOf(ConfigException.class)
                .hasMessageContaining("one of default, required, updateLookup, whenAvailable")
                .hasMessageContaining("one of json, text");
    }

    @Test
    void everyNumericSettingIsJudgedByTheRangeItsSettingDefines() {
        for (Setting setting : Setting.values()) {
            if (setting.range().isEmpty()) {
                continue;
            }
            Setting.Range range = setting.range().get();
            for (long inside : new long[] {range.min(), range.max()}) {
                Map<String, String> env = minimal();
                env.put(setting.name(), String.valueOf(inside));
                if (setting == Setting.FLUSH_MAX_BYTES || setting == Setting.BUFFER_MAX_BYTES) {
                    env.put("FLUSH_MAX_BYTES", String.valueOf(Setting.FLUSH_MAX_BYTES.range().get().min()));
                    env.put(setting.name(), String.valueOf(inside));
                }
                ConfigLoader.load(env); // accepted: no exception
            }
            for (long outside : new long[] {range.min() - 1, range.max() + 1}) {
                Map<String, String> env = minimal();
                env.put(setting.name(), String.valueOf(outside));
                assertThatThrownBy(() -> ConfigLoader.load(env)).as("%s=%d", setting, outside)
                        .isInstanceOf(ConfigException.class)
                        .hasMessageContaining(setting.name())
                        .hasMessageContaining("a whole number from " + range.min() + " to " + range.max());
            }
        }
    }
}
