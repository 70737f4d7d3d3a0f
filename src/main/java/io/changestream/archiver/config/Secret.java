package io.changestream.archiver.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A configuration value that must never be printed: a key, a SAS token, an admin token, or a connection
 * string that may carry a password. {@link #toString()} masks it, so passing a {@code Secret} to a logger or
 * into an exception message is safe by construction; {@link #reveal()} is the one way to the real value.
 */
public final class Secret {
    private static final Pattern URI_USER_INFO = Pattern.compile("(?<scheme>[a-zA-Z][a-zA-Z0-9+.-]*://)[^@/]*@");
    private static final Pattern QUERY_SECRETS = Pattern.compile(
            "(?i)(?<key>[?&;](?:password|sig|accountkey|secret|token|sharedaccesssignature|key)=)[^&;]*");

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public String reveal() {
        return value;
    }

    /** The value with credentials removed: user info of URIs and secret query parameters become {@code ****}. */
    @Override
    public String toString() {
        return value.contains("://") ? maskUri(value) : "****";
    }

    /** Masks user info ({@code user:password@}) and secret-looking query parameters in any text. */
    public static String maskUri(String text) {
        String masked = URI_USER_INFO.matcher(text).replaceAll("${scheme}****@");
        return QUERY_SECRETS.matcher(masked).replaceAll("${key}****");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret other && other.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
