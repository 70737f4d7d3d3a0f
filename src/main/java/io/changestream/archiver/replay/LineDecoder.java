package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import org.bson.BsonInvalidOperationException;
import org.bson.json.JsonParseException;

/**
 * Turns one archived line back into the change event it was written from. The one place replay and verify decode
 * lines, so the parser can change without touching them.
 */
public final class LineDecoder {
    private static final ExtendedJsonDecoder DECODER = new ExtendedJsonDecoder();

    private LineDecoder() {
    }

    /**
     * Decodes a line (canonical or relaxed Extended JSON v2, without its {@code \n}).
     *
     * @throws IllegalArgumentException when the line is not exactly one change event, with the parser's reason
     */
    public static ChangeEvent decode(byte[] line) {
        try {
            return ChangeEvent.of(DECODER.decodeLine(line, 0, line.length));
        } catch (JsonParseException | BsonInvalidOperationException e) {
            throw new IllegalArgumentException("not an Extended JSON document: " + e.getMessage(), e);
        }
    }
}
