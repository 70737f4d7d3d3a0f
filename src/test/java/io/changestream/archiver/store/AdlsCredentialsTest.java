package io.changestream.archiver.store;

import static io.changestream.archiver.store.ArchiveStoreContract.append;
import static io.changestream.archiver.store.ArchiveStoreContract.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.store.adls.DfsExchange;
import io.changestream.archiver.store.adls.DfsTestServer;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * Authentication modes, and the promise that no key, SAS or signature ever appears in an exception (message,
 * causes, stack trace text) or in any log line, whoever logs it: our code or the SDK.
 */
class AdlsCredentialsTest {
    private static final ArchiveFile FILE = new ArchiveFile("orders/2026-11-22-01.json");

    private DfsTestServer server;
    private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
    private final List<String> secrets = new ArrayList<>();

    @BeforeEach
    void start() {
        server = DfsTestServer.start();
        secrets.add(server.accountKey());
        secrets.add(server.sasSignature());
        secrets.add(URLEncoder.encode(server.sasSignature(), StandardCharsets.UTF_8));
        logs.start();
        root().addAppender(logs);
    }

    @AfterEach
    void noSecretWasLoggedAndEveryRequestWasKnown() {
        root().detachAppender(logs);
        try {
            secrets.addAll(presentedSignatures());
            for (ILoggingEvent event : logs.list) {
                assertNoSecretIn(event.getFormattedMessage());
                for (IThrowableProxy t = event.getThrowableProxy(); t != null; t = t.getCause()) {
                    assertNoSecretIn(t.getMessage());
                }
            }
            AdlsWireInvariants.check(server);
        } finally {
            server.close();
        }
    }

    @Test
    void aSasTokenAuthenticatesEveryRequest() throws Exception {
        ArchiveStore store = TestStores.adls(TestStores.sas(server));

        append(store, FILE, 0, "via SAS\n");

        assertThat(readAll(store, FILE, 0)).isEqualTo("via SAS\n");
        assertThat(store.list("orders")).containsExactly(FILE);
        assertThat(store.describe()).endsWith("(SAS token)");
        assertThat(server.exchanges()).allMatch(x -> x.request().param("sig") != null
                && x.request().header("Authorization") == null);
    }

    @Test
    void aWrongAccountKeyFailsWithAClearAuthenticationErrorThatHoldsNoSecret() {
        String wrongKey = randomKey();
        secrets.add(wrongKey);
        ArchiveStore store = TestStores.adls(TestStores.azure(server, Optional.of(new Secret(wrongKey)),
                Optional.empty()));

        Throwable failure = catchStoreFailure(() -> append(store, FILE, 0, "x\n"));

        assertThat(failure).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("HTTP 403 AuthenticationFailed")
                .hasMessageContaining("credentials were refused");
        assertThat(presentedSignatures()).isNotEmpty();
        secrets.addAll(presentedSignatures());
        assertNoSecretIn(failure);
        assertThat(server.state().fileSystemExists(TestStores.FILE_SYSTEM)).isFalse();
    }

    @Test
    void aWrongSasTokenFailsWithoutShowingIt() {
        String wrongSig = randomKey();
        secrets.add(wrongSig);
        secrets.add(URLEncoder.encode(wrongSig, StandardCharsets.UTF_8));
        String wrongSas = server.sasToken().replaceAll("sig=.*$", "sig=" + URLEncoder.encode(wrongSig,
                StandardCharsets.UTF_8));
        ArchiveStore store = TestStores.adls(TestStores.azure(server, Optional.empty(),
                Optional.of(new Secret(wrongSas))));

        Throwable lengthFailure = catchStoreFailure(() -> store.length(FILE));
        Throwable appendFailure = catchStoreFailure(() -> append(store, FILE, 0, "x\n"));
        Throwable listFailure = catchStoreFailure(() -> store.list("orders"));

        for (Throwable failure : List.of(lengthFailure, appendFailure, listFailure)) {
            assertThat(failure).isInstanceOf(StoreUnavailableException.class).hasMessageContaining("HTTP 403");
            assertNoSecretIn(failure);
        }
    }

    @Test
    void failuresDuringAnOutageHoldNoSecret() {
        ArchiveStore sas = TestStores.adls(TestStores.sas(server));
        ArchiveStore key = TestStores.adls(TestStores.sharedKey(server));
        append(sas, FILE, 0, "x\n");
        server.faults().startOutage();

        List<Throwable> failures = List.of(
                catchStoreFailure(() -> append(sas, FILE, 2, "y\n")),
                catchStoreFailure(() -> append(key, FILE, 2, "y\n")),
                catchStoreFailure(() -> readAll(sas, FILE, 0)),
                catchStoreFailure(() -> sas.list("orders")));

        assertThat(failures).allSatisfy(failure -> {
            assertThat(failure).hasMessageContaining("503");
            assertNoSecretIn(failure);
        });
        assertThat(sas.describe() + key.describe()).doesNotContain(secrets);
    }

    @Test
    void withNeitherKeyNorSasTheStoreUsesDefaultAzureCredentialAndContactsNothingUntilUsed() {
        ArchiveStore store = ArchiveStores.open(TestStores.adlsConfig(new ArchiverConfig.Azure("someaccount",
                Optional.empty(), Optional.empty(), "", "changestreams")));

        assertThat(store.describe())
                .isEqualTo("ADLS Gen2 https://someaccount.dfs.core.windows.net/changestreams (DefaultAzureCredential)");
    }

    @Test
    void bothKeyAndSasAreRefusedNamingTheVariablesNotTheValues() {
        ArchiverConfig.Azure both = TestStores.azure(server, Optional.of(new Secret(server.accountKey())),
                Optional.of(new Secret(server.sasToken())));

        assertThatThrownBy(() -> ArchiveStores.open(TestStores.adlsConfig(both)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("AZURE_STORAGE_ACCOUNT_KEY").hasMessageContaining("AZURE_STORAGE_SAS_TOKEN")
                .satisfies(this::assertNoSecretIn);
    }

    private static Throwable catchStoreFailure(ThrowingRunnable action) {
        try {
            action.run();
        } catch (Throwable t) {
            return t;
        }
        throw new AssertionError("expected the store call to fail");
    }

    private void assertNoSecretIn(Throwable failure) {
        StringWriter text = new StringWriter();
        failure.printStackTrace(new PrintWriter(text));
        assertNoSecretIn(text.toString());
    }

    private void assertNoSecretIn(String text) {
        if (text != null) {
            assertThat(text).doesNotContain(secrets);
        }
    }

    /** The Shared Key signatures clients sent: credentials in their own right for the request they signed. */
    private List<String> presentedSignatures() {
        return server.exchanges().stream().map(DfsExchange::request)
                .map(request -> request.header("Authorization")).filter(h -> h != null && h.contains(":"))
                .map(h -> h.substring(h.lastIndexOf(':') + 1)).distinct().toList();
    }

    private static String randomKey() {
        byte[] key = new byte[64];
        new SecureRandom().nextBytes(key);
        return Base64.getEncoder().encodeToString(key);
    }

    private static Logger root() {
        return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    @FunctionalInterface
    interface ThrowingRunnable {
        void run() throws Exception;
    }
}
