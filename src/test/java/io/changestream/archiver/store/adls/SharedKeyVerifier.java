package io.changestream.archiver.store.adls;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Checks {@code Authorization: SharedKey <account>:<signature>} the way the Blob and DFS services do: HMAC-SHA256,
 * under the account key, of
 * <pre>
 * VERB \n Content-Encoding \n Content-Language \n Content-Length (empty for 0) \n Content-MD5 \n Content-Type \n
 * Date (empty when x-ms-date is sent) \n If-Modified-Since \n If-Match \n If-None-Match \n If-Unmodified-Since \n
 * Range \n CanonicalizedHeaders CanonicalizedResource
 * </pre>
 * where CanonicalizedHeaders are the {@code x-ms-*} headers, lower-cased, sorted, {@code name:value\n} each, and
 * CanonicalizedResource is {@code /<account><raw URL path>} followed by {@code \nname:v1,v2} per query parameter,
 * names lower-cased and sorted, values percent-decoded and sorted. Written from the service documentation, not
 * from the SDK, so a drift on either side shows as a 403.
 */
final class SharedKeyVerifier {
    private static final String SCHEME = "SharedKey ";
    private static final List<String> STANDARD_HEADERS = List.of("Content-Encoding", "Content-Language",
            "Content-Length", "Content-MD5", "Content-Type", "Date", "If-Modified-Since", "If-Match",
            "If-None-Match", "If-Unmodified-Since", "Range");

    private final String account;
    private final byte[] key;

    SharedKeyVerifier(String account, byte[] key) {
        this.account = account;
        this.key = key.clone();
    }

    static boolean isSharedKey(String authorization) {
        return authorization != null && authorization.startsWith(SCHEME);
    }

    /** The signature the client sent, when it is well-formed and names our account. */
    static String presentedSignature(String authorization) {
        String credential = authorization.substring(SCHEME.length());
        int colon = credential.lastIndexOf(':');
        return colon < 0 ? "" : credential.substring(colon + 1);
    }

    boolean verify(DfsRequest request) {
        String authorization = request.header("Authorization");
        if (!isSharedKey(authorization) || !authorization.substring(SCHEME.length()).startsWith(account + ":")) {
            return false;
        }
        byte[] expected = sign(stringToSign(request)).getBytes(StandardCharsets.US_ASCII);
        return MessageDigest.isEqual(expected, presentedSignature(authorization).getBytes(StandardCharsets.US_ASCII));
    }

    String stringToSign(DfsRequest request) {
        StringBuilder text = new StringBuilder(request.method()).append('\n');
        boolean hasXmsDate = request.header("x-ms-date") != null;
        for (String name : STANDARD_HEADERS) {
            String value = request.header(name);
            if (value == null || (name.equals("Content-Length") && value.equals("0"))
                    || (name.equals("Date") && hasXmsDate)) {
                value = "";
            }
            text.append(value).append('\n');
        }
        TreeMap<String, String> xms = new TreeMap<>();
        request.headers().forEach((name, values) -> {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("x-ms-")) {
                xms.put(lower, String.join(",", values));
            }
        });
        xms.forEach((name, value) -> text.append(name).append(':').append(value).append('\n'));
        return text.append(canonicalizedResource(request)).toString();
    }

    private String canonicalizedResource(DfsRequest request) {
        StringBuilder resource = new StringBuilder("/").append(account).append(request.rawPath());
        TreeMap<String, List<String>> params = new TreeMap<>();
        if (!request.rawQuery().isEmpty()) {
            for (String pair : request.rawQuery().split("&")) {
                int eq = pair.indexOf('=');
                String name = DfsRequest.decode(pair.substring(0, eq < 0 ? pair.length() : eq)).toLowerCase(Locale.ROOT);
                List<String> values = new ArrayList<>();
                for (String value : (eq < 0 ? "" : pair.substring(eq + 1)).split(",", -1)) {
                    values.add(DfsRequest.decode(value));
                }
                values.sort(null);
                params.putIfAbsent(name, values);
            }
        }
        for (Map.Entry<String, List<String>> param : params.entrySet()) {
            resource.append('\n').append(param.getKey()).append(':').append(String.join(",", param.getValue()));
        }
        return resource.toString();
    }

    private String sign(String stringToSign) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(key, "HmacSHA256"));
            return Base64.getEncoder().encodeToString(mac.doFinal(stringToSign.getBytes(StandardCharsets.UTF_8)));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is always available", e);
        }
    }
}
