package io.changestream.archiver.store;

import com.azure.core.credential.AzureSasCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.HttpLogDetailLevel;
import com.azure.core.http.policy.HttpLogOptions;
import com.azure.identity.DefaultAzureCredentialBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.storage.file.datalake.DataLakeFileSystemAsyncClient;
import com.azure.storage.file.datalake.DataLakeServiceClientBuilder;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.Secret;
import java.time.Duration;
import java.util.Arrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the SDK client of one ADLS file system from configuration: endpoint, credential, HTTP client and retry
 * policy. Kept apart from {@link AdlsArchiveStore} so the store's protocol reads without SDK plumbing.
 *
 * <p>Choices: the asynchronous clients, because the synchronous ones log every service error (an expected 404 on a
 * new hourly file, a 412 settling a lost answer) at ERROR with the service's error text before throwing; the
 * store classifies and sanitizes errors itself and its caller logs once. The JDK HTTP client (no second Netty next to reactor-netty's), HTTP/1.1 (the storage service speaks
 * nothing else, and it spares a cleartext HTTP/2 upgrade against test endpoints), HTTP logging pinned to NONE so
 * no environment variable can make the SDK log request URLs (a SAS is a query string).
 *
 * <p>{@code Content-Length}: the SDK sets it on every request, and its JDK client drops a header the JDK client
 * restricts, with a WARN per request (most of the service's log lines, with ADLS). The JDK client allows it when
 * the system property {@value #ALLOW_RESTRICTED_HEADERS} names it, read once, when the JDK client's classes load,
 * so {@link #allowContentLengthHeader} sets it before the first client is built, and checks that the JDK took it: if
 * something in this JVM loaded the JDK client earlier, the property is put back, so the SDK keeps dropping the
 * header (and warning) rather than handing the JDK a header it would reject. The value sent is the same either way:
 * the body's length.
 */
final class AdlsClientFactory {
    private static final Logger log = LoggerFactory.getLogger(AdlsClientFactory.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    static final String ALLOW_RESTRICTED_HEADERS = "jdk.httpclient.allowRestrictedHeaders";
    private static final String CONTENT_LENGTH = "content-length";

    /** How the client authenticates; named in {@link AdlsArchiveStore#describe()}, never with the secret. */
    enum AuthMode {
        SHARED_KEY("shared key"), SAS("SAS token"), AZURE_IDENTITY("DefaultAzureCredential");

        private final String text;

        AuthMode(String text) {
            this.text = text;
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private AdlsClientFactory() {
    }

    static AuthMode authMode(ArchiverConfig.Azure azure) {
        if (azure.accountKey().isPresent() && azure.sasToken().isPresent()) {
            // ConfigLoader reports this with every other problem; this guards direct construction.
            throw new IllegalArgumentException("AZURE_STORAGE_ACCOUNT_KEY and AZURE_STORAGE_SAS_TOKEN are both set; "
                    + "set one of them, or neither for DefaultAzureCredential");
        }
        return azure.accountKey().isPresent() ? AuthMode.SHARED_KEY
                : azure.sasToken().isPresent() ? AuthMode.SAS : AuthMode.AZURE_IDENTITY;
    }

    /** {@code AZURE_STORAGE_ENDPOINT}, or {@code https://<account>.dfs.core.windows.net} when it is empty. */
    static String endpoint(ArchiverConfig.Azure azure) {
        String configured = azure.endpoint();
        if (configured == null || configured.isBlank()) {
            return "https://" + azure.accountName() + ".dfs.core.windows.net";
        }
        return configured.endsWith("/") ? configured.substring(0, configured.length() - 1) : configured;
    }

    /**
     * Lets the JDK client send the SDK's {@code Content-Length} (see the class comment). Returns whether the JDK
     * allows it now.
     */
    static synchronized boolean allowContentLengthHeader() {
        String before = System.getProperty(ALLOW_RESTRICTED_HEADERS);
        boolean named = before != null && Arrays.stream(before.split(","))
                .anyMatch(h -> h.trim().equalsIgnoreCase(CONTENT_LENGTH));
        if (!named) {
            System.setProperty(ALLOW_RESTRICTED_HEADERS,
                    before == null || before.isBlank() ? CONTENT_LENGTH : before + "," + CONTENT_LENGTH);
        }
        try {
            java.net.http.HttpRequest.newBuilder().header("Content-Length", "0");
            return true;
        } catch (IllegalArgumentException e) {
            if (!named) {
                if (before == null) {
                    System.clearProperty(ALLOW_RESTRICTED_HEADERS);
                } else {
                    System.setProperty(ALLOW_RESTRICTED_HEADERS, before);
                }
            }
            log.debug("the JDK HTTP client was loaded before {} could be set; the Azure SDK will warn that it "
                    + "drops Content-Length", ALLOW_RESTRICTED_HEADERS);
            return false;
        }
    }

    static DataLakeFileSystemAsyncClient fileSystem(ArchiverConfig.Azure azure, AdlsRetrySettings retry) {
        allowContentLengthHeader();
        HttpClient http = new JdkHttpClientBuilder(
                java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1))
                .connectionTimeout(CONNECT_TIMEOUT)
                .build();
        DataLakeServiceClientBuilder builder = new DataLakeServiceClientBuilder()
                .endpoint(endpoint(azure))
                .httpClient(http)
                .retryOptions(new RequestRetryOptions(RetryPolicyType.EXPONENTIAL, retry.maxTries(),
                        retry.tryTimeout(), retry.firstDelay(), retry.maxDelay(), null))
                .addPolicy(new RetryJitterPolicy(retry.firstDelay(), retry.maxDelay()))
                .addPolicy(new BufferedErrorBodyPolicy())
                .httpLogOptions(new HttpLogOptions().setLogLevel(HttpLogDetailLevel.NONE));
        switch (authMode(azure)) {
            case SHARED_KEY -> builder.credential(
                    new StorageSharedKeyCredential(azure.accountName(), azure.accountKey().orElseThrow().reveal()));
            case SAS -> builder.credential(new AzureSasCredential(sasWithoutQuestionMark(azure.sasToken().orElseThrow())));
            case AZURE_IDENTITY -> builder.credential(new DefaultAzureCredentialBuilder().httpClient(http).build());
        }
        return builder.buildAsyncClient().getFileSystemAsyncClient(azure.fileSystem());
    }

    private static String sasWithoutQuestionMark(Secret sas) {
        String token = sas.reveal().trim();
        return token.startsWith("?") ? token.substring(1) : token;
    }
}
