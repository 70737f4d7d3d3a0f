package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.OfflineConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The configuration replay, verify and status read: the store always, the tracker when asked, never the source. */
class OfflineConfigTest {

    @Test
    void replayNeedsOnlyTheStoreSettings() {
        OfflineConfig config = ConfigLoader.loadOffline(Map.of("ARCHIVE_LOCAL_DIR", "/data/archive"), false);

        assertThat(config.store().localDir()).hasToString("/data/archive");
        assertThat(config.tracker()).isEmpty();
        assertThat(config.collections()).isEmpty();
    }

    @Test
    void theTrackerDefaultsToTheSourceUriAndDatabaseAsInRun() {
        OfflineConfig config = ConfigLoader.loadOffline(Map.of("MONGODB_URI", "mongodb://u:pw@db:27017",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders,customers"), true);

        assertThat(config.tracker()).hasValueSatisfying(t -> {
            assertThat(t.uri().reveal()).isEqualTo("mongodb://u:pw@db:27017");
            assertThat(t.database()).isEqualTo("shop");
            assertThat(t.collection()).isEqualTo("changestream_tracker");
            assertThat(t.external()).isFalse();
        });
        assertThat(config.collections()).containsExactly("orders", "customers");
    }

    @Test
    void everyProblemIsListedAtOnceWithSecretsMasked() {
        assertThatThrownBy(() -> ConfigLoader.loadOffline(Map.of("TRACKER_URI", "http://u:secret@x",
                "ARCHIVE_COMPRESSION", "zip"), true))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("TRACKER_URI").hasMessageContaining("TRACKER_DATABASE (or MONGODB_DATABASE)")
                .hasMessageContaining("ARCHIVE_COMPRESSION=zip")
                .hasMessageNotContaining("secret");
    }
}
