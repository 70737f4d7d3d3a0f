package io.changestream.archiver.replay;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.encode.ExtendedJsonDecoder;
import org.bson.RawBsonDocument;

/**
 * Turns one archived line back into the change event it was written from. The one place replay and verify decode
 * lines, so the parser can change without touching them.
 *
 * <p>Every way a line can fail to be a change event is one {@link IllegalArgumentException}, which replay and verify
 * report as a finding for that line (file and position) and go on. The driver's reader, which reads whatever the fast
 * path declines, fails in many types: {@code JsonParseException} for bad JSON, {@code BsonSerializationException}
 * for a NUL byte in a field name or regular expression or for nesting deeper than its writer allows (1024 levels),
 * {@code BsonInvalidOperationException} for a misshapen wrapper, {@code IllegalArgumentException} for a bad ObjectId
 * or base64, and {@link ChangeEvent#of} adds its own. Decoding a line is pure (no I/O), so any runtime exception it
 * throws is the line's fault, never the store's or the process's: none may escape as a crash.
 */
public final class LineDecoder {
    private static final ExtendedJsonDecoder DECODER = new ExtendedJsonDecoder();
    private static final int REASON_CHARS = 300;

    private LineDecoder() {
    }

    /**
     * Decodes a line (canonical or relaxed Extended JSON v2, without its {@code \n}).
     *
     * @throws IllegalArgumentException when the line is not exactly one change event, with the parser's reason
     */
    public static ChangeEvent decode(byte[] line) {
        RawBsonDocument document;
        try {
            document = DECODER.decodeLine(line, 0, line.length);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not an Extended JSON document: " + reason(e), e);
        }
        try {
            return ChangeEvent.of(document);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(reason(e), e); // "not a change event (needs ...)"
        }
    }

    /**
     * The failure's own words, or its type when it has none: one printable line (the driver quotes the offending
     * name or pattern, NUL included), cut at {@value #REASON_CHARS} characters.
     */
    static String reason(Throwable e) {
        String message = e.getMessage();
        String text = message == null || message.isBlank() ? e.getClass().getSimpleName() : message;
        StringBuilder reason = new StringBuilder();
        int i = 0;
        for (; i < text.length() && reason.length() < REASON_CHARS; i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == 0x7f) {
                reason.append(String.format("\\u%04x", (int) c));
            } else {
                reason.append(c);
            }
        }
        return i < text.length() ? reason + "..." : reason.toString();
    }
}
