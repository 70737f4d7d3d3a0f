package io.changestream.archiver.ops.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A pure-Java stand-in for {@code promtool check metrics} (client_golang's promlint), so the build needs no Go tool:
 * the rules promlint applies to a text exposition, plus the structural checks its parser makes. Each problem names
 * the metric family and the rule, as promtool prints them.
 *
 * <p>Rules: legal snake_case names without {@code :} (reserved for recording rules); one HELP and one TYPE per family,
 * before its samples, and its samples together; HELP text present; counters end in {@code _total} and nothing else
 * does; only histograms and summaries end in {@code _count}, {@code _sum}, {@code _bucket}; no type name in a
 * metric name; no abbreviated units ({@code _ms}, {@code _ns}, {@code _s}…); base units only ({@code _seconds},
 * not {@code _milliseconds} or {@code _minutes}; {@code _bytes}, not {@code _kilobytes} or {@code _bits}); and,
 * beyond promlint, a time-like name (lag, duration, timestamp, time) ends in {@code _seconds}.
 */
final class ExpositionLint {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{.*})?\\s+\\S+(\\s+\\S+)?$");
    private static final List<String> ABBREVIATIONS = List.of("s", "ms", "us", "ns", "sec", "b", "kb", "mb", "gb",
            "tb", "pb", "m", "h", "d");
    private static final List<String> TYPE_NAMES = List.of("counter", "gauge", "histogram", "summary", "untyped");
    /** promlint's units: each maps to its base unit. */
    private static final Map<String, String> UNITS = Map.ofEntries(Map.entry("amperes", "amperes"),
            Map.entry("bytes", "bytes"), Map.entry("celsius", "celsius"), Map.entry("grams", "grams"),
            Map.entry("joules", "joules"), Map.entry("kelvin", "kelvin"), Map.entry("meters", "meters"),
            Map.entry("metres", "metres"), Map.entry("seconds", "seconds"), Map.entry("volts", "volts"),
            Map.entry("minutes", "seconds"), Map.entry("hours", "seconds"), Map.entry("days", "seconds"),
            Map.entry("weeks", "seconds"), Map.entry("kelvins", "kelvin"), Map.entry("fahrenheit", "celsius"),
            Map.entry("rankine", "celsius"), Map.entry("inches", "meters"), Map.entry("yards", "meters"),
            Map.entry("miles", "meters"), Map.entry("bits", "bytes"), Map.entry("calories", "joules"),
            Map.entry("pounds", "grams"), Map.entry("ounces", "grams"));
    private static final List<String> PREFIXES = List.of("pico", "nano", "micro", "milli", "centi", "deci", "deca",
            "hecto", "kilo", "kibi", "mega", "mibi", "giga", "gibi", "tera", "tebi", "peta", "pebi");
    private static final Pattern TIME_LIKE = Pattern.compile("_(lag|duration|timestamp|time)(_|$)");

    private ExpositionLint() {
    }

    /** Every problem of the exposition, as "family: problem"; empty when it is clean. */
    static List<String> problems(String exposition) {
        List<String> problems = new ArrayList<>();
        Map<String, String> types = new HashMap<>();
        Set<String> helped = new HashSet<>();
        Set<String> closed = new HashSet<>();
        String current = null;
        for (String line : exposition.split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) {
                String[] parts = line.split(" ", 4);
                String family = parts[2];
                if (!family.equals(current)) {
                    if (current != null) {
                        closed.add(current);
                    }
                    current = family;
                }
                if (closed.contains(family)) {
                    problems.add(family + ": metadata after the family was closed by another one");
                }
                if (line.startsWith("# HELP ")) {
                    if (!helped.add(family)) {
                        problems.add(family + ": second HELP line");
                    }
                    if (parts.length < 4 || parts[3].isBlank()) {
                        problems.add(family + ": no help text");
                    }
                } else if (types.put(family, parts.length < 4 ? "" : parts[3].trim()) != null) {
                    problems.add(family + ": second TYPE line");
                }
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) {
                problems.add("unparseable sample line: " + line);
                continue;
            }
            String family = familyOf(m.group(1), types);
            if (!family.equals(current)) {
                if (current != null) {
                    closed.add(current);
                }
                if (closed.contains(family)) {
                    problems.add(family + ": samples not grouped with their family");
                }
                current = family;
            }
        }
        types.forEach((family, type) -> problems.addAll(nameProblems(family, type)));
        types.keySet().stream().filter(f -> !helped.contains(f)).forEach(f -> problems.add(f + ": no help text"));
        return problems;
    }

    /** The family a sample belongs to: histogram and summary samples add suffixes to its name. */
    private static String familyOf(String sample, Map<String, String> types) {
        if (types.containsKey(sample)) {
            return sample;
        }
        for (String suffix : List.of("_bucket", "_count", "_sum")) {
            if (sample.endsWith(suffix)) {
                String base = sample.substring(0, sample.length() - suffix.length());
                String type = types.get(base);
                if ("histogram".equals(type) || "summary".equals(type)) {
                    return base;
                }
            }
        }
        return sample;
    }

    static List<String> nameProblems(String name, String type) {
        List<String> problems = new ArrayList<>();
        String p = name + ": ";
        if (!NAME.matcher(name).matches()) {
            problems.add(p + "invalid metric name");
        }
        if (!name.equals(name.toLowerCase(java.util.Locale.ROOT))) {
            problems.add(p + "metric names should be written in 'snake_case' not 'camelCase'");
        }
        if (name.contains(":")) {
            problems.add(p + "metric names should not contain ':'");
        }
        boolean histogramLike = type.equals("histogram") || type.equals("summary");
        if (type.equals("counter") && !name.endsWith("_total")) {
            problems.add(p + "counter metrics should have \"_total\" suffix");
        }
        if (!type.equals("counter") && name.endsWith("_total")) {
            problems.add(p + "non-counter metrics should not have \"_total\" suffix");
        }
        if (!histogramLike && (name.endsWith("_count") || name.endsWith("_sum") || name.endsWith("_bucket"))) {
            problems.add(p + "non-histogram and non-summary metrics should not have \"_count\", \"_sum\" or "
                    + "\"_bucket\" suffix");
        }
        for (String t : TYPE_NAMES) {
            if (name.contains("_" + t + "_") || name.endsWith("_" + t)) {
                problems.add(p + "metric name should not include type '" + t + "'");
            }
        }
        String lower = name.toLowerCase(java.util.Locale.ROOT);
        for (String a : ABBREVIATIONS) {
            if (lower.contains("_" + a + "_") || lower.endsWith("_" + a)) {
                problems.add(p + "metric names should not contain abbreviated units");
            }
        }
        for (String part : lower.split("_")) {
            for (Map.Entry<String, String> unit : UNITS.entrySet()) {
                if (!part.endsWith(unit.getKey())) {
                    continue;
                }
                String prefix = part.substring(0, part.length() - unit.getKey().length());
                if (!unit.getKey().equals(unit.getValue()) && prefix.isEmpty()) {
                    problems.add(p + "use base unit \"" + unit.getValue() + "\" instead of \"" + unit.getKey() + "\"");
                } else if (PREFIXES.contains(prefix)) {
                    problems.add(p + "use base unit \"" + unit.getValue() + "\" instead of \"" + part + "\"");
                }
            }
        }
        String unsuffixed = lower.replaceFirst("_(total|max)$", "");
        if (TIME_LIKE.matcher(lower).find() && !unsuffixed.endsWith("_seconds")) {
            problems.add(p + "a time or duration should be in seconds and say so (\"_seconds\")");
        }
        return problems;
    }
}
