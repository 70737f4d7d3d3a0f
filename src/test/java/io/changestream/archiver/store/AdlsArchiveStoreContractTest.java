package io.changestream.archiver.store;

import io.changestream.archiver.store.adls.DfsTestServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * The store contract on ADLS Gen2: the real SDK against the in-process DFS server, with Shared Key auth. After
 * each test, every request on the wire must keep {@link AdlsWireInvariants}.
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
            AdlsWireInvariants.check(server);
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
