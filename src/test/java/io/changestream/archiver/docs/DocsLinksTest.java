package io.changestream.archiver.docs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The documentation's links hold: every runbook anchor the Helm chart's alerts point at is a section of
 * {@code docs/operations.md}, and every relative link in {@code README.md} and {@code docs/*.md} reaches an
 * existing file and, when it names one, an existing section. Section anchors are computed as GitHub renders
 * headings (lower case, punctuation dropped, spaces to hyphens, {@code -1}, {@code -2} … for repeats).
 */
class DocsLinksTest {

    private static final Path OPERATIONS = Path.of("docs", "operations.md");
    private static final Path ALERTS = Path.of("helm", "changestream-archiver", "templates", "prometheusrule.yaml");
    private static final Pattern RUNBOOK_ANCHOR = Pattern.compile("printf \"%s#([a-z0-9-]+)\"");
    private static final Pattern ALERT_NAME = Pattern.compile("^\\s*- alert: (\\w+)\\s*$", Pattern.MULTILINE);
    private static final Pattern HEADING = Pattern.compile("^#{1,6}\\s+(.+?)\\s*#*\\s*$");
    private static final Pattern LINK = Pattern.compile("\\[[^\\]]*\\]\\(([^)\\s]+)\\)");

    @Test
    void everyRunbookAnchorOfTheChartsAlertsIsASectionOfTheOperationsGuide() throws IOException {
        String rule = Files.readString(ALERTS);
        Set<String> anchors = new LinkedHashSet<>();
        RUNBOOK_ANCHOR.matcher(rule).results().forEach(m -> anchors.add(m.group(1)));
        assertThat(anchors).as("runbook anchors in %s", ALERTS).hasSizeGreaterThanOrEqualTo(6);
        assertThat(anchors(OPERATIONS)).containsAll(anchors);
    }

    @Test
    void theOperationsGuideNamesEveryAlertOfTheChart() throws IOException {
        String guide = Files.readString(OPERATIONS);
        List<String> alerts = ALERT_NAME.matcher(Files.readString(ALERTS)).results().map(m -> m.group(1)).toList();
        assertThat(alerts).isNotEmpty();
        for (String alert : alerts) {
            assertThat(guide).as("operations.md mentions %s", alert).contains("`" + alert + "`");
        }
    }

    @Test
    void everyRelativeLinkOfTheDocsReachesAFileAndSection() throws IOException {
        List<Path> pages = new ArrayList<>(List.of(Path.of("README.md")));
        try (Stream<Path> docs = Files.list(Path.of("docs"))) {
            docs.filter(p -> p.toString().endsWith(".md")).sorted().forEach(pages::add);
        }
        Map<Path, Set<String>> anchorsByPage = new HashMap<>();
        List<String> broken = new ArrayList<>();
        for (Path page : pages) {
            for (String target : links(page)) {
                if (target.matches("^[a-z]+:.*")) {
                    continue; // http(s), mailto: not ours to check offline
                }
                int hash = target.indexOf('#');
                String file = hash < 0 ? target : target.substring(0, hash);
                String anchor = hash < 0 ? null : target.substring(hash + 1);
                Path resolved = file.isEmpty() ? page : page.resolveSibling(file).normalize();
                if (!Files.exists(resolved)) {
                    broken.add(page + " -> " + target + " (no such file)");
                    continue;
                }
                if (anchor != null && resolved.toString().endsWith(".md")
                        && !anchorsByPage.computeIfAbsent(resolved, DocsLinksTest::anchorsUnchecked).contains(anchor)) {
                    broken.add(page + " -> " + target + " (no such section)");
                }
            }
        }
        assertThat(broken).isEmpty();
    }

    /** Link targets outside fenced code blocks. */
    private static List<String> links(Path page) throws IOException {
        List<String> targets = new ArrayList<>();
        for (String line : prose(page)) {
            Matcher m = LINK.matcher(line);
            while (m.find()) {
                targets.add(m.group(1));
            }
        }
        return targets;
    }

    private static Set<String> anchorsUnchecked(Path page) {
        try {
            return anchors(page);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** The anchors GitHub gives the headings of a page. */
    static Set<String> anchors(Path page) throws IOException {
        Set<String> anchors = new LinkedHashSet<>();
        Map<String, Integer> seen = new HashMap<>();
        for (String line : prose(page)) {
            Matcher m = HEADING.matcher(line);
            if (m.matches()) {
                String slug = slug(m.group(1));
                int n = seen.merge(slug, 1, Integer::sum) - 1;
                anchors.add(n == 0 ? slug : slug + "-" + n);
            }
        }
        return anchors;
    }

    static String slug(String heading) {
        String text = heading.replaceAll("\\[([^\\]]*)\\]\\([^)]*\\)", "$1").toLowerCase(Locale.ROOT);
        StringBuilder out = new StringBuilder();
        text.codePoints().forEach(c -> {
            if (Character.isLetterOrDigit(c) || c == '-' || c == '_') {
                out.appendCodePoint(c);
            } else if (c == ' ') {
                out.append('-');
            }
        });
        return out.toString();
    }

    /** The lines of a page outside fenced code blocks. */
    private static List<String> prose(Path page) throws IOException {
        List<String> lines = new ArrayList<>();
        boolean fenced = false;
        for (String line : Files.readAllLines(page)) {
            if (line.strip().startsWith("```")) {
                fenced = !fenced;
                continue;
            }
            if (!fenced) {
                lines.add(line);
            }
        }
        return lines;
    }
}
