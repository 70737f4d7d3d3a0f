package io.changestream.archiver.store.adls;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The requests the Data Lake SDK sends for the archive store, each mapped to {@link DfsFileSystems} and answered
 * with the headers the SDK reads. Anything else is {@code 400 UnsupportedByTestServer}, so a gap shows up loudly.
 *
 * <table>
 *   <caption>Supported requests</caption>
 *   <tr><td>{@code PUT /acct/fs?restype=container}</td><td>create file system (409 ContainerAlreadyExists)</td></tr>
 *   <tr><td>{@code HEAD|GET /acct/fs?restype=container}</td><td>file system properties, exists</td></tr>
 *   <tr><td>{@code GET /acct/fs?resource=filesystem&directory=&recursive=}</td><td>list paths, paged</td></tr>
 *   <tr><td>{@code PUT /acct/fs/path?resource=file}</td><td>create, If-None-Match / If-Match</td></tr>
 *   <tr><td>{@code PATCH /acct/fs/path?action=append&position=N}</td><td>stage bytes, Content-MD5 checked</td></tr>
 *   <tr><td>{@code PATCH /acct/fs/path?action=flush&position=N}</td><td>commit, If-Match</td></tr>
 *   <tr><td>{@code HEAD /acct/fs/path}</td><td>properties: length, ETag, resource type</td></tr>
 *   <tr><td>{@code GET /acct/fs/path}</td><td>read, Range or x-ms-range, If-Match</td></tr>
 *   <tr><td>{@code DELETE /acct/fs/path}</td><td>delete a file (404 PathNotFound; a directory only when empty or
 *       {@code recursive=true}, else 409 DirectoryNotEmpty)</td></tr>
 * </table>
 */
final class DfsOperations {
    private static final Pattern RANGE = Pattern.compile("bytes=(\\d+)-(\\d*)");

    private final DfsFileSystems state;
    private final int listPageSize;

    DfsOperations(DfsFileSystems state, int listPageSize) {
        this.state = state;
        this.listPageSize = listPageSize;
    }

    DfsResponse serve(DfsRequest request) {
        if (request.path().isEmpty()) {
            if ("container".equals(request.param("restype")) && request.param("comp") == null) {
                return switch (request.method()) {
                    case "PUT" -> createFileSystem(request);
                    case "HEAD", "GET" -> fileSystemProperties(request);
                    default -> unsupported(request);
                };
            }
            return request.is("GET", "resource", "filesystem") ? listPaths(request) : unsupported(request);
        }
        if (request.is("PUT", "resource", "file")) {
            return createFile(request);
        }
        if (request.is("PATCH", "action", "append")) {
            return append(request);
        }
        if (request.is("PATCH", "action", "flush")) {
            return flush(request);
        }
        if (request.method().equals("DELETE") && !request.blobStyle()) {
            state.delete(request.fileSystem(), request.path(), "true".equalsIgnoreCase(request.param("recursive")));
            return DfsResponse.of(200);
        }
        if (request.blobStyle() && request.query().keySet().stream().allMatch(DfsOperations::isAuthParam)) {
            return request.method().equals("HEAD") ? pathProperties(request) : read(request);
        }
        return unsupported(request);
    }

    private DfsResponse createFileSystem(DfsRequest request) {
        state.createFileSystem(request.fileSystem());
        return DfsResponse.of(201).header("ETag", "\"0x1\"")
                .lastModified(state.fileSystemCreated(request.fileSystem(), true));
    }

    private DfsResponse fileSystemProperties(DfsRequest request) {
        return DfsResponse.of(200).header("ETag", "\"0x1\"")
                .lastModified(state.fileSystemCreated(request.fileSystem(), true))
                .header("x-ms-lease-state", "available").header("x-ms-lease-status", "unlocked")
                .header("x-ms-has-immutability-policy", "false").header("x-ms-has-legal-hold", "false");
    }

    private DfsResponse createFile(DfsRequest request) {
        DfsPath.Snapshot file = state.createFile(request.fileSystem(), request.path(),
                request.header("If-None-Match"), request.header("If-Match"));
        return DfsResponse.of(201).header("ETag", file.etag()).lastModified(file.lastModified())
                .header("x-ms-request-server-encrypted", "true");
    }

    private DfsResponse append(DfsRequest request) {
        String md5 = request.header("Content-MD5");
        if (md5 != null && !Arrays.equals(Base64.getDecoder().decode(md5), md5(request.body()))) {
            throw new DfsError(400, DfsError.MD5_MISMATCH, "The MD5 value specified in the request did not match "
                    + "with the MD5 value calculated by the server.");
        }
        state.append(request.fileSystem(), request.path(), position(request), request.body());
        DfsResponse response = DfsResponse.of(202).header("x-ms-request-server-encrypted", "true");
        return md5 == null ? response : response.header("Content-MD5", md5);
    }

    private DfsResponse flush(DfsRequest request) {
        if (request.body().length > 0) {
            throw new DfsError(400, DfsError.INVALID_REQUEST_BODY, "The request body must be empty for flush.");
        }
        DfsPath.Snapshot file = state.flush(request.fileSystem(), request.path(), position(request),
                "true".equalsIgnoreCase(request.param("retainUncommittedData")),
                request.header("If-Match"), request.header("If-None-Match"));
        return DfsResponse.of(200).header("ETag", file.etag()).lastModified(file.lastModified())
                .header("x-ms-request-server-encrypted", "false");
    }

