package io.changestream.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.config.SecretSamples.Sample;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Finding 9 of issue 13 at the level of the one masking function: {@link Secret#toString()} and
 * {@link Secret#maskUri} never print a password, whatever it holds ({@code @ : / ? # %}), nor a SAS or token-like
 * query parameter, in whatever order. Property-style over generated samples; the seed is in every failure message
 * ({@code -Dmasking.seed=S} replays a run).
 */
class SecretMaskingTest {
    private static final int SAMPLES = 2_000;

    @Test
    void aPasswordWithAnUnencodedAtSignPrintsNoPartOfIt() {
        String masked = new Secret("mongodb://app:P4rt@Pa55@host/").toString();
        assertThat(masked).isEqualTo("mongodb://****@host/").doesNotContain("P4rt", "Pa55");
        assertThat(Secret.maskUri("cannot connect to mongodb://app:P4rt@Pa55@host/ now"))
                .isEqualTo("cannot connect to mongodb://****@host/ now");
    }

    @Test
    void anEndpointWithASasQueryKeepsItsHostAndLosesItsSignature() {
        String endpoint = "https://acct.dfs.core.windows.net/?sv=2022-11-02&ss=b&sp=rwl&se=2027-01-01T00:00:00Z"
                + "&sig=AbC%2Bdef%3D&skoid=0000-1111";
        String masked = Secret.maskUri(endpoint);
        assertThat(masked).startsWith("https://acct.dfs.core.windows.net/?")
                .doesNotContain("2022-11-02", "rwl", "2027-01-01", "AbC", "def", "0000-1111")
                .contains("sig=****");
    }

    @Test
    void generatedConnectionStringsNeverShowTheirUserInfoButKeepTheirHost() {
        long seed = Long.getLong("masking.seed", System.nanoTime());
        Random random = new Random(seed);
        SecretSamples samples = new SecretSamples(random);
        for (int i = 0; i < SAMPLES; i++) {
            Sample uri = samples.mongoUri();
            String asSecret = new Secret(uri.text()).toString();
            String inText = Secret.maskUri("connecting to " + uri.text() + " failed: timeout, owner=a@b");
            for (String secret : uri.secrets()) {
                assertThat(asSecret).as("seed %d: %s", seed, uri).doesNotContain(secret);
                assertThat(inText).as("seed %d: %s", seed, uri).doesNotContain(secret);
            }
            assertThat(asSecret).as("seed %d: the host stays readable in %s", seed, uri).contains(uri.host());
        }
    }

    @Test
    void generatedSasQueriesInAnyOrderNeverShowASecretParameter() {
        long seed = Long.getLong("masking.seed", System.nanoTime());
        Random random = new Random(seed);
        SecretSamples samples = new SecretSamples(random);
        for (int i = 0; i < SAMPLES; i++) {
            Sample endpoint = samples.sasEndpoint();
            String query = endpoint.text().substring(endpoint.text().indexOf('?') + 1);
            for (String text : new String[] {endpoint.text(), "GET " + endpoint.text() + " -> 403", query,
                    "?" + query, "token " + query}) {
                String masked = Secret.maskUri(text);
                for (String secret : endpoint.secrets()) {
                    assertThat(masked).as("seed %d: %s", seed, text).doesNotContain(secret);
                }
            }
            assertThat(Secret.maskUri(endpoint.text())).as("seed %d", seed).contains(endpoint.host());
        }
    }

    @Test
    void maskingIsIdempotentAndLeavesOrdinaryTextAlone() {
        String once = Secret.maskUri("mongodb://u:p@h/?replicaSet=rs0&password=x");
        assertThat(Secret.maskUri(once)).isEqualTo(once).isEqualTo("mongodb://****@h/?replicaSet=rs0&password=****");
        assertThat(Secret.maskUri("flushed 20 events of orders to orders/2026-11-22-00.json"))
                .isEqualTo("flushed 20 events of orders to orders/2026-11-22-00.json");
        assertThat(new Secret("not a uri at all").toString()).isEqualTo("****");
    }
}
