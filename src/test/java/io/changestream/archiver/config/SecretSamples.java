package io.changestream.archiver.config;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * Generated URIs and SAS queries that carry secrets, each with the list of substrings that must never be printed.
 *
 * <p>A password is made of unique marker words joined (and possibly started or ended) by the characters that end
 * user info at the wrong place when a masker is naive: {@code @ : / ? #} and {@code %}. Each marker word is asserted
 * absent, so a masker that hides only part of the password (say, up to its first {@code @}) is caught. A SAS query
 * holds every SAS field in random order, each value a unique marker.
 */
public final class SecretSamples {
    private static final String SEPARATORS = "@:/?#%";
    private static final List<String> SAS_FIELDS = List.of("sv", "ss", "srt", "sp", "se", "st", "spr", "sig",
            "skoid", "sktid", "skt", "ske", "sks", "skv", "sr", "sip", "signature", "token", "access_token",
            "password", "pwd", "key", "secret", "code");

    /** A text holding secrets, and the substrings of it that must never appear in any output. */
    public record Sample(String text, List<String> secrets, String host) {
        @Override
        public String toString() {
            return text;
        }
    }

    private final Random random;
    private int counter;

    public SecretSamples(Random random) {
        this.random = random;
    }

    /** A unique word that cannot occur in any message by chance. */
    public String marker() {
        StringBuilder s = new StringBuilder("Zq").append(counter++).append('x');
        for (int i = 0; i < 6; i++) {
            s.append((char) ('a' + random.nextInt(26)));
        }
        return s.toString();
    }

    /** A password of marker words joined by {@code @ : / ? # %}; its marker words go into {@code secrets}. */
    public String password(List<String> secrets) {
        StringBuilder p = new StringBuilder();
        if (random.nextBoolean()) {
            p.append(separator());
        }
        int words = 1 + random.nextInt(4);
        for (int w = 0; w < words; w++) {
            if (w > 0) {
                p.append(separator());
                if (random.nextInt(4) == 0) {
                    p.append(separator());
                }
            }
            String word = marker();
            secrets.add(word);
            p.append(word);
        }
        if (random.nextBoolean()) {
            p.append(separator());
        }
        return p.toString();
    }

    private char separator() {
        return SEPARATORS.charAt(random.nextInt(SEPARATORS.length()));
    }

    /** A {@code mongodb://} or {@code mongodb+srv://} URI whose user and password are secret. */
    public Sample mongoUri() {
        List<String> secrets = new ArrayList<>();
        String user = marker();
        secrets.add(user);
        String password = password(secrets);
        boolean srv = random.nextInt(4) == 0;
        String host = "db-" + random.nextInt(100) + ".example";
        StringBuilder uri = new StringBuilder(srv ? "mongodb+srv://" : "mongodb://")
                .append(user).append(':').append(password).append('@').append(host);
        if (!srv) {
            uri.append(":27017,db-b.example:27018");
        }
        uri.append(random.nextBoolean() ? "/" : "/shop");
        List<String> query = new ArrayList<>(List.of("replicaSet=rs0", "authSource=admin", "tls=true"));
        if (random.nextBoolean()) {
            String secret = marker();
            secrets.add(secret);
            query.add("tlsCertificateKeyFilePassword=" + secret);
        }
        Collections.shuffle(query, random);
        uri.append('?').append(String.join("&", query.subList(0, 1 + random.nextInt(query.size()))));
        return new Sample(uri.toString(), List.copyOf(secrets), host);
    }

    /** An ADLS endpoint with a SAS query (every field, random order), as a careless {@code AZURE_STORAGE_ENDPOINT}. */
    public Sample sasEndpoint() {
        List<String> secrets = new ArrayList<>();
        List<String> fields = new ArrayList<>(SAS_FIELDS);
        Collections.shuffle(fields, random);
        List<String> pairs = new ArrayList<>();
        for (String field : fields.subList(0, 1 + random.nextInt(fields.size()))) {
            String value = marker();
            secrets.add(value);
            if (random.nextBoolean()) {
                String second = marker();
                secrets.add(second);
                value += "%2B" + second + "%3D";
            }
            pairs.add(field + "=" + value);
        }
        String host = "acct" + random.nextInt(100) + ".dfs.core.windows.net";
        return new Sample("https://" + host + (random.nextBoolean() ? "/" : "/changestreams/") + "?"
                + String.join("&", pairs), List.copyOf(secrets), host);
    }
}
