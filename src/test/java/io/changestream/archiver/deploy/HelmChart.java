package io.changestream.archiver.deploy;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import com.marcnuri.helm.TemplateCommand;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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

    private HelmChart() {
    }

    static LintResult lintStrict() {
        return new Helm(DIR).lint().strict().call();
    }

    /** Renders with the given values files (in order) and then the {@code --set} pairs, and parses every document. */
    static Rendered render(List<Path> valuesFiles, Map<String, Object> sets) {
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
