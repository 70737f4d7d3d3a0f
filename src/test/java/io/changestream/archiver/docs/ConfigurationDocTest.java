package io.changestream.archiver.docs;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.config.Setting;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The variable tables of {@code docs/configuration.md} and {@code README.md} against {@link Setting}, the one
 * definition of the configuration: same variables, same aliases, same defaults, so the documentation cannot drift
 * from the code.
 *
 * <p>How a default cell is read: a setting with a default shows it as one code span ({@code `1000`}), or the word
 * {@code empty} for the empty string. A setting without one (required, optional, or derived at start) shows prose
 * ({@code required}, {@code host name}); a single code span is allowed there only when it names another setting
 * ({@code `MONGODB_DATABASE`}) or holds a placeholder ({@code `https://<account>.dfs.core.windows.net`}), since
 * anything else would read as a default the code does not have.
 */
class ConfigurationDocTest {

    private static final Path GUIDE = Path.of("docs", "configuration.md");
    private static final Pattern HEADER = Pattern.compile("^\\|\\s*variable\\s*\\|\\s*alias\\s*\\|\\s*default\\s*\\|.*");
    private static final Pattern CODE_SPAN = Pattern.compile("^`([^`]*)`$");

    @ParameterizedTest
    @ValueSource(strings = {"docs/configuration.md", "README.md"})
    void theTableListsEverySettingExactlyOnceAndNothingElse(String file) throws IOException {
        List<Row> rows = variableTable(Path.of(file));
        List<String> names = rows.stream().map(Row::variable).toList();
        assertThat(names).as("variables of %s", file).doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(Arrays.stream(Setting.values()).map(Setting::name).toList());
    }

    @ParameterizedTest
    @ValueSource(strings = {"docs/configuration.md", "README.md"})
    void everyAliasIsTheCodesAlias(String file) throws IOException {
        for (Row row : variableTable(Path.of(file))) {
            Setting setting = Setting.valueOf(row.variable());
            String expected = setting.alias().map(a -> "`" + a + "`").orElse("");
            assertThat(row.alias()).as("alias of %s in %s", row.variable(), file).isEqualTo(expected);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"docs/configuration.md", "README.md"})
    void everyDefaultIsTheCodesDefault(String file) throws IOException {
        Set<String> settingNames = Arrays.stream(Setting.values()).map(Setting::name).collect(Collectors.toSet());
        for (Row row : variableTable(Path.of(file))) {
            Setting setting = Setting.valueOf(row.variable());
            String cell = row.defaultValue();
            if (setting.defaultValue().isPresent()) {
                String value = setting.defaultValue().get();
                String expected = value.isEmpty() ? "empty" : "`" + value + "`";
                assertThat(cell).as("default of %s in %s", row.variable(), file).isEqualTo(expected);
            } else {
                assertThat(cell).as("%s has no default in the code, so %s must not show one", row.variable(), file)
                        .isNotEqualTo("empty");
                Matcher code = CODE_SPAN.matcher(cell);
                if (code.matches()) {
                    String inside = code.group(1);
                    assertThat(settingNames.contains(inside) || inside.contains("<"))
                            .as("%s has no default in the code, but %s shows %s", row.variable(), file, cell)
                            .isTrue();
                }
            }
        }
    }

    @Test
    void theGuideMarksExactlyTheSecretSettingsAndGivesEveryVariableAMeaning() throws IOException {
        for (Row row : variableTable(GUIDE)) {
            Setting setting = Setting.valueOf(row.variable());
            assertThat(row.cells().get("secret")).as("secret column of %s", row.variable())
                    .isEqualTo(setting.secret() ? "yes" : "");
            assertThat(row.cells().get("meaning")).as("meaning of %s", row.variable()).isNotBlank();
        }
    }

    /**
     * The Validation section says what {@code ConfigLoader} accepts for every variable: each one is in the rules
     * table (headed {@code | variable | accepted |}) or named in the sentence that lists what is taken as given.
     */
    @Test
    void theValidationSectionCoversEveryVariable() throws IOException {
        List<String> lines = Files.readAllLines(GUIDE);
        Set<String> covered = new java.util.TreeSet<>();
        Pattern name = Pattern.compile("`([A-Z_]+)`");
        boolean inRules = false;
        for (String line : lines) {
            String row = line.strip();
            if (row.matches("\\|\\s*variable\\s*\\|\\s*accepted\\s*\\|")) {
                inRules = true;
            } else if (inRules && row.startsWith("|")) {
                Matcher m = name.matcher(cells(row).get(0));
                while (m.find()) {
                    covered.add(m.group(1));
                }
            } else if (inRules) {
                inRules = false;
            }
            if (row.contains("is taken as given") || row.contains("are taken as given")) {
                Matcher m = name.matcher(row);
                while (m.find()) {
                    covered.add(m.group(1));
                }
            }
        }
        assertThat(covered).as("variables with a rule (or taken as given) in the Validation section of %s", GUIDE)
                .containsAll(Arrays.stream(Setting.values()).map(Setting::name).toList());
    }

