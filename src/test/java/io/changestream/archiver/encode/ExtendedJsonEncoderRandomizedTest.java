package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.DriverJson.assertSameAsDriver;
import static io.changestream.archiver.encode.DriverJson.raw;

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
}
