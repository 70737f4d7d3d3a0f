package io.changestream.archiver.config;

import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A configuration value that must never be printed: a key, a SAS token, an admin token, or a connection
 * string that may carry a password. {@link #toString()} masks it, so passing a {@code Secret} to a logger or
 * into an exception message is safe by construction; {@link #reveal()} is the one way to the real value.
 *
 * <p>{@link #maskUri} is the one masking function for text that may quote a URI or a query string: configuration
 * problems, usage errors, command failures, HTTP error bodies, store errors and every log line pass through it.
 * Two rules, both written to over-mask rather than leak:
 * <ul>
 *   <li><b>User info.</b> A password may hold an unencoded {@code @ : / ? #} or {@code %} (the driver refuses such a
 *       URI, and the refusal is printed), so the user info of {@code scheme://…} ends at the <em>last</em>
 *       {@code @} of the URI, not the first: everything from {@code ://} to there becomes {@code ****}. In free text
 *       a URI runs to the next white space; a {@code Secret} is one URI as a whole.</li>
 *   <li><b>Query parameters.</b> The value of any {@code key=value} pair (the key a whole word of letters, digits,
 *       {@code _ . -}) whose key looks secret becomes {@code ****}, up to the next {@code & ;} or white space: SAS
 *       fields ({@code sig sv se st sp sr srt ss spr sip skoid sktid skt ske sks skv saoid suoid scid sdd}), {@code code},
 *       {@code signature}, {@code authMechanismProperties}, and any key containing {@code token}, {@code secret},
 *       {@code password}, {@code passwd}, {@code pwd}, {@code key}, {@code sig}, {@code credential} or
 *       {@code sas} (so {@code access_token}, {@code accountkey}, {@code sharedaccesssignature} too).</li>
 * </ul>
 */
public final class Secret {
    private static final String MASK = "****";
    private static final Pattern SCHEME = Pattern.compile("(?<![A-Za-z0-9+.\\-])[A-Za-z][A-Za-z0-9+.\\-]*://");
    private static final Pattern PARAMETER = Pattern.compile(
            "(?<![A-Za-z0-9_.\\-])(?<key>[A-Za-z0-9_.\\-]+)=(?<value>[^&;\\s]*)");
    private static final Set<String> SECRET_KEYS = Set.of("sig", "signature", "sv", "se", "st", "sp", "sr", "srt",
            "ss", "spr", "sip", "skoid", "sktid", "skt", "ske", "sks", "skv", "saoid", "suoid", "scid", "sdd", "code",
            "authmechanismproperties");
    private static final Pattern SECRET_KEY_PART = Pattern.compile(
            "token|secret|password|passwd|pwd|key|sig|credential|sas");

    private final String value;

    public Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    public String reveal() {
        return value;
    }

    /**
     * The value with credentials removed: a URI keeps its shape with its user info and secret query parameters
     * as {@code ****} (the whole value is one URI, white space and all); anything else is {@code ****}.
     */
    @Override
    public String toString() {
        Matcher scheme = SCHEME.matcher(value);
        if (!scheme.lookingAt()) {
            return MASK;
        }
        return maskParameters(maskUserInfo(value, scheme.end(), value.length()));
    }

    /**
     * Masks the user info of every URI ({@code scheme://user:password@host}, up to the last {@code @} before the
     * next white space) and the values of secret-looking query parameters, anywhere in the text.
     */
    public static String maskUri(String text) {
        if (text == null) {
            return null;
        }
        StringBuilder out = new StringBuilder(text.length());
        Matcher scheme = SCHEME.matcher(text);
        int copied = 0;
        while (scheme.find(copied)) {
            int start = scheme.end();
            int end = start;
            while (end < text.length() && !Character.isWhitespace(text.charAt(end))) {
                end++;
            }
            out.append(text, copied, scheme.start());
            out.append(maskUserInfo(text.substring(scheme.start(), end), start - scheme.start(), end - scheme.start()));
            copied = end;
            if (copied >= text.length()) {
                break;
            }
        }
        out.append(text, copied, text.length());
        return maskParameters(out.toString());
    }

    /** {@code uri} with everything from {@code authority} (just after {@code ://}) to its last {@code @} masked. */
    private static String maskUserInfo(String uri, int authority, int end) {
        int at = uri.lastIndexOf('@', end - 1);
        if (at < authority) {
            return uri;
        }
        return uri.substring(0, authority) + MASK + uri.substring(at);
    }

    private static String maskParameters(String text) {
        if (text.indexOf('=') < 0) {
            return text;
        }
        Matcher m = PARAMETER.matcher(text);
        StringBuilder out = new StringBuilder(text.length());
        while (m.find()) {
            String key = m.group("key");
            String replacement = isSecretKey(key) && !m.group("value").equals(MASK)
                    ? key + "=" + MASK : m.group();
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private static boolean isSecretKey(String key) {
        String lower = key.toLowerCase(Locale.ROOT);
        return SECRET_KEYS.contains(lower) || SECRET_KEY_PART.matcher(lower).find();
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
