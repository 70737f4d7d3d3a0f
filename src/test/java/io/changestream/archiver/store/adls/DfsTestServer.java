package io.changestream.archiver.store.adls;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * An in-process ADLS Gen2 account that the real Azure SDK talks to over HTTP on 127.0.0.1: the DFS and blob
 * operations the archive store uses (see {@link DfsOperations}), Shared Key and SAS authentication, and faults
 * injected per test ({@link Faults}).
 *
 * <p>Parts: {@link DfsRouter} (HTTP, auth, faults, error format), {@link DfsOperations} (request → state),
 * {@link DfsFileSystems} and {@link DfsPath} (the account's state and the append/flush rules),
 * {@link SharedKeyVerifier}. The key and SAS signature are random per server, so no test can pass by accident
 * with a fixed secret.
 */
public final class DfsTestServer implements AutoCloseable {
    public static final String ACCOUNT = "archivertest";
    /** Small on purpose, so listing a folder needs continuation tokens. */
    private static final int LIST_PAGE_SIZE = 3;

    private final HttpServer http;
    private final ExecutorService executor = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "dfs-test-server");
        thread.setDaemon(true);
        return thread;
    });
    private final DfsFileSystems state = new DfsFileSystems();
    private final Faults faults = new Faults();
    private final List<DfsExchange> exchanges = new CopyOnWriteArrayList<>();
    private final String accountKey;
    private final String sasSignature;

    private DfsTestServer() throws IOException {
        SecureRandom random = new SecureRandom();
        byte[] key = new byte[64];
        random.nextBytes(key);
        byte[] sig = new byte[32];
        random.nextBytes(sig);
        accountKey = Base64.getEncoder().encodeToString(key);
        sasSignature = Base64.getEncoder().encodeToString(sig);
        http = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        http.createContext("/", new DfsRouter(ACCOUNT, sasSignature, new SharedKeyVerifier(ACCOUNT, key),
                new DfsOperations(state, LIST_PAGE_SIZE), faults, exchanges));
        http.setExecutor(executor);
    }

    public static DfsTestServer start() {
        try {
            DfsTestServer server = new DfsTestServer();
            server.http.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the DFS test server", e);
        }
    }

    /** {@code http://127.0.0.1:<port>/<account>}: the IP-style endpoint layout the SDK supports. */
    public String endpoint() {
        return "http://127.0.0.1:" + http.getAddress().getPort() + "/" + ACCOUNT;
    }

    public String accountName() {
        return ACCOUNT;
    }

    /** The base64 account key the server verifies Shared Key signatures with. */
    public String accountKey() {
        return accountKey;
    }

    /** A SAS token (without '?') whose signature the server accepts. */
    public String sasToken() {
        return "sv=2021-06-08&ss=b&srt=sco&sp=rwdlacup&se=2099-01-01T00%3A00%3A00Z&spr=https%2Chttp&sig="
                + URLEncoder.encode(sasSignature, StandardCharsets.UTF_8);
    }

    /** The raw SAS signature, for tests asserting it never leaks. */
    public String sasSignature() {
        return sasSignature;
    }

    public Faults faults() {
        return faults;
    }

    public DfsFileSystems state() {
        return state;
    }

    /** Every request answered so far, in the order of the answers. */
    public List<DfsExchange> exchanges() {
        return List.copyOf(exchanges);
    }

    /** Requests answered {@code UnsupportedByTestServer}: a gap between the SDK and this server. */
    public List<DfsExchange> unsupportedExchanges() {
        return exchanges.stream().filter(DfsExchange::unsupported).toList();
    }

    @Override
    public void close() {
        http.stop(0);
        executor.shutdownNow();
    }
}
