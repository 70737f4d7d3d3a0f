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
     * One thing wrong with one variable. Value and allowed text pass through {@link Secret#maskUri} here as well,
     * so a value that is not marked secret (an endpoint with a SAS query, a prefix that holds a token) is masked too.
     *
     * @param variable the variable as the user wrote it (an alias stays an alias)
     * @param value    the value as given, already masked when secret; null when unset, empty when set but blank
     * @param allowed  what would be accepted
     */
    public record Problem(String variable, String value, String allowed) {
        public Problem {
            value = Secret.maskUri(value);
            allowed = Secret.maskUri(allowed);
        }

        @Override
        public String toString() {
            String given = value == null ? " is not set"
                    : value.isEmpty() ? " is set but blank" : "=" + value + " is invalid";
            return variable + given + ": " + allowed;
        }
    }
}
