package io.changestream.archiver.store;

import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.config.ArchiverConfig.JsonMode;
import io.changestream.archiver.config.ArchiverConfig.StoreKind;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.store.adls.DfsTestServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/** Store configurations for tests: ADLS against a {@link DfsTestServer}, with fast retries. */
public final class TestStores {
    static final String FILE_SYSTEM = "changestreams";
    static final int ATTEMPTS = 5;
    static final Duration FAST_RETRY_DELAY = Duration.ofMillis(20);

    private TestStores() {
    }

    public static ArchiverConfig.Azure sharedKey(DfsTestServer server) {
        return azure(server, Optional.of(new Secret(server.accountKey())), Optional.empty());
    }

    static ArchiverConfig.Azure sas(DfsTestServer server) {
        return azure(server, Optional.empty(), Optional.of(new Secret("?" + server.sasToken())));
    }

    static ArchiverConfig.Azure azure(DfsTestServer server, Optional<Secret> key, Optional<Secret> sas) {
        return new ArchiverConfig.Azure(server.accountName(), key, sas, server.endpoint(), FILE_SYSTEM);
    }

    static ArchiverConfig.Store adlsConfig(ArchiverConfig.Azure azure) {
        return new ArchiverConfig.Store(StoreKind.ADLS, Path.of("unused"), "", Optional.of(azure), Compression.NONE,
                JsonMode.CANONICAL, ATTEMPTS, FAST_RETRY_DELAY);
    }

    static ArchiverConfig.Store localConfig(Path root) {
        return new ArchiverConfig.Store(StoreKind.LOCAL, root, "", Optional.empty(), Compression.NONE,
                JsonMode.CANONICAL, ATTEMPTS, FAST_RETRY_DELAY);
    }

    /** An ADLS store as the service opens it, with fast retries. */
    public static ArchiveStore adls(ArchiverConfig.Azure azure) {
        return ArchiveStores.open(adlsConfig(azure));
    }

    /** An ADLS store with explicit SDK retry settings, for tests of timeouts and exhausted retries. */
    static AdlsArchiveStore adls(ArchiverConfig.Azure azure, int maxTries, Duration tryTimeout) {
        return AdlsArchiveStore.open(azure, AdlsRetrySettings.of(maxTries, FAST_RETRY_DELAY).withTryTimeout(tryTimeout));
    }
}
