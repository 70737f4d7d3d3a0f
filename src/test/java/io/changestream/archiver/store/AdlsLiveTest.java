package io.changestream.archiver.store;

import static io.changestream.archiver.store.ArchiveStoreContract.append;
import static io.changestream.archiver.store.ArchiveStoreContract.readAll;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.Secret;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Against a real storage account, opt-in: runs when {@code AZURE_STORAGE_ACCOUNT_NAME} and
 * {@code AZURE_STORAGE_ACCOUNT_KEY} or {@code AZURE_STORAGE_SAS_TOKEN} are set ({@code AZURE_STORAGE_ENDPOINT} and
 * {@code AZURE_ADLS_FILESYSTEM} are honoured). Excluded from the default build by its tag; run it with
 * {@code mvn -B test -Dtest.excludedGroups= -Dtest=AdlsLiveTest}. Writes below {@code live-test/<uuid>/} and
 * deletes that folder afterwards.
 */
@Tag("live")
class AdlsLiveTest {
    private static final String RUN_FOLDER = "live-test/" + UUID.randomUUID();
    private static ArchiverConfig.Azure azure;
    private static String missing;

    @BeforeAll
    static void readTheAccountFromTheEnvironment() {
        String account = System.getenv("AZURE_STORAGE_ACCOUNT_NAME");
        Optional<Secret> key = secretFromEnv("AZURE_STORAGE_ACCOUNT_KEY");
        Optional<Secret> sas = secretFromEnv("AZURE_STORAGE_SAS_TOKEN");
        missing = account == null || account.isBlank() ? "AZURE_STORAGE_ACCOUNT_NAME is not set"
                : key.isEmpty() && sas.isEmpty() ? "neither AZURE_STORAGE_ACCOUNT_KEY nor AZURE_STORAGE_SAS_TOKEN is set"
                : null;
        if (missing != null) {
            return;
        }
        String endpoint = System.getenv("AZURE_STORAGE_ENDPOINT");
        String fileSystem = System.getenv("AZURE_ADLS_FILESYSTEM");
        azure = new ArchiverConfig.Azure(account, key, key.isPresent() ? Optional.empty() : sas,
                endpoint == null ? "" : endpoint, fileSystem == null || fileSystem.isBlank() ? "changestreams" : fileSystem);
    }

    @BeforeEach
    void requireAnAccount(TestInfo test) {
        if (missing != null) {
            System.out.println("AdlsLiveTest." + test.getDisplayName() + " skipped: " + missing
                    + " (it needs a real ADLS Gen2 account)");
        }
        Assumptions.assumeTrue(missing == null, missing);
    }

    @AfterAll
    static void deleteTheRunFolder() {
        if (azure != null) {
            AdlsClientFactory.fileSystem(azure, AdlsRetrySettings.of(3, Duration.ofSeconds(1)))
                    .getDirectoryAsyncClient(RUN_FOLDER).deleteRecursively().block();
        }
    }

    @Test
    void appendsReadsListsAndRefusesTruncationOnARealAccount() throws Exception {
        ArchiveStore store = open();
        ArchiveFile file = new ArchiveFile(RUN_FOLDER + "/orders/2026-11-22-01.json");

        long end = append(store, file, 0, "{\"n\":1}\n");
        end = append(store, file, end, "{\"n\":2}\n");

        assertThat(store.length(file)).isEqualTo(end).isEqualTo(16);
        assertThat(readAll(store, file, 8)).isEqualTo("{\"n\":2}\n");
        assertThat(store.list(RUN_FOLDER + "/orders")).containsExactly(file);
        assertThatThrownBy(() -> store.truncate(file, 8)).isInstanceOf(StoreConflictException.class);
    }

    @Test
    void aSecondWritersCommitIsDetectedOnARealAccount() throws Exception {
        ArchiveStore first = open();
        ArchiveStore second = open();
        ArchiveFile file = new ArchiveFile(RUN_FOLDER + "/fenced/2026-11-22-01.json");
        append(first, file, 0, "first\n");

        append(second, file, second.length(file), "second\n");

        assertThatThrownBy(() -> append(first, file, 6, "first again\n")).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining("another writer");
        assertThat(readAll(second, file, 0)).isEqualTo("first\nsecond\n");
    }

    private static ArchiveStore open() {
        return ArchiveStores.open(new ArchiverConfig.Store(ArchiverConfig.StoreKind.ADLS, Path.of("unused"), "", Optional.of(azure),
                ArchiverConfig.Compression.NONE, ArchiverConfig.JsonMode.CANONICAL, 5, Duration.ofSeconds(1)));
    }

    private static Optional<Secret> secretFromEnv(String name) {
        String value = System.getenv(name);
        return value == null || value.isBlank() ? Optional.empty() : Optional.of(new Secret(value));
    }
}
