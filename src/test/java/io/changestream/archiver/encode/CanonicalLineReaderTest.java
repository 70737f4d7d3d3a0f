package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.DriverJson.encoderLine;
import static io.changestream.archiver.encode.DriverJson.raw;
import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.bench.ChangeEventSamples;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;

import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.RawBsonDocumentCodec;
import org.bson.codecs.DecoderContext;
import org.bson.json.JsonMode;
import org.bson.json.JsonReader;
import org.junit.jupiter.api.Test;

/**
 * The fast reader is held to the driver: whatever it accepts must come out byte for byte as the driver's
 * {@code JsonReader} piped into {@code RawBsonDocumentCodec} reads it, and what the driver rejects it must decline.
 */
class CanonicalLineReaderTest {
    private static final long SEED = ExtendedJsonEncoderRandomizedTest.SEED;

    /** The driver's reading of a line, or null when the driver rejects it. */
    private static byte[] driver(byte[] line) {
        try {
            JsonReader reader = new JsonReader(new String(line, StandardCharsets.UTF_8));
            RawBsonDocument document = new RawBsonDocumentCodec().decode(reader, DecoderContext.builder().build());
            if (reader.readBsonType() != org.bson.BsonType.END_OF_DOCUMENT) {
                return null;
            }
            return ExtendedJsonEncoderTest.bytes(document);
        } catch (RuntimeException rejected) {
            return null;
        }
    }

    private static byte[] fast(byte[] line) {
        RawBsonDocument document = CanonicalLineReader.read(line, 0, line.length);
        return document == null ? null : ExtendedJsonEncoderTest.bytes(document);
    }

    /** Accepted lines read exactly as the driver reads them; returns whether the fast reader accepted the line. */
    private static boolean assertAgreesWithTheDriver(byte[] line, String context) {
        byte[] fast = fast(line);
        if (fast != null) {
            assertThat(fast).as("%s: %s", context, new String(line, StandardCharsets.UTF_8)).isEqualTo(driver(line));
        }
        return fast != null;
    }

    @Test
    void readsEveryChangeEventOfTheBenchmarksExactlyAsTheDriverDoes() {
        for (int lineItems : new int[] {0, 100}) {
            for (RawBsonDocument event : new ChangeEventSamples(7).stream(300, lineItems)) {
                byte[] line = encoderLine(event, JsonMode.EXTENDED);
                assertThat(assertAgreesWithTheDriver(line, "change event")).as("accepted").isTrue();
                assertThat(fast(line)).isEqualTo(ExtendedJsonEncoderTest.bytes(event));
            }
        }
    }

    @Test
    void readsRandomCanonicalDocumentsExactlyAsTheDriverDoesOrDeclines() {
        RandomBsonGenerator generator = new RandomBsonGenerator(SEED, false);
        int accepted = 0;
        for (int i = 0; i < 3000; i++) {
            RawBsonDocument document = raw(generator.document());
            for (JsonMode mode : new JsonMode[] {JsonMode.EXTENDED, JsonMode.RELAXED}) {
                if (assertAgreesWithTheDriver(encoderLine(document, mode), "seed " + SEED + " #" + i + " " + mode)) {
                    accepted++;
                }
            }
        }
        assertThat(accepted).as("lines the fast reader took").isPositive();
    }

    @Test
    void readsOrDeclinesDamagedLinesButNeverDiffersFromTheDriver() {
        Random random = new Random(SEED);
        RandomBsonGenerator generator = new RandomBsonGenerator(SEED + 1, true);
        byte[] junk = " \t\r\n\"\\{}[]:,$0123456789-.eEtfnu\u00e9\ud83d\ude00aAzZ\u0000\u0001"
                .getBytes(StandardCharsets.UTF_8);
        for (int i = 0; i < 4000; i++) {
            byte[] line = encoderLine(raw(generator.document()), JsonMode.EXTENDED);
            byte[] damaged = Arrays.copyOf(line, line.length);
            for (int edits = 1 + random.nextInt(3); edits > 0; edits--) {
                int at = random.nextInt(damaged.length);
                byte b = random.nextInt(4) == 0 ? (byte) random.nextInt(256) : junk[random.nextInt(junk.length)];
                damaged = switch (random.nextInt(3)) {
                    case 0 -> replace(damaged, at, b);
                    case 1 -> insert(damaged, at, b);
                    default -> delete(damaged, at);
                };
            }
            assertAgreesWithTheDriver(damaged, "damaged line #" + i);
            if (driver(damaged) == null) {
                assertThat(fast(damaged)).as("a line the driver rejects: %s",
                        new String(damaged, StandardCharsets.UTF_8)).isNull();
            }
        }
    }

