package io.changestream.archiver.encode;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;

import org.bson.BsonDocument;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/** The reference the encoder is held to: the driver's own JSON writer, and assertions against it. */
final class DriverJson {
    private DriverJson() {
    }

    static RawBsonDocument raw(BsonDocument document) {
        return new RawBsonDocument(document, new BsonDocumentCodec());
    }

    /** The driver's JSON for {@code document} in {@code mode}, as UTF-8, plus the newline. */
    static byte[] driverLine(RawBsonDocument document, JsonMode mode) {
        String json = document.toJson(JsonWriterSettings.builder().outputMode(mode).build());
        return (json + "\n").getBytes(StandardCharsets.UTF_8);
    }

    static byte[] encoderLine(RawBsonDocument document, JsonMode mode) {
        Utf8Sink sink = new Utf8Sink(16);
        new ExtendedJsonEncoder(mode).encodeLine(document, sink);
        return sink.toByteArray();
    }

    static void assertSameAsDriver(RawBsonDocument document, JsonMode mode) {
        assertSameAsDriver(document, mode, "");
    }

    static void assertSameAsDriver(RawBsonDocument document, JsonMode mode, String context) {
        byte[] expected = driverLine(document, mode);
        byte[] actual = encoderLine(document, mode);
        if (!java.util.Arrays.equals(expected, actual)) {
            // Compare as text for a readable diff; bytes first so replacement chars cannot hide a difference.
            assertThat(new String(actual, StandardCharsets.UTF_8))
                    .as("%s mode %s", context, mode)
                    .isEqualTo(new String(expected, StandardCharsets.UTF_8));
            assertThat(actual).as("%s mode %s (bytes)", context, mode).isEqualTo(expected);
        }
    }
}
