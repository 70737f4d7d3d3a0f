package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.config.Secret;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BearerAuthTest {
    private final BearerAuth auth = new BearerAuth(Optional.of(new Secret("the-admin-token-0123")));

    @Test
    void withoutAConfiguredTokenEveryRequestIsPermitted() {
        BearerAuth open = new BearerAuth(Optional.empty());

        assertThat(open.required()).isFalse();
        assertThat(open.permits(null)).isTrue();
    }

    @Test
    void theBearerSchemeIsCaseInsensitiveAndSurroundingSpaceIsIgnored() {
        assertThat(auth.permits("Bearer the-admin-token-0123")).isTrue();
        assertThat(auth.permits("bearer the-admin-token-0123")).isTrue();
        assertThat(auth.permits("BEARER  the-admin-token-0123 ")).isTrue();
    }

    @Test
    void aMissingWrongPrefixedOrLongerTokenIsRefused() {
        assertThat(auth.permits(null)).isFalse();
        assertThat(auth.permits("")).isFalse();
        assertThat(auth.permits("Bearer ")).isFalse();
        assertThat(auth.permits("Basic the-admin-token-0123")).isFalse();
        assertThat(auth.permits("the-admin-token-0123")).isFalse();
        assertThat(auth.permits("Bearer the-admin-token-012")).isFalse();
        assertThat(auth.permits("Bearer the-admin-token-01234")).isFalse();
    }
}
