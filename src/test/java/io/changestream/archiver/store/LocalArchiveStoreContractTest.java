package io.changestream.archiver.store;

import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The store contract on a local folder. */
class LocalArchiveStoreContractTest extends ArchiveStoreContract {
    @TempDir
    Path root;
    private ArchiveStore store;

    @BeforeEach
    void open() {
        store = ArchiveStores.open(TestStores.localConfig(root));
    }

    @Override
    ArchiveStore store() {
        return store;
    }

    @Override
    ArchiveStore reopen() {
        return ArchiveStores.open(TestStores.localConfig(root));
    }
}
