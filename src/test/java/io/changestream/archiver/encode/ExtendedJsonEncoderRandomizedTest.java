package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.DriverJson.assertSameAsDriver;
import static io.changestream.archiver.encode.DriverJson.raw;

import io.changestream.archiver.bench.ChangeEventSamples;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.junit.jupiter.api.Test;

/**
 * Byte identity with the driver over thousands of random documents of every type. The seed is fixed
 * so a run is reproducible; explore others with {@code -Dencoder.seed=N}. A failure names the seed
 * and the document number.
 */
class ExtendedJsonEncoderRandomizedTest {
    static final long SEED = Long.getLong("encoder.seed", 0x5EED_2024L);
    private static final int DOCUMENTS = 3000;

    @Test
    void writesRandomDocumentsOfEveryTypeExactlyAsTheDriverDoes() {
        RandomBsonGenerator generator = new RandomBsonGenerator(SEED, false);
        for (int i = 0; i < DOCUMENTS; i++) {
            RawBsonDocument document = raw(generator.document());
            String context = "seed " + SEED + " (rerun with -Dencoder.seed=" + SEED + "), document #" + i;
            assertSameAsDriver(document, JsonMode.EXTENDED, context);
            assertSameAsDriver(document, JsonMode.RELAXED, context);
        }
    }

    @Test
    void writesTheBenchmarksChangeEventsExactlyAsTheDriverDoes() {
        // The benchmark compares speed; this keeps it comparing equal outputs.
        for (int lineItems : new int[] {0, 100}) {
            for (RawBsonDocument event : new ChangeEventSamples(42).events(64, lineItems)) {
                assertSameAsDriver(event, JsonMode.EXTENDED);
                assertSameAsDriver(event, JsonMode.RELAXED);
            }
        }
    }
}
