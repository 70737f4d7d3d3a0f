package io.changestream.archiver.store.adls;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.List;
import java.util.UUID;

/**
 * The HTTP side of the DFS server: reads the request, records it, applies faults, authenticates (Shared Key or
 * SAS), serves it through {@link DfsOperations} and writes the answer, errors with {@code x-ms-error-code} and a
 * JSON (DFS) or XML (blob) body, as the real endpoints do.
 */
final class DfsRouter implements HttpHandler {
    private final String account;
    private final String sasSignature;
    private final SharedKeyVerifier sharedKey;
    private final DfsOperations operations;
    private final Faults faults;
    private final List<DfsExchange> log;

    DfsRouter(String account, String sasSignature, SharedKeyVerifier sharedKey, DfsOperations operations,
              Faults faults, List<DfsExchange> log) {
        this.account = account;
        this.sasSignature = sasSignature;
        this.sharedKey = sharedKey;
        this.operations = operations;
        this.faults = faults;
        this.log = log;
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            DfsRequest request = DfsRequest.read(exchange);
            DfsResponse response;
            try {
                pause(faults.delay(request));
                if (faults.failBeforeServing(request)) {
                    throw DfsError.serverBusy();
                }
                authenticate(request);
                response = operations.serve(request);
                if (faults.failAfterServing(request)) {
                    throw DfsError.serverBusy();
                }
            } catch (DfsError e) {
                if (DfsError.UNSUPPORTED_BY_TEST_SERVER.equals(e.code)) {
                    System.err.println("DfsTestServer: " + e.getMessage());
                }
                response = error(request, e);
            }
            log.add(new DfsExchange(request, response.status, response.headers.getOrDefault("x-ms-error-code", "")));
            write(exchange, request, response);
        }
    }

    private void authenticate(DfsRequest request) {
        if (!request.account().equals(account)) {
            throw new DfsError(400, "InvalidUri", "Unknown account " + request.account());
        }
        String authorization = request.header("Authorization");
        if (SharedKeyVerifier.isSharedKey(authorization)) {
            if (!sharedKey.verify(request)) {
                // Like the service, quote the signature that was presented: callers must not pass this text on.
                throw new DfsError(403, DfsError.AUTHENTICATION_FAILED, "Server failed to authenticate the request. "
                        + "Make sure the value of Authorization header is formed correctly including the signature."
                        + "\nAuthenticationErrorDetail:The MAC signature found in the HTTP request '"
                        + SharedKeyVerifier.presentedSignature(authorization)
                        + "' is not the same as any computed signature.");
            }
        } else if (request.param("sig") != null) {
            if (!request.param("sig").equals(sasSignature)) {
                throw new DfsError(403, DfsError.AUTHENTICATION_FAILED, "Server failed to authenticate the request. "
                        + "Signature did not match. sig=" + request.param("sig"));
            }
        } else {
            throw new DfsError(401, DfsError.NO_AUTHENTICATION_INFORMATION, "Server failed to authenticate the "
                    + "request. Please refer to the information in the www-authenticate header.");
        }
    }

    private static DfsResponse error(DfsRequest request, DfsError e) {
        String message = e.getMessage() + "\nRequestId:" + UUID.randomUUID();
        DfsResponse response = DfsResponse.of(e.status).header("x-ms-error-code", e.code);
        if (request.blobStyle()) {
            return response.body("<?xml version=\"1.0\" encoding=\"utf-8\"?><Error><Code>" + e.code + "</Code>"
                    + "<Message>" + xmlEscape(message) + "</Message></Error>", "application/xml");
        }
        return response.body("{\"error\":{\"code\":\"" + e.code + "\",\"message\":\""
                + message.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"}}",
                "application/json;charset=utf-8");
    }

    private static void write(HttpExchange exchange, DfsRequest request, DfsResponse response) throws IOException {
        response.headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.getResponseHeaders().set("x-ms-request-id", UUID.randomUUID().toString());
        exchange.getResponseHeaders().set("x-ms-version",
                request.header("x-ms-version") == null ? "2021-06-08" : request.header("x-ms-version"));
        exchange.getResponseHeaders().set("Server", "Windows-Azure-HDFS/1.0 DfsTestServer");
        if (request.method().equals("HEAD")) {
            // The JDK server keeps a Content-Length set by hand on HEAD answers: the SDK reads the file size there.
            exchange.sendResponseHeaders(response.status, -1);
            return;
        }
        exchange.sendResponseHeaders(response.status, response.body.length == 0 ? -1 : response.body.length);
        if (response.body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body);
            }
        }
    }

    private static void pause(Duration delay) {
        if (delay.isZero()) {
            return;
        }
        try {
            Thread.sleep(delay.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static String xmlEscape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
