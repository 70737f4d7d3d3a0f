package io.changestream.archiver.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.Setting;
import io.changestream.archiver.deploy.HelmChart.Rendered;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deployment files speak the service's configuration language: {@link Setting} is the one definition of
 * every environment variable, and the example env files and the chart are checked against it.
 */
class ConfigurationCoverageTest {

    /** {@code NAME=value}, active or commented out ({@code # NAME=value}): both name a variable to the reader. */
    private static final Pattern ASSIGNMENT = Pattern.compile("^(#\\s*)?([A-Z][A-Z0-9_]*)=(.*)$");
    /** Characters a POSIX shell would read differently from {@code docker --env-file}. */
    private static final Pattern SHELL_SPECIAL = Pattern.compile("[\\s'\"`$&;|<>()\\\\*]");

    @ParameterizedTest
    @ValueSource(strings = {"config/local.env", "config/adls-workload-identity.env"})
    void envFilesNameOnlyTheServicesVariables(String file) throws IOException {
        List<Assignment> assignments = assignments(Path.of(file));
        assertThat(assignments).isNotEmpty();
        for (Assignment a : assignments) {
            assertThat(Setting.byName(a.name())).as("%s:%d names %s", file, a.line(), a.name()).isPresent();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"config/local.env", "config/adls-workload-identity.env"})
    void envFileValuesReadTheSameInAShellAndInDockerEnvFile(String file) throws IOException {
        for (Assignment a : assignments(Path.of(file))) {
            if (a.active()) {
                assertThat(SHELL_SPECIAL.matcher(a.value()).find())
                        .as("%s:%d %s=%s has a character a shell treats specially", file, a.line(), a.name(), a.value())
                        .isFalse();
            }
        }
    }

    @Test
    void theLocalExampleRunsTheLocalStoreWithEveryRequiredSource() throws IOException {
        Map<String, String> active = active(Path.of("config", "local.env"));
        assertThat(active).containsKeys("MONGODB_URI", "MONGODB_DATABASE", "MONGODB_COLLECTIONS")
                .containsEntry("ARCHIVE_STORE", "local");
    }

    @Test
    void theWorkloadIdentityExampleUsesAdlsWithNeitherKeyNorSas() throws IOException {
        Path file = Path.of("config", "adls-workload-identity.env");
        Map<String, String> active = active(file);
        assertThat(active).containsEntry("ARCHIVE_STORE", "adls").containsKey("AZURE_STORAGE_ACCOUNT_NAME");
        assertThat(assignments(file)).extracting(Assignment::name)
                .doesNotContain("AZURE_STORAGE_ACCOUNT_KEY", "AZURE_STORAGE_SAS_TOKEN");
        // Secrets come from a secret store, never from an example file.
        for (Setting setting : Setting.values()) {
            if (setting.secret()) {
                assertThat(active).doesNotContainKey(setting.name());
            }
        }
    }

    @Test
    void theChartCanSetEverySetting() {
        Set<String> emitted = new TreeSet<>();
        List<Rendered> renderings = List.of(
                HelmChart.render(Map.of("mongodb.database", "shop", "mongodb.collections[0]", "orders",
                        "archive.prefix", "p")),
                HelmChart.render(HelmChart.EVERYTHING_ON),
                HelmChart.render(List.of(HelmChart.EVERYTHING_ON), Map.of(
                        "archive.adls.sasToken.existingSecret", "",
                        "archive.adls.accountKey.existingSecret", "adls-key")));
        for (Rendered rendered : renderings) {
            emitted.addAll(rendered.settings().keySet());
            emitted.addAll(rendered.env().keySet());
        }
        Set<String> all = Arrays.stream(Setting.values()).map(Setting::name).collect(Collectors.toCollection(TreeSet::new));
        assertThat(emitted).containsAll(all);
        // Only canonical names, never the predecessor's aliases; JAVA_TOOL_OPTIONS is the test's extraEnv.
        emitted.remove("JAVA_TOOL_OPTIONS");
        assertThat(all).containsAll(emitted);
    }

    @Test
    void theServiceAcceptsTheConfigurationEveryRenderingGivesIt() {
        List<Rendered> renderings = List.of(
                HelmChart.render(Map.of("mongodb.database", "shop", "mongodb.collections[0]", "orders")),
                HelmChart.render(HelmChart.EVERYTHING_ON),
                HelmChart.render(List.of(HelmChart.EVERYTHING_ON), Map.of(
                        "archive.adls.sasToken.existingSecret", "",
                        "archive.adls.accountKey.existingSecret", "adls-key")),
                HelmChart.render(HelmChart.PRODUCTION));
        for (Rendered rendered : renderings) {
            Map<String, String> env = new LinkedHashMap<>(rendered.settings());
            rendered.env().forEach((name, entry) -> env.put(name, entry.containsKey("value")
                    ? String.valueOf(entry.get("value"))
                    : sampleValueFromOutside(name)));
            assertThatCode(() -> ConfigLoader.load(env)).as("environment %s", env.keySet()).doesNotThrowAnyException();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"config/local.env", "config/adls-workload-identity.env"})
    void theServiceAcceptsTheExampleEnvFiles(String file) throws IOException {
        Map<String, String> env = active(Path.of(file));
        // The workload-identity example leaves the source URI to a secret store.
        env.putIfAbsent("MONGODB_URI", sampleValueFromOutside("MONGODB_URI"));
        assertThatCode(() -> ConfigLoader.load(env)).doesNotThrowAnyException();
    }

