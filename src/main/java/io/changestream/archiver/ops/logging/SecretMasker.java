package io.changestream.archiver.ops.logging;

import com.mongodb.ConnectionString;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.Secret;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;

/**
 * The last line of defence between a secret and a log line: every line the appender writes passes through
 * {@link #mask}, whatever logged it (our code, the MongoDB driver, Netty, an exception message).
 *
 * <p>Two nets. First, the configured secrets themselves (connection-string passwords, raw and percent-encoded,
 * storage key, SAS token, admin token) are replaced wherever they appear, even outside a URI. Second,
 * {@link Secret#maskUri} hides the user info of any URI and secret-looking query parameters, so a URI that was
 * never configured (a server address from an error) is masked too.
 *
 * <p>Values shorter than {@link #MIN_LITERAL_LENGTH} are not replaced as literals: they would blank out ordinary
 * words of the message, and inside a URI the second net hides them anyway.
 */
public final class SecretMasker {
    static final int MIN_LITERAL_LENGTH = 4;
    private static final String MASK = "****";

    private final List<String> literals;

    private SecretMasker(Collection<String> literals) {
        // Longest first, so a secret that contains another one is replaced whole.
        this.literals = literals.stream().filter(s -> s.length() >= MIN_LITERAL_LENGTH).distinct()
                .sorted(Comparator.comparingInt(String::length).reversed()).toList();
    }

    /** A masker for the secrets of this configuration. */
    public static SecretMasker of(ArchiverConfig config) {
        List<Secret> secrets = new ArrayList<>();
        secrets.add(config.source().uri());
        secrets.add(config.tracker().uri());
        config.store().azure().ifPresent(a -> {
            a.accountKey().ifPresent(secrets::add);
            a.sasToken().ifPresent(secrets::add);
        });
        config.ops().adminToken().ifPresent(secrets::add);
        return of(secrets);
    }

    /** A masker for these secrets; for a connection string, its password is the secret. */
    public static SecretMasker of(Collection<Secret> secrets) {
        Set<String> literals = new LinkedHashSet<>();
        for (Secret secret : secrets) {
            String value = secret.reveal();
            if (value.contains("://")) {
                password(value).ifPresent(p -> {
                    literals.add(p);
                    literals.add(URLEncoder.encode(p, StandardCharsets.UTF_8));
                });
            } else {
                literals.add(value);
            }
        }
        return new SecretMasker(literals);
    }

    /** Masks no literal; URIs are still masked. */
    public static SecretMasker uriOnly() {
        return new SecretMasker(List.of());
    }

    public String mask(String text) {
        String masked = text;
        for (String literal : literals) {
            if (masked.contains(literal)) {
                masked = masked.replace(literal, MASK);
            }
        }
        return masked.contains("=") || masked.contains("://") ? Secret.maskUri(masked) : masked;
    }

    private static Optional<String> password(String uri) {
        try {
            return Stream.ofNullable(new ConnectionString(uri).getPassword()).map(String::new).findFirst();
        } catch (IllegalArgumentException notAMongoUri) {
            return Optional.empty();
        }
    }
}
