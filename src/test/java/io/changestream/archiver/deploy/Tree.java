package io.changestream.archiver.deploy;

import java.util.List;
import java.util.Map;

/** Navigation in parsed YAML/JSON trees by dotted paths ({@code spec.template.spec}); test helper. */
final class Tree {

    private Tree() {
    }

    /** The value at the dotted path, or null when a step is missing. */
    static Object at(Object root, String path) {
        Object node = root;
        for (String step : path.split("\\.")) {
            if (!(node instanceof Map<?, ?> map)) {
                return null;
            }
            node = map.get(step);
        }
        return node;
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object node) {
        if (!(node instanceof Map<?, ?>)) {
            throw new AssertionError("expected a mapping, got " + node);
        }
        return (Map<String, Object>) node;
    }

    static Map<String, Object> map(Object root, String path) {
        return map(at(root, path));
    }

    static List<Object> list(Object root, String path) {
        Object node = at(root, path);
        if (!(node instanceof List<?>)) {
            throw new AssertionError("expected a list at " + path + ", got " + node);
        }
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) node;
        return list;
    }
}
