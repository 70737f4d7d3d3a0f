package io.changestream.archiver.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.yaml.snakeyaml.Yaml;

/**
 * The chart under {@code helm/changestream-archiver}, linted and rendered in-process with helm-java (Helm's Go
 * code as a native library shipped in the test dependency; no helm binary, no cluster: {@code template} renders
 * client-side, as {@code helm template} does).
 */
final class HelmChart {

    static final Path DIR = Path.of("helm", "changestream-archiver");
    static final String RELEASE = "arch";
    static final String NAMESPACE = "archiving";
    /** The full name templates derive from release "arch" and chart "changestream-archiver". */
    static final String FULLNAME = "arch-changestream-archiver";

    /** A values file that turns every optional part of the chart on. */
    static final Path EVERYTHING_ON = Path.of("src", "test", "resources", "helm", "values-everything-on.yaml");
    static final Path PRODUCTION = Path.of("config", "values-production.yaml");
    /** The values the chart requires; every rendering but {@link #renderBare} starts from it. */
    static final Path REQUIRED = Path.of("src", "test", "resources", "helm", "values-required.yaml");

    private HelmChart() {
    }

    /**
     * {@code helm lint --strict} of the chart with its required values filled in: helm-java's lint takes no values
     * file, so it lints a copy whose values.yaml has them (the chart itself fails without them, by design).
     */
    static LintResult lintStrict() {
        try {
            Path copy = copy();
            Path values = copy.resolve("values.yaml");
            String text = Files.readString(values);
            String filled = text.replace("  database: \"\"\n  # MONGODB_COLLECTIONS", "  database: shop\n  # MONGODB_COLLECTIONS")
                    .replace("  collections: []\n", "  collections: [orders]\n");
            if (filled.equals(text)) {
                throw new AssertionError("values.yaml no longer has the required values where the lint expects them");
            }
            Files.writeString(values, filled);
            return new Helm(copy).lint().strict().call();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A copy of the chart in a new temporary folder. */
    private static Path copy() throws IOException {
        Path copy = Files.createTempDirectory("chart").resolve(DIR.getFileName());
        try (Stream<Path> files = Files.walk(DIR)) {
            for (Path f : files.toList()) {
                Path target = copy.resolve(DIR.relativize(f).toString());
                if (Files.isDirectory(f)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(f, target);
                }
            }
        }
        return copy;
    }

    /**
     * The {@code helm test} hooks (templates/tests), rendered: helm-java's template prints no hooks, so this
     * renders a copy whose test templates lack their {@code helm.sh/hook} annotation lines, with the required values.
     */
    static Rendered renderTestHooks(Map<String, Object> sets) {
        try {
            Path copy = copy();
            Path tests = copy.resolve("templates").resolve("tests");
            try (Stream<Path> files = Files.list(tests)) {
                for (Path f : files.toList()) {
                    Files.writeString(f, Files.readString(f).replaceAll("(?m)^.*helm\\.sh/hook.*\n", ""));
                }
            }
            TemplateCommand template = new Helm(copy).template().withName(RELEASE).withNamespace(NAMESPACE)
                    .withValuesFile(REQUIRED);
            for (Map.Entry<String, Object> set : sets.entrySet()) {
                template = template.set(set.getKey(), set.getValue());
            }
            return Rendered.parse(template.call());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Renders with the given values files (in order) and then the {@code --set} pairs, and parses every document. */
    static Rendered render(List<Path> valuesFiles, Map<String, Object> sets) {
        List<Path> files = new ArrayList<>();
        files.add(REQUIRED);
        files.addAll(valuesFiles);
        return renderBare(files, sets);
    }

    /** Renders without the {@link #REQUIRED} values underneath. */
    static Rendered renderBare(List<Path> valuesFiles, Map<String, Object> sets) {
        TemplateCommand template = new Helm(DIR).template().withName(RELEASE).withNamespace(NAMESPACE);
        for (Path file : valuesFiles) {
            template = template.withValuesFile(file);
        }
        for (Map.Entry<String, Object> set : sets.entrySet()) {
            template = template.set(set.getKey(), set.getValue());
        }
        return Rendered.parse(template.call());
    }

    static Rendered render(Path... valuesFiles) {
        return render(List.of(valuesFiles), Map.of());
    }

    static Rendered render(Map<String, Object> sets) {
        return render(List.of(), sets);
    }

    /** The objects of one rendering, as snakeyaml maps, in the order Helm printed them. */
    record Rendered(String text, List<Map<String, Object>> objects) {

        @SuppressWarnings("unchecked")
        static Rendered parse(String text) {
            List<Map<String, Object>> objects = new ArrayList<>();
            for (Object doc : new Yaml().loadAll(text)) {
                if (doc != null) {
                    objects.add((Map<String, Object>) doc);
                }
            }
            return new Rendered(text, List.copyOf(objects));
        }

        List<String> kinds() {
            return objects.stream().map(o -> (String) o.get("kind")).toList();
        }

        /** The one object of that kind and name; fails when there is none or more than one. */
        Map<String, Object> get(String kind, String name) {
            List<Map<String, Object>> found = objects.stream()
                    .filter(o -> kind.equals(o.get("kind")) && name.equals(Tree.at(o, "metadata.name")))
                    .toList();
            if (found.size() != 1) {
                throw new AssertionError("expected one " + kind + " named " + name + ", found " + found.size()
                        + " among " + kinds());
            }
            return found.get(0);
        }

        Map<String, Object> get(String kind) {
            return get(kind, FULLNAME);
        }

        boolean has(String kind) {
            return objects.stream().anyMatch(o -> kind.equals(o.get("kind")));
        }

        Map<String, Object> deployment() {
            return get("Deployment");
        }

        Map<String, Object> container() {
            return Tree.map(Tree.list(deployment(), "spec.template.spec.containers").get(0));
        }

        Map<String, Object> podSpec() {
            return Tree.map(Tree.at(deployment(), "spec.template.spec"));
        }

        /** The data of the settings ConfigMap. */
        Map<String, String> settings() {
            Map<String, String> data = new LinkedHashMap<>();
            Tree.map(Tree.at(get("ConfigMap"), "data")).forEach((k, v) -> data.put(k, (String) v));
            return data;
        }

        /** The container's env entries by name. */
        Map<String, Map<String, Object>> env() {
            Map<String, Map<String, Object>> env = new LinkedHashMap<>();
            for (Object entry : Tree.list(container(), "env")) {
                Map<String, Object> e = Tree.map(entry);
                env.put((String) e.get("name"), e);
            }
            return env;
        }
    }
}