    private DfsResponse pathProperties(DfsRequest request) {
        DfsPath.Snapshot path = state.properties(request.fileSystem(), request.path(), true);
        DfsResponse response = describe(DfsResponse.of(200), path).header("Content-Length", path.length());
        return path.directory() ? response.header("x-ms-meta-hdi_isfolder", "true") : response;
    }

    private DfsResponse read(DfsRequest request) {
        byte[] content = state.read(request.fileSystem(), request.path(), true);
        DfsPath.Snapshot path = state.properties(request.fileSystem(), request.path(), true);
        String ifMatch = request.header("If-Match");
        if (ifMatch != null && !ifMatch.replace("\"", "").equals(path.etag().replace("\"", ""))) {
            throw DfsError.conditionNotMet();
        }
        String range = request.header("x-ms-range") != null ? request.header("x-ms-range") : request.header("Range");
        if (range == null) {
            return describe(DfsResponse.of(200), path).body(content, "application/octet-stream");
        }
        Matcher matcher = RANGE.matcher(range);
        if (!matcher.matches()) {
            throw new DfsError(400, "InvalidHeaderValue", "Unsupported range " + range);
        }
        long from = Long.parseLong(matcher.group(1));
        if (from >= content.length) {
            throw new DfsError(416, DfsError.INVALID_RANGE, "The range specified is invalid for the current size "
                    + "of the resource.");
        }
        long to = matcher.group(2).isEmpty() ? content.length - 1
                : Math.min(Long.parseLong(matcher.group(2)), content.length - 1L);
        return describe(DfsResponse.of(206), path)
                .header("Content-Range", "bytes " + from + "-" + to + "/" + content.length)
                .body(Arrays.copyOfRange(content, (int) from, (int) to + 1), "application/octet-stream");
    }

    private DfsResponse listPaths(DfsRequest request) {
        String directory = request.param("directory") == null ? "" : request.param("directory");
        List<Map.Entry<String, DfsPath.Snapshot>> all = state.list(request.fileSystem(), directory,
                "true".equalsIgnoreCase(request.param("recursive")));
        String continuation = request.param("continuation");
        int start = continuation == null ? 0
                : Integer.parseInt(new String(Base64.getDecoder().decode(continuation), StandardCharsets.UTF_8));
        int pageSize = request.param("maxResults") == null ? listPageSize
                : Math.min(listPageSize, Integer.parseInt(request.param("maxResults")));
        int end = Math.min(all.size(), start + pageSize);
        StringBuilder json = new StringBuilder("{\"paths\":[");
        for (int i = start; i < end; i++) {
            DfsPath.Snapshot path = all.get(i).getValue();
            json.append(i == start ? "" : ",").append("{\"name\":\"").append(jsonEscape(all.get(i).getKey()))
                    .append("\",").append(path.directory() ? "\"isDirectory\":\"true\"," : "")
                    .append("\"contentLength\":\"").append(path.length()).append("\",\"etag\":\"")
                    .append(path.etag().replace("\"", "")).append("\",\"lastModified\":\"")
                    .append(DfsResponse.HTTP_DATE.format(path.lastModified()))
                    .append("\",\"owner\":\"$superuser\",\"group\":\"$superuser\",\"permissions\":\"rw-r-----\"}");
        }
        DfsResponse response = DfsResponse.of(200).body(json.append("]}").toString(), "application/json;charset=utf-8");
        if (end < all.size()) {
            response.header("x-ms-continuation",
                    Base64.getEncoder().encodeToString(String.valueOf(end).getBytes(StandardCharsets.UTF_8)));
        }
        return response;
    }

    private static DfsResponse describe(DfsResponse response, DfsPath.Snapshot path) {
        return response.header("ETag", path.etag()).lastModified(path.lastModified())
                .header("x-ms-creation-time", DfsResponse.HTTP_DATE.format(path.created()))
                .header("x-ms-resource-type", path.directory() ? "directory" : "file")
                .header("x-ms-blob-type", "BlockBlob").header("x-ms-lease-state", "available")
                .header("x-ms-lease-status", "unlocked").header("x-ms-server-encrypted", "true")
                .header("Accept-Ranges", "bytes");
    }

    private static long position(DfsRequest request) {
        String position = request.param("position");
        if (position == null) {
            throw new DfsError(400, "MissingRequiredQueryParameter", "position is required");
        }
        return Long.parseLong(position);
    }

    /** SAS parameters and the optional server timeout ride on every request and change nothing. */
    private static boolean isAuthParam(String name) {
        return List.of("sv", "ss", "srt", "sp", "se", "st", "spr", "sig", "sr", "timeout").contains(name);
    }

    private static DfsResponse unsupported(DfsRequest request) {
        throw new DfsError(400, DfsError.UNSUPPORTED_BY_TEST_SERVER, "The DFS test server does not support "
                + request);
    }

    private static byte[] md5(byte[] data) {
        try {
            return MessageDigest.getInstance("MD5").digest(data);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is always available", e);
        }
    }

    private static String jsonEscape(String text) {
        return text.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
