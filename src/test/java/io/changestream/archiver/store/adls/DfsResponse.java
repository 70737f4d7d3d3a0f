package io.changestream.archiver.store.adls;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/** A status, headers and a body; errors travel as {@link DfsError} and become one of these in the router. */
final class DfsResponse {
    /** RFC 1123 with a two-digit day, the form the service sends and the SDK parses. */
    static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    final int status;
    final Map<String, String> headers = new LinkedHashMap<>();
    byte[] body = new byte[0];

    private DfsResponse(int status) {
        this.status = status;
    }

    static DfsResponse of(int status) {
        return new DfsResponse(status);
    }

    DfsResponse header(String name, Object value) {
        headers.put(name, String.valueOf(value));
        return this;
    }

    DfsResponse lastModified(Instant instant) {
        return header("Last-Modified", HTTP_DATE.format(instant));
    }

    DfsResponse body(String text, String contentType) {
        return body(text.getBytes(StandardCharsets.UTF_8), contentType);
    }

    DfsResponse body(byte[] bytes, String contentType) {
        body = bytes;
        return header("Content-Type", contentType);
    }
}
