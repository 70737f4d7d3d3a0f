package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.bson.BsonTimestamp;
import org.junit.jupiter.api.Test;

class ClusterTimesTest {

    @Test
    void aClusterTimeAfter2038IsReadAsUnsignedSecondsNotAsADateIn1901() {
        BsonTimestamp t = new BsonTimestamp((int) 0x9000_0000L, 7);

        assertThat(t.getTime()).as("the driver's signed view").isNegative();
        assertThat(ClusterTimes.instant(t)).isEqualTo(Instant.ofEpochSecond(0x9000_0000L))
                .isAfter(Instant.parse("2038-01-19T03:14:08Z"));
        assertThat(ClusterTimes.instant(new BsonTimestamp(1_700_000_000, 1)))
                .isEqualTo(Instant.parse("2023-11-14T22:13:20Z"));
    }
}
