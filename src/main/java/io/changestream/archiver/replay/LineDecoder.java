package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;
import java.nio.charset.StandardCharsets;
import org.bson.RawBsonDocument;
import org.bson.json.JsonParseException;

/**
 * Turns one archived line back into the change event it was written from. The one place lines are decoded, so the
 * parser can be swapped (for the fast Extended JSON decoder) without touching replay or verify.
 */
public final class LineDecoder {
    private LineDecoder() {
    }

    /**
     * Decodes a line (canonical or relaxed Extended JSON v2, without its {@code \n}).
     *
     * @throws IllegalArgumentException when the line is not one change event, with the parser's reason
     */
    public static ChangeEvent decode(byte[] line) {
        try {
            return ChangeEvent.of(RawBsonDocument.parse(new String(line, StandardCharsets.UTF_8)));
        } catch (JsonParseException | org.bson.BsonInvalidOperationException e) {
            throw new IllegalArgumentException("not an Extended JSON document: " + e.getMessage(), e);
        }
    }
}
