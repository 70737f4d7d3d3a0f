package io.changestream.archiver.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;

/**
 * The {@link ArchiveStore} contract, run against every implementation by a subclass that says how to open a
 * store on fresh, empty storage. {@link #reopen()} opens another store on the same storage, as a restarted
 * process would.
 */
abstract class ArchiveStoreContract {
    static final ArchiveFile FILE = new ArchiveFile("orders/2026-11-22-01.json");

    /** A store on storage that stays the same for the whole test. */
    abstract ArchiveStore store();

    /** Another store instance on the same storage, sharing nothing in memory with {@link #store()}. */
    abstract ArchiveStore reopen();

    @Test
    void aMissingFileHasLengthZeroAndReadsEmpty() throws IOException {
        assertThat(store().length(FILE)).isZero();
        assertThat(readAll(store(), FILE, 0)).isEmpty();
    }

    @Test
    void deleteRemovesOnlyThatFileForEveryStoreInstanceAndANewFileMayBeCreatedThere() throws IOException {
        ArchiveFile other = new ArchiveFile("orders/2026-11-22-02.json");
        append(store(), FILE, 0, "{\"a\":1}\n");
        append(store(), other, 0, "{\"b\":2}\n");

        assertThat(store().delete(FILE)).isTrue();

        assertThat(store().length(FILE)).isZero();
        assertThat(reopen().length(FILE)).isZero();
        assertThat(reopen().list("orders")).containsExactly(other);
        assertThat(readAll(reopen(), other, 0)).isEqualTo("{\"b\":2}\n");
        assertThat(append(store(), FILE, 0, "{\"c\":3}\n")).as("the writer's view of the deleted file is gone")
                .isEqualTo(8);
        assertThat(readAll(reopen(), FILE, 0)).isEqualTo("{\"c\":3}\n");
    }

    @Test
    void deletingAFileThatIsNotThereAnswersFalseSoAnInterruptedPruneCanRunAgain() {
        assertThat(store().delete(FILE)).isFalse();
        append(store(), FILE, 0, "x\n");
        assertThat(store().delete(FILE)).isTrue();
        assertThat(reopen().delete(FILE)).isFalse();
    }

    @Test
    void appendAtZeroCreatesTheFileAndReturnsTheNewLength() throws IOException {
        assertThat(append(store(), FILE, 0, "{\"a\":1}\n")).isEqualTo(8);

        assertThat(store().length(FILE)).isEqualTo(8);
        assertThat(readAll(store(), FILE, 0)).isEqualTo("{\"a\":1}\n");
    }

    @Test
    void appendsAtTheCommittedLengthGrowTheFileInOrder() throws IOException {
        long end = 0;
        StringBuilder expected = new StringBuilder();
        for (int i = 0; i < 5; i++) {
            String line = "{\"n\":" + i + "}\n";
            end = append(store(), FILE, end, line);
            expected.append(line);
        }

        assertThat(end).isEqualTo(expected.length());
        assertThat(readAll(store(), FILE, 0)).isEqualTo(expected.toString());
    }

    @Test
    void appendWritesOnlyTheGivenSliceOfTheArray() throws IOException {
        byte[] buffer = "xxHELLOxx".getBytes(UTF_8);

        assertThat(store().append(FILE, 0, buffer, 2, 5)).isEqualTo(5);
        assertThat(readAll(store(), FILE, 0)).isEqualTo("HELLO");
    }

    @Test
    void anAppendBelowTheCommittedLengthIsAConflictAndOverwritesNothing() throws IOException {
        append(store(), FILE, 0, "first\n");

        assertThatThrownBy(() -> append(store(), FILE, 0, "again\n"))
                .isInstanceOfSatisfying(StoreConflictException.class, e -> assertThat(e.actualLength()).isEqualTo(6))
                .hasMessageContaining(FILE.path());
        assertThat(readAll(store(), FILE, 0)).isEqualTo("first\n");
    }

    @Test
    void anAppendBeyondTheCommittedLengthIsAConflictCarryingTheActualLength() throws IOException {
        append(store(), FILE, 0, "first\n");

        assertThatThrownBy(() -> append(store(), FILE, 10, "gap\n"))
                .isInstanceOfSatisfying(StoreConflictException.class, e -> assertThat(e.actualLength()).isEqualTo(6));
        assertThat(readAll(store(), FILE, 0)).isEqualTo("first\n");
    }

    @Test
    void anAppendBeyondTheStartOfAMissingFileIsAConflictAndCreatesNothing() {
        assertThatThrownBy(() -> append(store(), FILE, 3, "x\n"))
                .isInstanceOfSatisfying(StoreConflictException.class, e -> assertThat(e.actualLength()).isZero());
        assertThat(store().list("orders")).isEmpty();
    }