    /**
     * Every numeric rule of the Validation section ({@code whole number, MIN to MAX}) is the range its
     * {@link Setting} defines, and every setting with a range has such a rule: the limits an operator reads are the
     * limits {@code ConfigLoader} applies.
     */
    @Test
    void everyDocumentedRangeIsTheSettingsRange() throws IOException {
        Pattern range = Pattern.compile("^whole number, (-?[0-9]+)(?: \\([^)]*\\))? to (-?[0-9]+)\\b.*");
        Pattern name = Pattern.compile("`([A-Z_]+)`");
        Map<Setting, Setting.Range> documented = new LinkedHashMap<>();
        for (List<String> rule : rulesTable()) {
            Matcher m = range.matcher(rule.get(1));
            Matcher names = name.matcher(rule.get(0));
            while (names.find()) {
                Setting setting = Setting.valueOf(names.group(1));
                if (m.matches()) {
                    documented.put(setting, new Setting.Range(Long.parseLong(m.group(1)), Long.parseLong(m.group(2))));
                } else {
                    assertThat(setting.range()).as("%s has a range in Setting, but the rules table says: %s",
                            setting, rule.get(1)).isEmpty();
                }
            }
        }
        for (Setting setting : Setting.values()) {
            assertThat(Optional.ofNullable(documented.get(setting))).as("range of %s in the rules table of %s",
                    setting, GUIDE).isEqualTo(setting.range());
        }
    }

    /** The rows of the rules table (headed {@code | variable | accepted |}), as cells. */
    private static List<List<String>> rulesTable() throws IOException {
        List<List<String>> rows = new ArrayList<>();
        boolean inRules = false;
        for (String line : Files.readAllLines(GUIDE)) {
            String row = line.strip();
            if (row.matches("\\|\\s*variable\\s*\\|\\s*accepted\\s*\\|")) {
                inRules = true;
            } else if (inRules && row.startsWith("|")) {
                if (!row.matches("\\|[-:| ]+\\|")) {
                    rows.add(cells(row));
                }
            } else if (inRules) {
                break;
            }
        }
        assertThat(rows).as("rows of the rules table of %s", GUIDE).isNotEmpty();
        return rows;
    }

    // --- the table ------------------------------------------------------------------------------------------------

    /** One row of the variable table; {@code cells} by header name, trimmed. */
    record Row(String variable, String alias, String defaultValue, Map<String, String> cells) {
    }

    /** The one table whose header starts {@code | variable | alias | default |}. */
    static List<Row> variableTable(Path file) throws IOException {
        List<String> lines = Files.readAllLines(file);
        List<Integer> headers = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (HEADER.matcher(lines.get(i).strip()).matches()) {
                headers.add(i);
            }
        }
        assertThat(headers).as("tables headed | variable | alias | default | in %s", file).hasSize(1);
        int header = headers.get(0);
        List<String> columns = cells(lines.get(header));
        assertThat(lines.get(header + 1).strip()).as("separator row of the table in %s", file).matches("\\|[-:| ]+\\|");
        List<Row> rows = new ArrayList<>();
        for (int i = header + 2; i < lines.size() && lines.get(i).strip().startsWith("|"); i++) {
            List<String> values = cells(lines.get(i));
            assertThat(values).as("cells of line %d of %s", i + 1, file).hasSameSizeAs(columns);
            Map<String, String> byColumn = new LinkedHashMap<>();
            for (int c = 0; c < columns.size(); c++) {
                byColumn.put(columns.get(c), values.get(c));
            }
            Matcher name = CODE_SPAN.matcher(byColumn.get("variable"));
            assertThat(name.matches()).as("line %d of %s names one variable as `NAME`: %s", i + 1, file,
                    byColumn.get("variable")).isTrue();
            rows.add(new Row(name.group(1), byColumn.get("alias"), byColumn.get("default"), byColumn));
        }
        return rows;
    }

    /** The cells of a Markdown table row; {@code \|} is a literal bar inside a cell. */
    private static List<String> cells(String line) {
        String row = line.strip();
        row = row.substring(1, row.endsWith("|") && !row.endsWith("\\|") ? row.length() - 1 : row.length());
        List<String> out = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        for (int i = 0; i < row.length(); i++) {
            char c = row.charAt(i);
            if (c == '\\' && i + 1 < row.length() && row.charAt(i + 1) == '|') {
                cell.append('|');
                i++;
            } else if (c == '|') {
                out.add(cell.toString().strip());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        out.add(cell.toString().strip());
        return out;
    }
}
