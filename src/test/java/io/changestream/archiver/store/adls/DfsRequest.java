package io.changestream.archiver.store.adls;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One request as the DFS server sees it. The URL is {@code /<account>/<file system>/<path>}, the IP-style layout
 * the SDK uses for custom endpoints, where blob-style and DFS calls share host and prefix. Path and query values
 * are percent-decoded once, as the service does; the raw forms are kept for Shared Key verification.
 */
public record DfsRequest(String method, String rawPath, String rawQuery, String account, String fileSystem,
                         String path, Map<String, String> query, Headers headers, byte[] body) {

    static DfsRequest read(HttpExchange exchange) throws IOException {
        String rawPath = exchange.getRequestURI().getRawPath();
        String rawQuery = exchange.getRequestURI().getRawQuery();
        String[] segments = rawPath.substring(1).split("/", 3);
        Map<String, String> query = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        if (rawQuery != null && !rawQuery.isEmpty()) {
            for (String pair : rawQuery.split("&")) {
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq));
                query.putIfAbsent(name, eq < 0 ? "" : decode(pair.substring(eq + 1)));
            }
        }
        byte[] body;
        try (InputStream in = exchange.getRequestBody()) {
            body = in.readAllBytes();
        }
        return new DfsRequest(exchange.getRequestMethod(), rawPath, rawQuery == null ? "" : rawQuery,
                decode(segments[0]), segments.length > 1 ? decode(segments[1]) : "",
                segments.length > 2 ? decode(segments[2]) : "", Collections.unmodifiableMap(query),
                exchange.getRequestHeaders(), body);
    }

    public String header(String name) {
        return headers.getFirst(name);
    }

    /** A query parameter, matched case-insensitively; null when absent. */
    public String param(String name) {
        return query.get(name);
    }

    public boolean is(String method, String param, String value) {
        return this.method.equals(method) && value.equals(param(param));
    }

    /** Operations served by the blob endpoint in the real service answer errors as XML, DFS ones as JSON. */
    public boolean blobStyle() {
        return param("restype") != null || ((method.equals("GET") || method.equals("HEAD"))
                && param("resource") == null && param("action") == null);
    }

    /** {@code METHOD /path?query} with the SAS signature masked, for logs and assertions. */
    @Override
    public String toString() {
        String query = rawQuery.replaceAll("(?i)(^|&)sig=[^&]*", "$1sig=****");
        return method + " " + rawPath + (query.isEmpty() ? "" : "?" + query);
    }

    /** Percent-decoding without form rules: a '+' stays a '+', as in URL paths and the SDK's query values. */
    static String decode(String text) {
        if (text.indexOf('%') < 0) {
            return text;
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '%' && i + 2 < text.length()) {
                bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                bytes.writeBytes(String.valueOf(c).getBytes(StandardCharsets.UTF_8));
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
