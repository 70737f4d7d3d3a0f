package io.changestream.archiver.store.adls;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.util.BinaryData;
import com.azure.storage.common.StorageSharedKeyCredential;
import com.azure.storage.common.policy.RequestRetryOptions;
import com.azure.storage.common.policy.RetryPolicyType;
import com.azure.storage.file.datalake.DataLakeFileClient;
import com.azure.storage.file.datalake.DataLakeServiceClientBuilder;
import com.azure.storage.file.datalake.models.DataLakeRequestConditions;
import com.azure.storage.file.datalake.options.DataLakeFileFlushOptions;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The DFS server's own rules, driven by the plain SDK (no store in between), so the store tests stand on a
 * server that refuses what the real service refuses.
 */
class DfsTestServerTest {
    private DfsTestServer server;
    private DataLakeFileClient file;

    @BeforeEach
    void start() {
        server = DfsTestServer.start();
        file = new DataLakeServiceClientBuilder().endpoint(server.endpoint())
                .httpClient(new JdkHttpClientBuilder().build())
                .retryOptions(new RequestRetryOptions(RetryPolicyType.FIXED, 1, Duration.ofSeconds(10), null, null,
                        null))
                .credential(new StorageSharedKeyCredential(server.accountName(), server.accountKey()))
                .buildClient().getFileSystemClient("fs").getFileClient("dir/file.json");
        server.state().createFileSystem("fs");
        file.create();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void appendedBytesStayInvisibleUntilAFlushCommitsThem() {
        file.append(BinaryData.fromString("abc"), 0);
        assertThat(file.getProperties().getFileSize()).isZero();

        file.flush(3, true);

        assertThat(server.state().content("fs", "dir/file.json").orElseThrow()).asString(UTF_8).isEqualTo("abc");
    }

    @Test
    void aFlushToAPositionTheStagedBytesDoNotReachIsInvalidFlushPosition() {
        file.append(BinaryData.fromString("abc"), 0);

        assertThatThrownBy(() -> file.flush(5, true)).isInstanceOfSatisfying(HttpResponseException.class, e -> {
            assertThat(e.getResponse().getStatusCode()).isEqualTo(400);
            assertThat(e.getResponse().getHeaderValue("x-ms-error-code")).isEqualTo("InvalidFlushPosition");
        });
    }

    @Test
    void aFlushOnAStaleEtagIsConditionNotMet() {
        String before = file.getProperties().getETag();
        server.state().foreignCommit("fs", "dir/file.json", "theirs".getBytes(UTF_8));
        file.append(BinaryData.fromString("ours"), 6);

        assertThatThrownBy(() -> file.flushWithResponse(10, new DataLakeFileFlushOptions()
                .setRequestConditions(new DataLakeRequestConditions().setIfMatch(before)), null, null))
                .isInstanceOfSatisfying(HttpResponseException.class, e ->
                        assertThat(e.getResponse().getHeaderValue("x-ms-error-code")).isEqualTo("ConditionNotMet"));
    }

    @Test
    void aCreateIfAbsentOfAnExistingFileIsPathAlreadyExistsWhileAPlainCreateEmptiesIt() {
        server.state().foreignCommit("fs", "dir/file.json", "data".getBytes(UTF_8));

        assertThatThrownBy(() -> file.create(false)).isInstanceOfSatisfying(HttpResponseException.class, e ->
                assertThat(e.getResponse().getHeaderValue("x-ms-error-code")).isEqualTo("PathAlreadyExists"));
        file.create(true);

        assertThat(server.state().content("fs", "dir/file.json").orElseThrow()).isEmpty();
    }

    @Test
    void aRequestTheServerDoesNotKnowIsAnsweredSoTheGapShows() {
        assertThatThrownBy(() -> file.rename(null, "elsewhere.json")).isInstanceOf(HttpResponseException.class);

        assertThat(server.unsupportedExchanges()).isNotEmpty();
    }
}
