package io.changestream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.store.adls.DfsTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The store contract on ADLS Gen2: the real SDK against the in-process DFS server, with Shared Key auth. After
 * each test, every request the SDK sent must have been one the server knows.
 */
class AdlsArchiveStoreContractTest extends ArchiveStoreContract {
    private DfsTestServer server;
    private ArchiveStore store;

    @BeforeEach
    void open() {
        server = DfsTestServer.start();
        store = TestStores.adls(TestStores.sharedKey(server));
    }

    @AfterEach
    void everyRequestWasOneTheServerKnows() {
        try {
            assertThat(server.unsupportedExchanges()).isEmpty();
        } finally {
            store.close();
            server.close();
        }
    }

    @Override
    ArchiveStore store() {
        return store;
    }

    @Override
    ArchiveStore reopen() {
        return TestStores.adls(TestStores.sharedKey(server));
    }
}
