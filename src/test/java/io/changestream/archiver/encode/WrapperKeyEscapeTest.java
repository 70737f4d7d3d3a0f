package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.DriverJson.raw;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Stream;

import org.bson.BsonArray;
import org.bson.BsonBoolean;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonObjectId;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.json.JsonMode;
import org.bson.json.JsonReader;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Issue 13, finding 7: a user document whose first key is one of the driver's Extended JSON keywords
 * ({@code {"$oid": "not-an-oid"}}, legal since MongoDB 5.0) has no Extended JSON spelling of its own. Every such event
 * must come back from the archive line as exactly the event that was written (equal, and the same BSON bytes), in
 * both modes, wherever the key sits; ordinary events keep the driver's exact output.
 */
class WrapperKeyEscapeTest {
    /** Every key the driver's {@code JsonReader} (5.2) tries as a type wrapper when it opens a document. */
    static final List<String> KEYWORDS = List.of("$binary", "$type", "$uuid", "$regex", "$options", "$code", "$date",
            "$maxKey", "$minKey", "$oid", "$regularExpression", "$symbol", "$timestamp", "$undefined", "$numberLong",
            "$numberInt", "$numberDouble", "$numberDecimal", "$dbPointer");

    private final ExtendedJsonDecoder decoder = new ExtendedJsonDecoder();

    /**
     * Values under the keyword: junk no reader accepts as that wrapper, and for each keyword the value that makes the
     * text a valid wrapper of another type (the silent case: {@code {"$numberLong": "5"}} would come back as 5).
     */
    static List<BsonValue> valuesFor(String keyword) {
        List<BsonValue> values = new ArrayList<>(List.of(new BsonString("not-a-wrapper"), new BsonInt32(1),
                new BsonDocument(), new BsonArray()));
        values.add(switch (keyword) {
            case "$oid" -> new BsonString("0123456789abcdef01234567");
            case "$numberLong", "$numberInt" -> new BsonString("5");
            case "$numberDouble", "$numberDecimal" -> new BsonString("1.5");
            case "$date" -> new BsonDocument("$numberLong", new BsonString("5"));
            case "$binary" -> new BsonDocument("base64", new BsonString("AQI=")).append("subType", new BsonString("00"));
            case "$type" -> new BsonString("00");
            case "$uuid" -> new BsonString("00112233-4455-6677-8899-aabbccddeeff");
            case "$regularExpression" -> new BsonDocument("pattern", new BsonString("a")).append("options", new BsonString("i"));
            case "$regex", "$options", "$code", "$symbol" -> new BsonString("a");
            case "$timestamp" -> new BsonDocument("t", new BsonInt32(1)).append("i", new BsonInt32(2));
            case "$minKey", "$maxKey" -> new BsonInt32(1);
            case "$undefined" -> BsonBoolean.TRUE;
            case "$dbPointer" -> new BsonDocument("$ref", new BsonString("c"))
                    .append("$id", new BsonObjectId(new ObjectId("0123456789abcdef01234567")));
            default -> throw new IllegalArgumentException(keyword);
        });
        return values;
    }

    /** The keyword documents a test puts into events: alone, and followed by the field that completes a wrapper. */
    static List<BsonDocument> keywordDocuments(String keyword) {
        List<BsonDocument> documents = new ArrayList<>();
        for (BsonValue value : valuesFor(keyword)) {
            documents.add(new BsonDocument(keyword, value));
            documents.add(new BsonDocument(keyword, value).append(switch (keyword) {
                case "$binary" -> "$type";
                case "$type" -> "$binary";
                case "$regex" -> "$options";
                case "$options" -> "$regex";
                case "$code" -> "$scope";
                default -> "other";
            }, keyword.equals("$code") ? new BsonDocument() : keyword.equals("$type") ? new BsonString("AQI=")
                    : new BsonString("")));
        }
        return documents;
    }

    /** Where in a change event the keyword document goes. */
    enum Placement {
        NESTED_IN_FULL_DOCUMENT(k -> event("insert", new BsonDocument("_id", new BsonInt32(1)).append("a",
                new BsonDocument("b", k)), null)),
        INSIDE_AN_ARRAY(k -> event("insert", new BsonDocument("_id", new BsonInt32(1)).append("list",
                new BsonArray(List.of(new BsonInt32(0), k, new BsonArray(List.of(k))))), null)),
        AS_THE_WHOLE_FULL_DOCUMENT_VALUE(k -> event("insert", new BsonDocument("_id", new BsonInt32(1)).append("v", k),
                null)),
        AS_THE_FULL_DOCUMENT_ITSELF(k -> event("replace", k, null)),
        IN_UPDATED_FIELDS(k -> event("update", null, new BsonDocument("updatedFields", new BsonDocument("a.b", k))
                .append("removedFields", new BsonArray()).append("truncatedArrays", new BsonArray()))),
        AS_UPDATED_FIELDS_ITSELF(k -> event("update", null, new BsonDocument("updatedFields", k)
                .append("removedFields", new BsonArray()))),
        IN_THE_DOCUMENT_KEY(k -> {
            BsonDocument event = event("delete", null, null);
            event.put("documentKey", new BsonDocument("_id", k));
            return event;
        });

