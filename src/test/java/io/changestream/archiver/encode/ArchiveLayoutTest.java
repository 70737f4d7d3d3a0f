package io.changestream.archiver.encode;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.store.ArchiveFile;
import java.time.Instant;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ArchiveLayoutTest {

    @Test
    void eventHourComesFromClusterTimeInUtc() {
        // 2026-11-22T00:59:59Z and 01:00:00Z straddle an hour boundary
        long before = Instant.parse("2026-11-22T00:59:59Z").getEpochSecond();
        assertThat(HourSlot.of(new BsonTimestamp((int) before, 7)).name()).isEqualTo("2026-11-22-00");
        assertThat(HourSlot.of(new BsonTimestamp((int) before + 1, 1)).name()).isEqualTo("2026-11-22-01");
    }

    @Test
    void clusterTimesPast2038AreReadAsUnsignedSeconds() {
        long seconds = Instant.parse("2100-01-01T05:30:00Z").getEpochSecond();
        assertThat(HourSlot.of(new BsonTimestamp((int) seconds, 1)).name()).isEqualTo("2100-01-01-05");
    }

    @Test
    void fileNameCarriesPrefixFolderHourAndSuffix() {
        ArchiveLayout layout = new ArchiveLayout("/tenant-a/", Compression.GZIP);
        HourSlot slot = HourSlot.of(Instant.parse("2026-03-09T23:10:00Z"));
        assertThat(layout.file("orders", slot).path()).isEqualTo("tenant-a/orders/2026-03-09-23.json.gz");
        assertThat(layout.slotOf(layout.file("orders", slot))).contains(slot);
        assertThat(layout.slotOf(new ArchiveFile("tenant-a/orders/notes.txt"))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"a/b", "..", ".", "...", "../../etc", "with space", "ünïcødé", "per%cent", "x\\y", "a.b_c-D9"})
    void unsafeCollectionNamesStayInsideTheirFolderAndRoundTrip(String name) {
        String folder = ArchiveLayout.encodeCollection(name);
        assertThat(folder).matches("[A-Za-z0-9._%-]+").doesNotContain("/");
        assertThat(folder.chars().allMatch(c -> c == '.')).isFalse();
        assertThat(ArchiveLayout.decodeCollection(folder)).isEqualTo(name);
        assertThat(new ArchiveLayout("", Compression.NONE).file(name, HourSlot.of(Instant.EPOCH)).path())
                .startsWith(folder + "/");
    }

    @Test
    void safeNamesAreKeptAsTheyAre() {
        assertThat(ArchiveLayout.encodeCollection("orders.v2_x-1")).isEqualTo("orders.v2_x-1");
    }

    @Test
    void prefixWithDotDotIsRejected() {
        assertThatThrownBy(() -> new ArchiveLayout("a/../b", Compression.NONE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("a/../b");
    }
}
