package io.changestream.archiver.config;

import java.util.List;
import java.util.stream.Collectors;

/** Configuration was refused. Carries every problem found, each already free of secrets. */
public final class ConfigException extends RuntimeException {
    private final List<Problem> problems;

    public ConfigException(List<Problem> problems) {
        super(problems.stream().map(Problem::toString).collect(Collectors.joining("\n  ",
                "invalid configuration (" + problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + "):\n  ",
                "")));
        this.problems = List.copyOf(problems);
    }

    public List<Problem> problems() {
        return problems;
    }

    /**
     * One thing wrong with one variable.
     *
     * @param variable the variable as the user wrote it (an alias stays an alias)
     * @param value    the value as given, already masked when secret; null when unset
     * @param allowed  what would be accepted
     */
    public record Problem(String variable, String value, String allowed) {
        @Override
        public String toString() {
            return variable + (value == null ? " is not set" : "=" + value + " is invalid") + ": " + allowed;
        }
    }
}
