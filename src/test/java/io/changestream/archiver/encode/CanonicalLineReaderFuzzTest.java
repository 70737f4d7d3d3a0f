package io.changestream.archiver.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;

import org.junit.jupiter.api.Test;

/**
 * The short, seeded run of {@link ReaderFuzz} in the suite: every shape once, documents up to BSON's 16 MB. The seed
 * is random unless {@code -Dfuzz.seed=} fixes it, and printed; {@code -Dfuzz.iterations=} lengthens the run and
 * {@code -Dfuzz.maxBytes=} caps the document size. The long run is {@code bench/reader-fuzz}.
 */
class CanonicalLineReaderFuzzTest {

    @Test
    void theLineReaderReadsGeneratedDocumentsOfEveryShapeAndSizeExactlyAsTheDriverDoes() {
        long seed = Long.getLong("fuzz.seed", new Random().nextLong());
        int iterations = Integer.getInteger("fuzz.iterations", 1);
        int maxBytes = Integer.getInteger("fuzz.maxBytes", ReaderFuzz.MAX_BSON);
        System.out.println("CanonicalLineReaderFuzzTest: -Dfuzz.seed=" + seed + " -Dfuzz.iterations=" + iterations);

        ReaderFuzz.Counts counts = new ReaderFuzz(seed).run(iterations, maxBytes);

        System.out.println("CanonicalLineReaderFuzzTest: " + counts);
        assertThat(counts.fastAccepted()).as("seed %d: lines the fast path read", seed).isPositive();
        assertThat(counts.fastDeclined()).as("seed %d: lines left to the fallback", seed).isPositive();
        assertThat(counts.refusedTooDeep()).as("seed %d: lines nested past the limit", seed).isPositive();
    }
}