    @Test
    void readReturnsTheCommittedBytesFromAPosition() throws IOException {
        append(store(), FILE, 0, "line one\nline two\n");

        assertThat(readAll(store(), FILE, 9)).isEqualTo("line two\n");
        assertThat(readAll(store(), FILE, 18)).isEmpty();
    }

    @Test
    void readBeyondTheEndIsAConflict() {
        append(store(), FILE, 0, "abc");

        assertThatThrownBy(() -> store().read(FILE, 4))
                .isInstanceOfSatisfying(StoreConflictException.class, e -> assertThat(e.actualLength()).isEqualTo(3));
    }

    @Test
    void listReturnsEveryFileBelowAFolderSortedWithSlashSeparatedPaths() {
        List<String> names = List.of("orders/2026-11-22-03.json", "orders/2026-11-22-01.json",
                "orders/sub/2026-11-22-00.json", "orders/2026-11-22-02.json", "orders/2026-11-22-10.json",
                "orders/2026-11-23-00.json", "orders/sub/deeper/2026-11-22-00.json", "ordersx/2026-11-22-01.json",
                "users/2026-11-22-01.json");
        for (String name : names) {
            append(store(), new ArchiveFile(name), 0, name + "\n");
        }

        assertThat(store().list("orders")).extracting(ArchiveFile::path).containsExactly(
                "orders/2026-11-22-01.json", "orders/2026-11-22-02.json", "orders/2026-11-22-03.json",
                "orders/2026-11-22-10.json", "orders/2026-11-23-00.json", "orders/sub/2026-11-22-00.json",
                "orders/sub/deeper/2026-11-22-00.json");
        assertThat(store().list("")).hasSize(names.size());
    }

    @Test
    void listOfAMissingFolderIsEmpty() {
        assertThat(store().list("nothing-here")).isEmpty();
        append(store(), FILE, 0, "x\n");
        assertThat(store().list("nothing-here")).isEmpty();
    }

    @Test
    void percentEncodedCollectionFoldersKeepTheirNames() throws IOException {
        ArchiveFile file = new ArchiveFile("a%2Fb%20c/2026-11-22-01.json");
        append(store(), file, 0, "x\n");

        assertThat(store().list("a%2Fb%20c")).containsExactly(file);
        assertThat(readAll(store(), file, 0)).isEqualTo("x\n");
        assertThat(store().list("a")).isEmpty();
    }

    @Test
    void truncateToTheCurrentLengthChangesNothing() throws IOException {
        append(store(), FILE, 0, "complete\n");

        store().truncate(FILE, 9);

        assertThat(readAll(store(), FILE, 0)).isEqualTo("complete\n");
    }

    @Test
    void aRestartedStoreSeesEverythingCommittedAndContinuesAtItsEnd() throws IOException {
        append(store(), FILE, 0, "before restart\n");

        ArchiveStore restarted = reopen();
        long length = restarted.length(FILE);
        restarted.append(FILE, length, "after\n".getBytes(UTF_8), 0, 6);

        assertThat(length).isEqualTo(15);
        assertThat(readAll(reopen(), FILE, 0)).isEqualTo("before restart\nafter\n");
        assertThat(reopen().list("orders")).containsExactly(FILE);
    }

    @Test
    void gzipMembersAppendedOnePerFlushReadBackWholeAsOneStream() throws IOException {
        ArchiveFile gz = new ArchiveFile("orders/2026-11-22-01.json.gz");
        List<String> flushes = List.of("{\"n\":1}\n{\"n\":2}\n", "{\"n\":3}\n", "{\"n\":4}\n{\"n\":5}\n");
        long end = 0;
        for (String flush : flushes) {
            byte[] member = gzip(flush);
            end = store().append(gz, end, member, 0, member.length);
        }

        try (InputStream in = new GZIPInputStream(store().read(gz, 0))) {
            assertThat(new String(in.readAllBytes(), UTF_8)).isEqualTo(String.join("", flushes));
        }
    }

    @Test
    void describeNamesTheStore() {
        assertThat(store().describe()).isNotBlank();
    }

    static long append(ArchiveStore store, ArchiveFile file, long position, String text) {
        byte[] bytes = text.getBytes(UTF_8);
        return store.append(file, position, bytes, 0, bytes.length);
    }

    static String readAll(ArchiveStore store, ArchiveFile file, long position) throws IOException {
        try (InputStream in = store.read(file, position)) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    static byte[] gzip(String text) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (GZIPOutputStream out = new GZIPOutputStream(bytes)) {
            out.write(text.getBytes(UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    /** Segments {@code "<prefix>-<i>\n"} for i in [0, count). */
    static List<String> segments(String prefix, int count) {
        List<String> segments = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            segments.add(prefix + "-" + i + "\n");
        }
        return segments;
    }
}