    @Test
    void declinesWhatItDoesNotReadItselfAndTheDecoderStillReadsIt() {
        String[] lines = {
            "{\"a\": 1}",
            "{\"a\": 1.5}",
            "{\"d\": {\"$date\": \"2024-01-02T03:04:05Z\"}}",
            "{\"b\": {\"$binary\": {\"base64\": \"AQI=\", \"subType\": \"00\"}}}",
            "{\"r\": {\"$regularExpression\": {\"pattern\": \"a\", \"options\": \"i\"}}}",
            "{\"t\": {\"$timestamp\": {\"i\": 1, \"t\": 2}}}",
            "{\"s\": \"lone \\ud800 surrogate\"}",
            "{\"s\":\t\"tab before the value\"}",
            "{\"$oid\": \"0123456789abcdef01234567\"}",
            "{\"x\": {\"$numberLong\": \"12345678901234567890\"}}",
        };
        ExtendedJsonDecoder decoder = new ExtendedJsonDecoder();
        for (String text : lines) {
            byte[] line = text.getBytes(StandardCharsets.UTF_8);
            assertThat(fast(line)).as(text).isNull();
            if (driver(line) != null) {
                assertThat(ExtendedJsonEncoderTest.bytes(decoder.decodeLine(line, 0, line.length))).as(text)
                        .isEqualTo(driver(line));
            }
        }
    }

    @Test
    void readsEscapesSurrogatePairsAndEmptyContainers() {
        String text = "{\"k\\\"ey\\u00e9\": \"\\b\\f\\n\\r\\t\\/\\\\ \\ud83d\\ude00 \u4e2d\", \"e\": {}, \"a\": [], "
                + "\"n\": [null, true, false, {\"x\": []}], \"t\": {\"$timestamp\": {\"t\": 0, \"i\": 2147483647}}, "
                + "\"d\": {\"$numberDouble\": \"-0.0\"}, \"i\": {\"$numberInt\": \"-2147483648\"}}\r\n";
        byte[] line = text.getBytes(StandardCharsets.UTF_8);
        assertThat(assertAgreesWithTheDriver(line, "escapes")).isTrue();
    }

    /**
     * Issue 13, finding 1: {@code out[type] = value()} wrote the type byte into the array {@code value()} had just
     * outgrown, so the document read back with a zero type byte ("unknown BSON type 0x0"). These are the shapes
     * that were archived but could not be read back: they must read back exactly, and through the fast path.
     */
    @Test
    void finding1_longArraysOfTinyValuesAndDeepNestingReadBackExactly() {
        java.util.List<BsonDocument> documents = new java.util.ArrayList<>();
        documents.add(arrayOf(334, i -> new BsonString(String.valueOf((char) ('a' + i % 26)))));
        documents.add(arrayOf(1281, i -> new BsonString("" + (char) ('A' + i % 26) + (char) ('A' + i / 26 % 26))));
        documents.add(arrayOf(141, i -> new BsonString("")));
        documents.add(arrayOf(141, i -> new BsonArray()));
        documents.add(arrayOf(141, i -> new BsonDocument()));
        for (int depth = 1; depth < CanonicalLineReader.MAX_DEPTH; depth++) {
            BsonValue nested = new BsonArray();
            for (int i = 1; i < depth; i++) {
                nested = new BsonArray(java.util.List.of(nested));
            }
            documents.add(new BsonDocument("a", nested));
        }
        ExtendedJsonDecoder decoder = new ExtendedJsonDecoder();
        for (BsonDocument document : documents) {
            RawBsonDocument original = raw(document);
            byte[] line = encoderLine(original, JsonMode.EXTENDED);
            String context = new String(line, 0, Math.min(line.length, 60), StandardCharsets.UTF_8) + "... ("
                    + line.length + " bytes)";
            assertThat(fast(line)).as("fast reader: %s", context).isEqualTo(ExtendedJsonEncoderTest.bytes(original));
            RawBsonDocument decoded = decoder.decodeLine(line, 0, line.length);
            assertThat((BsonDocument) decoded).as(context).isEqualTo(document);
        }
    }

    private static BsonDocument arrayOf(int n, java.util.function.IntFunction<BsonValue> element) {
        BsonArray array = new BsonArray();
        for (int i = 0; i < n; i++) {
            array.add(element.apply(i));
        }
        return new BsonDocument("_id", new BsonInt32(1)).append("values", array);
    }

