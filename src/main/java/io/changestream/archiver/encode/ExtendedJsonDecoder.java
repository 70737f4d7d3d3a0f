package io.changestream.archiver.encode;

import java.nio.charset.StandardCharsets;

import org.bson.BsonType;
import org.bson.RawBsonDocument;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.RawBsonDocumentCodec;
import org.bson.json.JsonParseException;
import org.bson.json.JsonReader;

/**
 * Turns one archived JSON line back into the raw BSON document it was written from: the replay
 * direction of {@link ExtendedJsonEncoder}.
 *
 * <p>Design: the driver's {@link JsonReader} defines the result. It parses the line (it understands
 * both canonical and relaxed Extended JSON v2) and {@link RawBsonDocumentCodec} pipes it into BSON
 * bytes, with no {@code Document} or {@code BsonDocument} tree in between. Byte lines first go
 * through {@link CanonicalLineReader}, which reads the canonical forms change events are made of
 * straight into BSON bytes, many times faster, with exactly the driver's result, and declines
 * anything else, which then takes the driver's path. For canonical lines the result
 * equals the document that was encoded, for every BSON type. Relaxed lines lose what relaxed mode
 * loses: numbers come back as int32, int64 or double by their text, and a DBPointer as a plain
 * {@code {$ref, $id}} document. A line that is an {@link EscapedLine escape} (an event whose keys look
 * like a type wrapper, {@code {"$oid": ...}}, which Extended JSON cannot spell) decodes to the event in
 * its binary, exactly, in either mode; {@link EscapedLine#unwrap} checks every decoded line for it.
 *
 * <p>Invariant: a line holds exactly one document. Anything but whitespace after it is an error, so
 * two lines glued together by a lost newline are reported rather than half-replayed.
 *
 * <p>Stateless and thread-safe.
 */
public final class ExtendedJsonDecoder {
    private static final RawBsonDocumentCodec CODEC = new RawBsonDocumentCodec();
    private static final DecoderContext CONTEXT = DecoderContext.builder().build();

    /**
     * Decodes the UTF-8 line of {@code length} bytes at {@code line[offset]}; a trailing
     * {@code "\n"} or {@code "\r\n"} is allowed.
     *
     * @throws JsonParseException when the line is not exactly one Extended JSON document, or an escape that does
     *                            not check out
     */
    public RawBsonDocument decodeLine(byte[] line, int offset, int length) {
        if (offset < 0 || length < 0 || offset > line.length - length) {
            throw new IndexOutOfBoundsException("offset " + offset + " and length " + length + " outside array of " + line.length);
        }
        RawBsonDocument fast = CanonicalLineReader.read(line, offset, length);
        return fast != null ? EscapedLine.unwrap(fast) : decodeLine(new String(line, offset, length, StandardCharsets.UTF_8));
    }

    /**
     * Decodes one line of Extended JSON; surrounding whitespace, including the newline, is allowed.
     *
     * @throws JsonParseException when the line is not exactly one Extended JSON document
     */
    public RawBsonDocument decodeLine(String line) {
        JsonReader reader = new JsonReader(line);
        RawBsonDocument document = CODEC.decode(reader, CONTEXT);
        // At top level, after the document, the reader reports END_OF_DOCUMENT only for whitespace.
        if (reader.readBsonType() != BsonType.END_OF_DOCUMENT) {
            throw new JsonParseException("Expected one JSON document on the line, found more after the first");
        }
        return EscapedLine.unwrap(document);
    }
}
