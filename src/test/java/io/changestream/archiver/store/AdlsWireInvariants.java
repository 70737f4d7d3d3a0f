package io.changestream.archiver.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.store.adls.DfsExchange;
import io.changestream.archiver.store.adls.DfsRequest;
import io.changestream.archiver.store.adls.DfsTestServer;

/**
 * What must hold for every request the ADLS store ever sends, checked after every ADLS test: the server knew it,
 * files are only created if absent, commits are always fenced on an ETag, and no overwrite path (upload, output
 * stream, flush with {@code If-None-Match}) is ever taken; the only delete is of one file ({@code prune}).
 */
final class AdlsWireInvariants {
    private AdlsWireInvariants() {
    }

    static void check(DfsTestServer server) {
        for (DfsExchange exchange : server.exchanges()) {
            DfsRequest request = exchange.request();
            assertThat(exchange.unsupported()).as("unknown to the DFS server: %s", exchange).isFalse();
            if (request.is("PUT", "resource", "file")) {
                assertThat(request.header("If-None-Match")).as("create only if absent: %s", request).isEqualTo("*");
            }
            if (request.is("PATCH", "action", "flush")) {
                assertThat(request.header("If-Match")).as("commit fenced on an ETag: %s", request).isNotBlank();
                assertThat(request.header("If-None-Match")).as("no flush-as-create: %s", request).isNull();
            }
            assertThat(request.method()).as("no blob upload: %s", request).isNotEqualTo("POST");
            if (request.method().equals("DELETE")) {
                // prune's ArchiveStore.delete: one file on the DFS endpoint, never a folder or the file system
                assertThat(request.blobStyle() || "true".equals(request.param("recursive"))
                        || request.path().isEmpty()).as("only a single file is deleted: %s", request).isFalse();
            }
            assertThat(request.is("PUT", "restype", "container") || request.is("PUT", "resource", "file")
                    || !request.method().equals("PUT")).as("no blob-style upload: %s", request).isTrue();
        }
    }
}