        final Function<BsonDocument, BsonDocument> build;

        Placement(Function<BsonDocument, BsonDocument> build) {
            this.build = build;
        }
    }

    static BsonDocument event(String operationType, BsonDocument fullDocument, BsonDocument updateDescription) {
        BsonDocument event = new BsonDocument("_id", new BsonDocument("_data", new BsonString("8267AB")))
                .append("operationType", new BsonString(operationType))
                .append("clusterTime", new BsonTimestamp(1_732_241_047, 3))
                .append("ns", new BsonDocument("db", new BsonString("shop")).append("coll", new BsonString("orders")))
                .append("documentKey", new BsonDocument("_id", new BsonInt32(1)));
        if (fullDocument != null) {
            event.append("fullDocument", fullDocument);
        }
        if (updateDescription != null) {
            event.append("updateDescription", updateDescription);
        }
        return event;
    }

    static Stream<Arguments> everyKeywordModeAndPlacement() {
        return KEYWORDS.stream().flatMap(k -> Stream.of(JsonMode.EXTENDED, JsonMode.RELAXED)
                .flatMap(m -> Stream.of(Placement.values()).map(p -> Arguments.of(k, m, p))));
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("everyKeywordModeAndPlacement")
    void anEventHoldingAWrapperKeywordAsAFirstKeyComesBackFromItsLineAsExactlyThatEvent(String keyword, JsonMode mode,
                                                                                      Placement placement) {
        for (BsonDocument keywordDocument : keywordDocuments(keyword)) {
            RawBsonDocument original = raw(placement.build.apply(keywordDocument));
            assertComesBackExactly(original, mode, keywordDocument.toJson());
        }
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void keywordsThatAreNotFirstOrOnlyLookAlikeKeepTheDriversExactLine(JsonMode mode) {
        BsonDocument event = event("insert", new BsonDocument("_id", new BsonInt32(1))
                .append("a", new BsonDocument("x", new BsonInt32(1)).append("$oid", new BsonString("not-an-oid")))
                .append("b", new BsonDocument("$ref", new BsonString("c")).append("$id", new BsonInt32(1)))
                .append("c", new BsonDocument("$oidx", new BsonString("y")).append("$set", new BsonInt32(1)))
                .append("d", new BsonDocument("$", new BsonString("z"))), null);
        RawBsonDocument original = raw(event);

        DriverJson.assertSameAsDriver(original, mode);
        assertThat(decoder.decodeLine(line(original, mode))).isEqualTo(original);
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void generatedDocumentsWithWrapperKeywordsAnywhereComeBackExactly(JsonMode mode) {
        long seed = ExtendedJsonEncoderRandomizedTest.SEED;
        Random random = new Random(seed);
        RandomBsonGenerator generator = new RandomBsonGenerator(seed, true);
        int escaped = 0;
        for (int i = 0; i < 1500; i++) {
            int[] injected = {0};
            BsonDocument fullDocument = (BsonDocument) withKeywords(generator.document(), random, injected);
            BsonDocument updated = (BsonDocument) withKeywords(generator.document(), random, injected);
            RawBsonDocument original = raw(event("update", fullDocument, new BsonDocument("updatedFields", updated)));
            String context = "seed " + seed + " (rerun with -Dencoder.seed=" + seed + "), document #" + i;

            Utf8Sink sink = new Utf8Sink(16);
            boolean wasEscaped = new ExtendedJsonEncoder(mode).encodeLine(original, sink);

            assertThat(wasEscaped).as("%s: escaped exactly when a keyword leads a document", context)
                    .isEqualTo(injected[0] > 0);
            if (wasEscaped) {
                escaped++;
                assertComesBackExactly(original, mode, context);
            } else if (mode == JsonMode.EXTENDED) {
                // Not escaped: the driver's own line, read back as the driver reads it.
                DriverJson.assertSameAsDriver(original, mode, context);
                assertThat(decoder.decodeLine(sink.array(), 0, sink.size())).as(context).isEqualTo(original);
            }
        }
        assertThat(escaped).as("seed %d: most generated events hold a keyword", seed).isGreaterThan(750);
    }

    /** Copies {@code value}, making about a third of its documents start with a random wrapper keyword. */
    private static BsonValue withKeywords(BsonValue value, Random random, int[] injected) {
        if (value.isArray()) {
            List<BsonValue> values = new ArrayList<>();
            value.asArray().forEach(v -> values.add(withKeywords(v, random, injected)));
            return new BsonArray(values);
        }
        if (!value.isDocument()) {
            return value;
        }
        BsonDocument copy = new BsonDocument();
        if (random.nextInt(3) == 0) {
            String keyword = KEYWORDS.get(random.nextInt(KEYWORDS.size()));
            List<BsonValue> values = valuesFor(keyword);
            copy.put(keyword, values.get(random.nextInt(values.size())));
            injected[0]++;
        }
        value.asDocument().forEach((k, v) -> copy.put(k, withKeywords(v, random, injected)));
        return copy;
    }

    private void assertComesBackExactly(RawBsonDocument original, JsonMode mode, String context) {
        String line = line(original, mode);
        RawBsonDocument decoded = decoder.decodeLine(line);
        assertThat(decoded).as("%s: %s", context, line).isEqualTo(original);
        assertThat(ExtendedJsonEncoderTest.bytes(decoded)).as("%s: %s", context, line)
                .isEqualTo(ExtendedJsonEncoderTest.bytes(original));
        byte[] utf8 = line.getBytes(StandardCharsets.UTF_8);
        assertThat(ExtendedJsonEncoderTest.bytes(decoder.decodeLine(utf8, 0, utf8.length))).as("%s (bytes)", context)
                .isEqualTo(ExtendedJsonEncoderTest.bytes(original));
    }

    private static String line(RawBsonDocument document, JsonMode mode) {
        return new String(DriverJson.encoderLine(document, mode), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void anEscapedLineKeepsItsUnambiguousRoutingFieldsReadableAndTheEventAsBinaryLast(JsonMode mode) {
        BsonDocument event = event("insert", new BsonDocument("_id", new BsonInt32(1))
                .append("v", new BsonDocument("$oid", new BsonString("not-an-oid"))), null);
        event.put("documentKey", new BsonDocument("_id", new org.bson.BsonInt64(7)));
        event.put("wallTime", new org.bson.BsonDateTime(1_732_241_047_123L));
        RawBsonDocument original = raw(event);

        String line = line(original, mode);

        BsonDocument routing = new BsonDocument();
        for (String name : List.of("_id", "operationType", "clusterTime", "ns", "documentKey", "wallTime")) {
            routing.put(name, event.get(name));
        }
        String routingJson = new String(DriverJson.encoderLine(raw(routing), mode), StandardCharsets.UTF_8).trim();
        String base64 = java.util.Base64.getEncoder().encodeToString(ExtendedJsonEncoderTest.bytes(original));
        assertThat(line).isEqualTo(routingJson.substring(0, routingJson.length() - 1)
                + ", \"$escapedEvent\": {\"$binary\": {\"base64\": \"" + base64 + "\", \"subType\": \"00\"}}}\n");
        assertThat(ExtendedJsonEncoderTest.bytes(decoder.decodeLine(line))).isEqualTo(ExtendedJsonEncoderTest.bytes(original));
    }

    @Test
    void routingFieldsThatAreThemselvesAmbiguousAreLeftOutOfTheEscapedLine() {
        BsonDocument event = event("delete", null, null);
        event.put("documentKey", new BsonDocument("_id", new BsonDocument("$numberLong", new BsonString("5"))));
        RawBsonDocument original = raw(event);

        String line = line(original, JsonMode.EXTENDED);

        assertThat(line).startsWith("{\"_id\": {\"_data\": \"8267AB\"}, \"operationType\": \"delete\", ")
                .doesNotContain("documentKey").contains(", \"$escapedEvent\": {\"$binary\": {\"base64\": \"");
        assertThat(decoder.decodeLine(line)).isEqualTo(original);
    }

    @Test
    void anEventWhoseTopLevelHoldsTheReservedFieldIsEscapedToo() {
        BsonDocument event = event("insert", new BsonDocument("_id", new BsonInt32(1)), null);
        event.put("$escapedEvent", new org.bson.BsonBinary(new byte[] {5, 0, 0, 0, 0}));
        RawBsonDocument original = raw(event);

        String line = line(original, JsonMode.EXTENDED);

        assertThat(line).doesNotContain("\"fullDocument\"");
        assertThat(ExtendedJsonEncoderTest.bytes(decoder.decodeLine(line))).isEqualTo(ExtendedJsonEncoderTest.bytes(original));
    }

    @Test
    void aLineWithTheReservedFieldThatDoesNotCheckOutIsRejectedNamingTheProblem() {
        RawBsonDocument original = raw(event("insert", new BsonDocument("$oid", new BsonString("x")), null));
        String good = line(original, JsonMode.EXTENDED);
        String base64 = java.util.Base64.getEncoder().encodeToString(ExtendedJsonEncoderTest.bytes(original));

        assertRejected(good.replace("\"subType\": \"00\"", "\"subType\": \"80\""), "subtype 00");
        assertRejected("{\"$escapedEvent\": \"" + base64 + "\"}", "not binary");
        assertRejected(good.replace("\"operationType\": \"insert\"", "\"operationType\": \"delete\""),
                "routing field 'operationType' differs");
        assertRejected(good.replace("{\"_id\": {\"_data\"", "{\"extra\": 1, \"_id\": {\"_data\""), "'extra'");
        assertRejected("{\"$escapedEvent\": {\"$binary\": {\"base64\": \"AQIDBA==\", \"subType\": \"00\"}}}",
                "not one BSON document");
        String truncated = java.util.Base64.getEncoder().encodeToString(
                java.util.Arrays.copyOf(ExtendedJsonEncoderTest.bytes(original), 20));
        assertRejected("{\"$escapedEvent\": {\"$binary\": {\"base64\": \"" + truncated + "\", \"subType\": \"00\"}}}",
                "not one BSON document");
        assertRejected("{\"_id\": 1, \"$escapedEvent\": \"x\", \"$escapedEvent\": \"y\"}", "not binary");
    }

    private void assertRejected(String line, String reason) {
        byte[] utf8 = line.getBytes(StandardCharsets.UTF_8);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> decoder.decodeLine(utf8, 0, utf8.length))
                .as(line).isInstanceOf(org.bson.json.JsonParseException.class).hasMessageContaining(reason);
    }

    @Test
    void theDriversReaderNamesNoDollarKeyBeyondTheEscapedKeywordsAndTheThreeItReadsInsideThem() throws Exception {
        // A driver upgrade that teaches JsonReader a new wrapper must fail here, not lose events: every "$name"
        // string constant of the class is an escaped keyword, or one it reads only inside a wrapper.
        Set<String> dollarNames = new TreeSet<>();
        try (InputStream in = JsonReader.class.getResourceAsStream("JsonReader.class")) {
            for (String constant : utf8Constants(new DataInputStream(in))) {
                if (constant.matches("\\$[a-z][A-Za-z]*")) {
                    dollarNames.add(constant);
                }
            }
        }
        Set<String> expected = new TreeSet<>(EscapedLine.KEYWORDS);
        expected.addAll(List.of("$ref", "$id", "$scope"));

        assertThat(dollarNames).isEqualTo(expected);
        assertThat(EscapedLine.KEYWORDS).containsExactlyInAnyOrderElementsOf(KEYWORDS);
    }

    /** The UTF-8 entries of a class file's constant pool (JVMS 4.4). */
    private static List<String> utf8Constants(DataInputStream in) throws IOException {
        in.readInt(); // magic
        in.readUnsignedShort(); // minor
        in.readUnsignedShort(); // major
        int count = in.readUnsignedShort();
        List<String> strings = new ArrayList<>();
        for (int i = 1; i < count; i++) {
            int tag = in.readUnsignedByte();
            switch (tag) {
                case 1 -> strings.add(in.readUTF());
                case 3, 4, 9, 10, 11, 12, 17, 18 -> in.skipNBytes(4);
                case 5, 6 -> {
                    in.skipNBytes(8);
                    i++;
                }
                case 7, 8, 16, 19, 20 -> in.skipNBytes(2);
                case 15 -> in.skipNBytes(3);
                default -> throw new IOException("unknown constant pool tag " + tag + " at entry " + i);
            }
        }
        return strings;
    }

    @Test
    void theDriversReaderStillTreatsExactlyTheseKeywordsAsTypeWrappers() {
        // Pins the keyword set to the driver: a keyword-led document of junk is rejected or changed by the driver's
        // reader, while other $-names read back as the documents they are.
        for (String name : KEYWORDS) {
            assertThat(driverReadsBackUnchanged(name)).as(name).isFalse();
        }
        for (String name : List.of("$ref", "$id", "$scope", "$db", "$set", "$", "$oidx", "$Oid", "$numberlong")) {
            assertThat(driverReadsBackUnchanged(name)).as(name).isTrue();
        }
    }

    private static boolean driverReadsBackUnchanged(String name) {
        List<BsonDocument> documents = new ArrayList<>();
        if (KEYWORDS.contains(name)) {
            documents.addAll(keywordDocuments(name));
        } else {
            valuesFor("$oid").forEach(v -> documents.add(new BsonDocument(name, v)));
        }
        for (BsonDocument keywordDocument : documents) {
            BsonDocument document = new BsonDocument("v", keywordDocument);
            try {
                if (!BsonDocument.parse(document.toJson()).equals(document)) {
                    return false;
                }
            } catch (RuntimeException rejected) {
                return false;
            }
        }
        return true;
    }

    /**
     * The escape rewinds the sink to the start of its line and writes the escape there. A run's lines share one
     * sink, so the rewind must land after the lines before it, wherever the sink's array runs out: every capacity
     * from one byte to past the end, with a plain line before the escaped one and one after it. The escaped events
     * include a long array of tiny values, empty containers and deep nesting around the keyword; every line decodes
     * back to exactly its event.
     */
    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void anEscapeInTheMiddleOfARunIsTheSameWhereverTheSinksArrayRunsOut(JsonMode mode) {
        RawBsonDocument before = raw(new BsonDocument("_id", new BsonString("plain")).append("n", new BsonInt32(1)));
        BsonArray tiny = new BsonArray();
        for (int i = 0; i < 400; i++) {
            tiny.add(new BsonString(String.valueOf((char) ('a' + i % 26))));
        }
        BsonValue deep = new BsonDocument("$oid", new BsonString("not-an-oid"));
        for (int i = 0; i < 40; i++) {
            deep = new BsonArray(List.of(deep));
        }
        List<RawBsonDocument> escaped = List.of(
                raw(new BsonDocument("_id", new BsonInt32(1)).append("a", new BsonDocument("$numberLong",
                        new BsonString("5")))),
                raw(new BsonDocument("_id", new BsonInt32(2)).append("tiny", tiny).append("empty", new BsonArray())
                        .append("e", new BsonDocument()).append("k", new BsonDocument("$date", new BsonString("x")))),
                raw(new BsonDocument("_id", new BsonInt32(3)).append("deep", deep)));
        ExtendedJsonEncoder encoder = new ExtendedJsonEncoder(mode);
        for (RawBsonDocument event : escaped) {
            Utf8Sink roomy = new Utf8Sink();
            encoder.encodeLine(before, roomy);
            int escapeStart = roomy.size();
            assertThat(encoder.encodeLine(event, roomy)).as("escaped").isTrue();
            int escapeEnd = roomy.size();
            encoder.encodeLine(before, roomy);
            byte[] expected = roomy.toByteArray();
            for (int capacity = 1; capacity <= expected.length + 1; capacity++) {
                Utf8Sink sink = new Utf8Sink(capacity);
                encoder.encodeLine(before, sink);
                encoder.encodeLine(event, sink);
                encoder.encodeLine(before, sink);
                assertThat(sink.toByteArray()).as("sink of %d bytes", capacity).isEqualTo(expected);
            }
            RawBsonDocument back = decoder.decodeLine(expected, escapeStart, escapeEnd - escapeStart - 1);
            assertThat(back).isEqualTo(event);
            assertThat(bsonBytes(back)).isEqualTo(bsonBytes(event));
        }
    }

    /** An escaped event close to the 16 MB BSON limit: its escaped line decodes to exactly the same bytes. */
    @Test
    void anEscapedEventNearSixteenMegabytesComesBackExactly() {
        String big = "x".repeat(16 * 1024 * 1024 - 4096);
        RawBsonDocument event = raw(new BsonDocument("_id", new BsonInt32(1)).append("big", new BsonString(big))
                .append("w", new BsonDocument("$oid", new BsonString("not-an-oid"))));
        Utf8Sink sink = new Utf8Sink(16);
        assertThat(new ExtendedJsonEncoder(JsonMode.EXTENDED).encodeLine(event, sink)).isTrue();
        byte[] line = sink.toByteArray();
        RawBsonDocument back = decoder.decodeLine(line, 0, line.length - 1);
        assertThat(bsonBytes(back)).isEqualTo(bsonBytes(event));
    }

    private static byte[] bsonBytes(RawBsonDocument d) {
        java.nio.ByteBuffer b = d.getByteBuffer().asNIO();
        byte[] out = new byte[b.remaining()];
        b.get(out);
        return out;
    }
}
