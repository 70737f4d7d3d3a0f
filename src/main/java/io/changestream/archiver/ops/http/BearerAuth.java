package io.changestream.archiver.ops.http;

import io.changestream.archiver.config.Secret;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Locale;
import java.util.Optional;

/**
 * {@code ADMIN_TOKEN} for the POST endpoints: {@code Authorization: Bearer <token>} (RFC 6750; the scheme is
 * case-insensitive). Without a configured token, everything is permitted.
 *
 * <p>Timing: the presented and the configured token are both hashed with SHA-256 and the digests compared with
 * {@link MessageDigest#isEqual}, which takes the same time whatever bytes differ; hashing first also hides the
 * token's length, which comparing the raw values would leak.
 */
final class BearerAuth {
    private static final String SCHEME = "bearer ";

    private final Optional<byte[]> expected;

    BearerAuth(Optional<Secret> token) {
        this.expected = token.map(t -> sha256(t.reveal()));
    }

    boolean required() {
        return expected.isPresent();
    }

    /** True when no token is configured, or {@code authorization} carries the configured one. */
    boolean permits(String authorization) {
        if (expected.isEmpty()) {
            return true;
        }
        if (authorization == null || authorization.length() <= SCHEME.length()
                || !authorization.substring(0, SCHEME.length()).toLowerCase(Locale.ROOT).equals(SCHEME)) {
            return false;
        }
        String presented = authorization.substring(SCHEME.length()).trim();
        return MessageDigest.isEqual(sha256(presented), expected.get());
    }

    private static byte[] sha256(String value) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(value.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform has SHA-256", e);
        }
    }
}
