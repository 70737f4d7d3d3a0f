package io.changestream.archiver.store;

import static io.changestream.archiver.store.ArchiveStoreContract.append;
import static io.changestream.archiver.store.ArchiveStoreContract.readAll;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only the local folder does: torn tails and their repair, containment under the root. */
class LocalArchiveStoreTest {
    private static final ArchiveFile FILE = new ArchiveFile("orders/2026-11-22-01.json");

    @TempDir
    Path root;
    private LocalArchiveStore store;

    @BeforeEach
    void open() {
        store = new LocalArchiveStore(root);
    }

    @Test
    void aTornTailCountsInTheLengthUntilTruncateCutsItAndTheNextAppendContinuesThere() throws Exception {
        append(store, FILE, 0, "{\"complete\":1}\n");
        Files.write(root.resolve(FILE.path()), "{\"torn".getBytes(UTF_8), StandardOpenOption.APPEND);
        assertThat(store.length(FILE)).isEqualTo(21);

        store.truncate(FILE, 15);
        append(store, FILE, 15, "{\"next\":2}\n");

        assertThat(readAll(store, FILE, 0)).isEqualTo("{\"complete\":1}\n{\"next\":2}\n");
    }

    @Test
    void truncatingBeyondTheLengthIsAConflict() {
        append(store, FILE, 0, "abc");

        assertThatThrownBy(() -> store.truncate(FILE, 4))
                .isInstanceOfSatisfying(StoreConflictException.class, e -> assertThat(e.actualLength()).isEqualTo(3));
    }

    @Test
    void appendCreatesTheMissingFoldersUnderTheRoot() {
        append(store, new ArchiveFile("prefix/orders/2026-11-22-01.json"), 0, "x\n");

        assertThat(root.resolve("prefix/orders/2026-11-22-01.json")).hasContent("x");
    }

    @Test
    void aFolderThatResolvesOutsideTheRootIsRefused() {
        assertThatThrownBy(() -> store.list("../elsewhere")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("outside the store root");
    }

    @Test
    void onlyRegularFilesAreListed() throws Exception {
        append(store, FILE, 0, "x\n");
        Files.createDirectories(root.resolve("orders/empty-folder"));

        assertThat(store.list("orders")).containsExactly(FILE);
    }

    @Test
    void describeNamesTheAbsoluteFolder() {
        assertThat(store.describe()).isEqualTo("local folder " + root.toAbsolutePath().normalize());
    }
}
