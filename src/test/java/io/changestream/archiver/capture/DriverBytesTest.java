package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.ByteBuf;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.Test;

class DriverBytesTest {

    /** Fails when a driver upgrade renames RawBsonDocument's fields: capture would silently fall back to the slow path. */
    @Test
    void readsTheDriversFieldsDirectlyOnTheClassPath() {
        assertThat(DriverBytes.readsFieldsDirectly()).as("RawBsonDocument's bytes/offset/length fields are readable")
                .isTrue();
    }

    @Test
    void handsOverTheSameArrayOffsetAndLengthAsGetByteBuffer() {
        byte[] document = new RawBsonDocument(new BsonDocument("a", new BsonString("bc")), new BsonDocumentCodec())
                .getByteBuffer().array();
        byte[] padded = new byte[document.length + 9];
        System.arraycopy(document, 0, padded, 5, document.length);
        for (RawBsonDocument raw : new RawBsonDocument[] {new RawBsonDocument(document),
            new RawBsonDocument(padded, 5, document.length)}) {
            ByteBuf viaDriver = raw.getByteBuffer();
            String seen = DriverBytes.read(raw, (array, offset, length) -> {
                assertThat(array).isSameAs(viaDriver.array());
                return offset + "/" + length;
            });
            assertThat(seen).isEqualTo(viaDriver.position() + "/" + viaDriver.remaining());
        }
    }
}
