package io.changestream.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.config.ArchiverConfig.SnapshotMode;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SnapshotSettingsTest {
    private static Map<String, String> env(String... pairs) {
        Map<String, String> env = new HashMap<>(Map.of("MONGODB_URI", "mongodb://localhost:27017",
                "MONGODB_DATABASE", "shop", "MONGODB_COLLECTIONS", "orders"));
        for (int i = 0; i < pairs.length; i += 2) {
            env.put(pairs[i], pairs[i + 1]);
        }
        return env;
    }

    @Test
    void defaultsAreAnInitialSnapshotNoScheduleSixtyFourMebibytePartsAndNoThrottle() {
        ArchiverConfig.Snapshots s = ConfigLoader.load(env()).snapshots();
        assertThat(s.mode()).isEqualTo(SnapshotMode.INITIAL);
        assertThat(s.quartzCron()).isEmpty();
        assertThat(s.partBytes()).isEqualTo(67_108_864L);
        assertThat(s.maxMegabytesPerSecond()).isZero();
    }

    @Test
    void aUnixCronScheduleIsTranslatedToQuartz() {
        ArchiverConfig.Snapshots s = ConfigLoader.load(env("SNAPSHOT_SCHEDULE", "0 3 * * 0", "SNAPSHOT_MODE", "never"))
                .snapshots();
        assertThat(s.mode()).isEqualTo(SnapshotMode.NEVER);
        assertThat(s.quartzCron()).isEqualTo(Optional.of(CronSchedule.toQuartz("0 3 * * 0")));
    }

    @Test
    void everyBadSnapshotSettingIsReportedAtOnceWithItsValue() {
        assertThatThrownBy(() -> ConfigLoader.load(env("SNAPSHOT_MODE", "always", "SNAPSHOT_SCHEDULE", "every day",
                "SNAPSHOT_PART_BYTES", "10", "SNAPSHOT_MAX_MB_PER_SECOND", "-1")))
                .isInstanceOf(ConfigException.class)
                .hasMessageContainingAll("SNAPSHOT_MODE", "always", "SNAPSHOT_SCHEDULE", "every day",
                        "SNAPSHOT_PART_BYTES", "10", "SNAPSHOT_MAX_MB_PER_SECOND", "-1");
    }
}
