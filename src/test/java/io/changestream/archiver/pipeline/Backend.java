package io.changestream.archiver.pipeline;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.store.ArchiveStore;
import io.changestream.archiver.store.LocalArchiveStore;
import io.changestream.archiver.store.TestStores;
import io.changestream.archiver.store.adls.DfsTestServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.params.provider.Arguments;

/**
 * Where a protocol test of {@link ExactlyOnceWriter} keeps its archive: the local folder, or ADLS through the real
 * SDK on an in-process DFS server of its own, so every step is proven on both stores.
 */
enum Backend {
    LOCAL, ADLS;

    /** Every backend with every compression: the arguments of the tests that run on both stores. */
    static Stream<Arguments> everyStore() {
        return Stream.of(values()).flatMap(b -> Stream.of(Compression.values()).map(c -> Arguments.of(b, c)));
    }

    /** Opens the store: the folder {@code dir}, or ADLS on a newly started DFS server. Close it after the test. */
    private Opened open(Path dir) {
        if (this == LOCAL) {
            return new Opened(new LocalArchiveStore(dir), null);
        }
        DfsTestServer server = DfsTestServer.start();
        return new Opened(TestStores.adls(TestStores.sharedKey(server)), server);
    }

    /** An open store and, for ADLS, the server behind it (null for the folder), which a test may damage. */
    record Opened(ArchiveStore store, DfsTestServer adls) implements AutoCloseable {
        @Override
        public void close() {
            if (adls != null) {
                store.close();
                adls.close();
            }
        }
    }

    /** Opens a test's stores and closes them after it: register on an instance field. */
    static final class Stores implements AfterEachCallback {
        private final List<Opened> opened = new ArrayList<>();

        Opened open(Backend backend, Path dir) {
            Opened store = backend.open(dir);
            opened.add(store);
            return store;
        }

        @Override
        public void afterEach(ExtensionContext context) {
            opened.forEach(Opened::close);
            opened.clear();
        }
    }
}
