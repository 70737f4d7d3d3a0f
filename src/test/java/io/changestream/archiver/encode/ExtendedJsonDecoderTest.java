package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.DriverJson.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonParseException;
import org.junit.jupiter.api.Test;

class ExtendedJsonDecoderTest {
    private final ExtendedJsonEncoder encoder = new ExtendedJsonEncoder(JsonMode.EXTENDED);
    private final ExtendedJsonDecoder decoder = new ExtendedJsonDecoder();

    private RawBsonDocument roundTrip(RawBsonDocument document) {
        Utf8Sink sink = new Utf8Sink();
        encoder.encodeLine(document, sink);
        return decoder.decodeLine(sink.array(), 0, sink.size());
    }

    @Test
    void decodesACanonicalLineBackIntoAnEqualDocumentForEveryBsonType() {
        RawBsonDocument original = raw(ExtendedJsonEncoderTest.everyType());
        RawBsonDocument decoded = roundTrip(original);
        assertThat(decoded).isEqualTo(original);
        assertThat(ExtendedJsonEncoderTest.bytes(decoded)).isEqualTo(ExtendedJsonEncoderTest.bytes(original));
    }

    @Test
    void decodesRandomCanonicalLinesBackIntoEqualDocuments() {
        long seed = ExtendedJsonEncoderRandomizedTest.SEED;
        RandomBsonGenerator generator = new RandomBsonGenerator(seed, true);
        for (int i = 0; i < 2000; i++) {
            RawBsonDocument original = raw(generator.document());
            assertThat(roundTrip(original)).as("seed %d, document #%d", seed, i).isEqualTo(original);
        }
    }

    @Test
    void decodesRelaxedLinesToo() {
        RawBsonDocument decoded = decoder.decodeLine("{\"a\": 1, \"d\": {\"$date\": \"2024-01-02T03:04:05.6Z\"}}\n");
        assertThat(decoded.getInt32("a").getValue()).isEqualTo(1);
        assertThat(decoded.getDateTime("d").getValue()).isEqualTo(1_704_164_645_600L);
    }

    @Test
    void acceptsAWindowsLineEndingAndAnOffsetIntoALargerBuffer() {
        byte[] buffer = "xx{\"a\": {\"$numberInt\": \"7\"}}\r\nyy".getBytes(StandardCharsets.UTF_8);
        assertThat(decoder.decodeLine(buffer, 2, buffer.length - 4)).isEqualTo(raw(new BsonDocument("a", new BsonInt32(7))));
    }

    @Test
    void rejectsALineHoldingMoreThanOneDocument() {
        assertThatThrownBy(() -> decoder.decodeLine("{\"a\": 1}{\"b\": 2}")).isInstanceOf(JsonParseException.class)
                .hasMessageContaining("one JSON document");
        assertThatThrownBy(() -> decoder.decodeLine("{\"a\": 1} x")).isInstanceOf(JsonParseException.class);
        assertThatThrownBy(() -> decoder.decodeLine("{\"a\": ")).isInstanceOf(JsonParseException.class);
    }
}