    /**
     * Lines no encoder writes but a hand or another tool may: wrapper keys spelled with escapes, odd number texts,
     * edges of each wrapper. Read exactly as the driver reads them, or declined; never read where the driver refuses.
     */
    @Test
    void readsOrDeclinesHandWrittenEdgeLinesButNeverDiffersFromTheDriver() {
        String[] lines = {
            "{\"a\": {\"\\u0024oid\": \"0123456789abcdef01234567\"}}",
            "{\"\\u0024oid\": \"0123456789abcdef01234567\"}",
            "{\"a\": {\"\\u0024numberInt\": \"5\"}}",
            "{\"a\": {\"\\u0024set\": {\"b\": 1}}}",
            "{\"a\": {\"x\": 1, \"$oid\": \"0123456789abcdef01234567\"}}",
            "{\"a\": {\"$date\": {\"\\u0024numberLong\": \"5\"}}}",
            "{\"d\": {\"$numberDouble\": \"1.5f\"}}",
            "{\"d\": {\"$numberDouble\": \"-NaN\"}}",
            "{\"d\": {\"$numberDouble\": \"Infinity\"}}",
            "{\"d\": {\"$numberDouble\": \"-Infinity\"}}",
            "{\"d\": {\"$numberDouble\": \"1E400\"}}",
            "{\"d\": {\"$numberDouble\": \"-0\"}}",
            "{\"d\": {\"$numberDouble\": \"1.\"}}",
            "{\"d\": {\"$numberDouble\": \".5\"}}",
            "{\"d\": {\"$numberDouble\": \"00.5\"}}",
            "{\"d\": {\"$numberDouble\": \"\"}}",
            "{\"i\": {\"$numberInt\": \"-0\"}}",
            "{\"i\": {\"$numberInt\": \"007\"}}",
            "{\"i\": {\"$numberInt\": \"2147483648\"}}",
            "{\"l\": {\"$numberLong\": \"-9223372036854775808\"}}",
            "{\"l\": {\"$numberLong\": \"000000000000000001\"}}",
            "{\"t\": {\"$timestamp\": {\"t\": 2147483648, \"i\": 1}}}",
            "{\"t\": {\"$timestamp\": {\"t\": 01, \"i\": 1}}}",
            "{\"t\": {\"$timestamp\": {\"t\": 1, \"i\": -1}}}",
            "{\"o\": {\"$oid\": \"0123456789ABCDEF01234567\"}}",
            "{\"o\": {\"$oid\": \"0123456789abcdef0123456\"}}",
            "{\"o\": {\"$oid\": \"0123456789abcdef01234567\", \"x\": 1}}",
            "{\"k\\u0000\": 1}",
            "{\"s\": \"nul \\u0000 inside\"}",
            "{\"\": \"\"}",
            "{\"a\": [ ]}",
            "{ }",
            "{\"a\": {}, \"a\": []}",
        };
        for (String text : lines) {
            byte[] line = text.getBytes(StandardCharsets.UTF_8);
            assertAgreesWithTheDriver(line, "hand-written line");
            if (driver(line) == null) {
                assertThat(fast(line)).as("a line the driver rejects: %s", text).isNull();
            }
        }
    }

    /** Plain decimals take a shortcut; it must round exactly as {@code Double.parseDouble} does. */
    @Test
    void readsDecimalDoublesExactlyAsTheDriverDoes() {
        Random random = new Random(SEED);
        for (int i = 0; i < 200_000; i++) {
            int digits = 1 + random.nextInt(17);
            StringBuilder text = new StringBuilder(random.nextBoolean() ? "-" : "");
            for (int d = 0; d < digits; d++) {
                text.append((char) ('0' + random.nextInt(10)));
            }
            text.insert(text.length() - random.nextInt(Math.min(digits, 23) + 1), '.');
            byte[] line = ("{\"d\": {\"$numberDouble\": \"" + text + "\"}}").getBytes(StandardCharsets.UTF_8);
            byte[] fast = fast(line);
            if (fast != null) {
                assertThat(fast).as(text.toString()).isEqualTo(driver(line));
            }
        }
    }

    private static byte[] replace(byte[] b, int at, byte value) {
        byte[] copy = b.clone();
        copy[at] = value;
        return copy;
    }

    private static byte[] insert(byte[] b, int at, byte value) {
        byte[] copy = new byte[b.length + 1];
        System.arraycopy(b, 0, copy, 0, at);
        copy[at] = value;
        System.arraycopy(b, at, copy, at + 1, b.length - at);
        return copy;
    }

    private static byte[] delete(byte[] b, int at) {
        byte[] copy = new byte[b.length - 1];
        System.arraycopy(b, 0, copy, 0, at);
        System.arraycopy(b, at + 1, copy, at, b.length - at - 1);
        return copy;
    }
}