    /** What a Secret or the downward API would supply; values only need to be well-formed. */
    private static String sampleValueFromOutside(String name) {
        return switch (name) {
            case "MONGODB_URI", "TRACKER_URI" -> "mongodb://app:pw@db-0.example:27017/?replicaSet=rs0";
            case "AZURE_STORAGE_ACCOUNT_KEY" -> "c2VjcmV0LWFjY291bnQta2V5LWZvci10ZXN0cw==";
            case "AZURE_STORAGE_SAS_TOKEN" -> "sv=2022-11-02&ss=b&srt=co&sp=rwlac&se=2030-01-01T00:00:00Z&sig=abc";
            case "ADMIN_TOKEN" -> "0123456789abcdef0123456789abcdef";
            case "INSTANCE_ID" -> "arch-changestream-archiver-5d8f9c7b6-x2x4q";
            default -> throw new AssertionError("no sample value for " + name);
        };
    }

    @Test
    void theChartsDefaultsAreTheServicesDefaults() {
        Map<String, String> settings = HelmChart.render().settings();
        for (Map.Entry<String, String> entry : settings.entrySet()) {
            Setting setting = Setting.valueOf(entry.getKey());
            if (setting == Setting.MONGODB_DATABASE || setting == Setting.MONGODB_COLLECTIONS) {
                continue; // required: no default; the test renderings fill them in (HelmChart.REQUIRED)
            }
            if (setting == Setting.ARCHIVE_LOCAL_DIR) {
                // ./archive resolved against the image's working directory /app: the same folder, as a mount path.
                assertThat(entry.getValue()).isEqualTo("/app/archive");
                assertThat(setting.defaultValue()).contains("./archive");
                continue;
            }
            assertThat(setting.defaultValue()).as(setting.name()).contains(entry.getValue());
        }
        // Settings without a default are not invented by the chart.
        assertThat(settings).doesNotContainKeys("TRACKER_DATABASE", "AZURE_STORAGE_ACCOUNT_NAME",
                "AZURE_STORAGE_ENDPOINT");
    }

    @Test
    void valuesYamlDocumentsEverySetting() throws IOException {
        String values = Files.readString(HelmChart.DIR.resolve("values.yaml"));
        for (Setting setting : Setting.values()) {
            assertThat(values).as("values.yaml mentions %s", setting.name()).contains(setting.name());
        }
    }

    @Test
    void everyValueInValuesYamlHasAComment() throws IOException {
        List<String> lines = Files.readAllLines(HelmChart.DIR.resolve("values.yaml"));
        // A leaf: a key with a value on its line. Keys that only open a block are documented by their leaves.
        Pattern leaf = Pattern.compile("^(\\s*)([A-Za-z][A-Za-z0-9_]*):\\s*\\S.*$");
        List<String> undocumented = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = leaf.matcher(lines.get(i));
            if (m.matches() && !lines.get(i - 1).strip().startsWith("#")
                    && !insideKubernetesObject(lines, i, m.group(1).length())) {
                undocumented.add((i + 1) + ": " + lines.get(i).strip());
            }
        }
        assertThat(undocumented).isEmpty();
    }

    /**
     * True when the line lies inside a block that is a Kubernetes object passed through as a whole (resources,
     * security contexts, a volume source, label maps, probe timings), documented by the comment above the block.
     */
    private static boolean insideKubernetesObject(List<String> lines, int index, int indent) {
        Set<String> objects = Set.of("resources", "podSecurityContext", "containerSecurityContext", "volume",
                "labels", "liveness", "readiness", "startup");
        int wanted = indent;
        for (int j = index - 1; j >= 0 && wanted > 0; j--) {
            String line = lines.get(j);
            if (line.isBlank() || line.strip().startsWith("#") || line.strip().startsWith("-")) {
                continue;
            }
            int lineIndent = line.length() - line.stripLeading().length();
            if (lineIndent < wanted) {
                if (objects.contains(line.strip().replaceFirst(":.*", ""))) {
                    return true;
                }
                wanted = lineIndent;
            }
        }
        return false;
    }

    private record Assignment(int line, String name, String value, boolean active) {
    }

    private static List<Assignment> assignments(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Assignment> result = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher m = ASSIGNMENT.matcher(lines.get(i).strip());
            if (m.matches()) {
                result.add(new Assignment(i + 1, m.group(2), m.group(3), m.group(1) == null));
            }
        }
        return result;
    }

    private static Map<String, String> active(Path file) throws IOException {
        Map<String, String> active = new LinkedHashMap<>();
        for (Assignment a : assignments(file)) {
            if (a.active()) {
                assertThat(active.put(a.name(), a.value())).as("%s set twice in %s", a.name(), file).isNull();
            }
        }
        return active;
    }
}
