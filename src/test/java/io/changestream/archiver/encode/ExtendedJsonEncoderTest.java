package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.DriverJson.assertSameAsDriver;
import static io.changestream.archiver.encode.DriverJson.raw;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;

import org.bson.BsonArray;
import org.bson.BsonBinary;
import org.bson.BsonBinarySubType;
import org.bson.BsonBoolean;
import org.bson.BsonDateTime;
import org.bson.BsonDbPointer;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonDouble;
import org.bson.BsonInt32;
import org.bson.BsonInt64;
import org.bson.BsonJavaScript;
import org.bson.BsonJavaScriptWithScope;
import org.bson.BsonMaxKey;
import org.bson.BsonMinKey;
import org.bson.BsonNull;
import org.bson.BsonObjectId;
import org.bson.BsonRegularExpression;
import org.bson.BsonSerializationException;
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonUndefined;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.UuidRepresentation;
import org.bson.json.JsonMode;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ExtendedJsonEncoderTest {

    /** One document holding every BSON type, nested in documents, arrays and a scope. */
    static BsonDocument everyType() {
        BsonDocument inner = new BsonDocument("x", new BsonInt32(1)).append("y", new BsonArray(List.of(new BsonString("z"))));
        return new BsonDocument("_id", new BsonDocument("_data", new BsonString("8265A1B2C3000000012B022C0100296E5A1004")))
                .append("double", new BsonDouble(3.25))
                .append("string", new BsonString("héllo \"wörld\"\n"))
                .append("document", inner)
                .append("array", new BsonArray(List.of(new BsonInt32(1), new BsonInt64(2), new BsonDocument(), new BsonArray())))
                .append("binary", new BsonBinary(new byte[] {1, 2, 3, 4, 5}))
                .append("undefined", new BsonUndefined())
                .append("objectId", new BsonObjectId(new ObjectId("65a1b2c3d4e5f60718293a4b")))
                .append("true", BsonBoolean.TRUE)
                .append("false", BsonBoolean.FALSE)
                .append("date", new BsonDateTime(1_700_000_000_123L))
                .append("null", BsonNull.VALUE)
                .append("regex", new BsonRegularExpression("^a.*b$", "xsmi"))
                .append("dbPointer", new BsonDbPointer("db.coll", new ObjectId("65a1b2c3d4e5f60718293a4b")))
                .append("javascript", new BsonJavaScript("function() { return 1; }"))
                .append("symbol", new BsonSymbol("sym"))
                .append("codeWithScope", new BsonJavaScriptWithScope("f(x)", inner))
                .append("int32", new BsonInt32(-42))
                .append("timestamp", new BsonTimestamp(1_700_000_000, 7))
                .append("int64", new BsonInt64(1L << 40))
                .append("decimal128", new BsonDecimal128(Decimal128.parse("1234.5678")))
                .append("minKey", new BsonMinKey())
                .append("maxKey", new BsonMaxKey());
    }

    private static void assertFieldsSameAsDriver(JsonMode mode, List<? extends BsonValue> values) {
        BsonDocument document = new BsonDocument();
        for (int i = 0; i < values.size(); i++) {
            document.append("v" + i, values.get(i));
        }
        assertSameAsDriver(raw(document), mode);
        // Also one value per document, so a failure names the value.
        for (BsonValue value : values) {
            assertSameAsDriver(raw(new BsonDocument("v", value)), mode, String.valueOf(value));
        }
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesEveryBsonTypeExactlyAsTheDriverDoes(JsonMode mode) {
        assertSameAsDriver(raw(everyType()), mode);
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesEmptyAndNestedContainersExactlyAsTheDriverDoes(JsonMode mode) {
        BsonArray nested = new BsonArray(List.of(new BsonArray(List.of(new BsonArray())), new BsonDocument("a", new BsonDocument())));
        assertSameAsDriver(raw(new BsonDocument()), mode);
        assertFieldsSameAsDriver(mode, List.of(new BsonDocument(), new BsonArray(), nested));
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesDoublesAsJavaDoubleToStringDoesIncludingSpecials(JsonMode mode) {
        double[] values = {0.0, -0.0, 1.0, -1.0, 1.5, 0.1, 0.2, 0.1 + 0.2, 19.99, 1e-3, 9.99e-4, 1e7, 9999999.0, 9999999.5,
            1e300, -1e300, 1.0E23, 2e22, 123456789012345.0, 1.7976931348623157E308, Double.MIN_VALUE, Double.MIN_NORMAL,
            Math.PI, -Math.E, 2.5e-5, 100.0, 4.35, 0.001, 0.0015, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.longBitsToDouble(0x7ff8000000000123L)};
        assertFieldsSameAsDriver(mode, java.util.Arrays.stream(values).mapToObj(BsonDouble::new).toList());
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesIntegerLimitsAsTheDriverDoes(JsonMode mode) {
        assertFieldsSameAsDriver(mode, List.of(new BsonInt32(0), new BsonInt32(-1), new BsonInt32(9), new BsonInt32(10),
                new BsonInt32(Integer.MAX_VALUE), new BsonInt32(Integer.MIN_VALUE), new BsonInt64(0), new BsonInt64(-10),
                new BsonInt64(99), new BsonInt64(Long.MAX_VALUE), new BsonInt64(Long.MIN_VALUE), new BsonInt64(Long.MIN_VALUE + 1),
                new BsonInt64(1_000_000_000_000_000_000L), new BsonInt64(999_999_999_999_999_999L)));
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesDatesAsIsoOnlyInsideTheDriversRelaxedRange(JsonMode mode) {
        long[] millis = {0, 1, -1, 10, 100, 120, 500, 999, 1000, 1_700_000_000_000L, 1_700_000_000_001L, 951_782_400_000L,
            951_868_800_000L, 4_107_542_400_000L, IsoDateFormatter.MAX_MILLIS, IsoDateFormatter.MAX_MILLIS + 1,
            -62_135_596_800_000L, Long.MAX_VALUE, Long.MIN_VALUE};
        assertFieldsSameAsDriver(mode, java.util.Arrays.stream(millis).mapToObj(BsonDateTime::new).toList());
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesDecimal128IncludingSpecialsAsTheDriverDoes(JsonMode mode) {
        List<Decimal128> values = List.of(Decimal128.NaN, Decimal128.NEGATIVE_NaN, Decimal128.POSITIVE_INFINITY,
                Decimal128.NEGATIVE_INFINITY, Decimal128.POSITIVE_ZERO, Decimal128.NEGATIVE_ZERO, Decimal128.parse("0E-6176"),
                Decimal128.parse("1E+6144"), Decimal128.parse("-1.000000000000000000000000000000000E+6144"),
                Decimal128.parse("0.000001"), Decimal128.parse("0.0000001"), new Decimal128(new BigDecimal("12345678901234567890.12")),
                Decimal128.parse("1E+3"), Decimal128.parse("-12.5"));
        assertFieldsSameAsDriver(mode, values.stream().map(BsonDecimal128::new).toList());
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesRegularExpressionOptionsSortedAsTheDriverDoes(JsonMode mode) {
        assertFieldsSameAsDriver(mode, List.of(new BsonRegularExpression("a", ""), new BsonRegularExpression("a\"b\\", "usxmil"),
                new BsonRegularExpression("/path/\u00e9", "im"), new BsonRegularExpression("x", "zyxwvutsrqponmlkjihgfedcba")));
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesBinarySubtypesAsTwoUpperCaseHexDigits(JsonMode mode) {
        UUID uuid = UUID.fromString("0102a3b4-c5d6-e7f8-0910-111213141516");
        assertFieldsSameAsDriver(mode, List.of(new BsonBinary(new byte[0]), new BsonBinary(new byte[] {-1}),
                new BsonBinary(new byte[] {1, 2}), new BsonBinary(new byte[] {-4, -3, -2}), new BsonBinary(new byte[] {0, 0, 0, 0}),
                new BsonBinary(uuid), new BsonBinary(uuid, UuidRepresentation.JAVA_LEGACY),
                new BsonBinary(BsonBinarySubType.OLD_BINARY, new byte[] {9, 8, 7}), new BsonBinary(BsonBinarySubType.MD5, new byte[16]),
                new BsonBinary(BsonBinarySubType.COLUMN, new byte[] {1}), new BsonBinary((byte) 0x80, new byte[] {1, 2, 3}),
                new BsonBinary((byte) 0xFF, new byte[] {1, 2, 3, 4, 5, 6, 7})));
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesTimestampsAsUnsignedSecondsAndIncrement(JsonMode mode) {
        assertFieldsSameAsDriver(mode, List.of(new BsonTimestamp(0, 0), new BsonTimestamp(-1, -1), new BsonTimestamp(Integer.MIN_VALUE, 1),
                new BsonTimestamp(Long.MAX_VALUE), new BsonTimestamp(1_700_000_000, Integer.MAX_VALUE)));
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesLegacyTypesAsTheDriverDoes(JsonMode mode) {
        ObjectId id = new ObjectId("000000000000000000000000");
        assertFieldsSameAsDriver(mode, List.of(new BsonDbPointer("a.b", id), new BsonDbPointer("\u00e9\"", new ObjectId()),
                new BsonJavaScriptWithScope("", new BsonDocument()), new BsonJavaScript(""), new BsonSymbol("\u0001"),
                new BsonUndefined(), new BsonMinKey(), new BsonMaxKey(), new BsonObjectId(new ObjectId("ffffffffffffffffffffffff"))));
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void escapesEveryBmpCharacterAsTheDriverDoes(JsonMode mode) {
        StringBuilder all = new StringBuilder();
        for (char c = 0; c < Character.MIN_SURROGATE; c++) {
            all.append(c);
        }
        for (int c = Character.MAX_SURROGATE + 1; c <= 0xFFFF; c++) {
            all.append((char) c);
        }
        assertSameAsDriver(raw(new BsonDocument("all", new BsonString(all.toString()))), mode);
        assertSameAsDriver(raw(new BsonDocument(all.substring(1, 2000), new BsonString(all.substring(2000, 9000)))), mode);
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void escapesSupplementaryCharactersAsSurrogatePairs(JsonMode mode) {
        StringBuilder s = new StringBuilder();
        for (int cp = 0x10000; cp <= Character.MAX_CODE_POINT; cp += 0x3FF) {
            s.appendCodePoint(cp);
        }
        s.append("\uD83D\uDE00 emoji \uD834\uDD1E").appendCodePoint(Character.MAX_CODE_POINT);
        assertSameAsDriver(raw(new BsonDocument("k\uD83D\uDE00", new BsonString(s.toString()))), mode);
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void escapesKeysLikeValues(JsonMode mode) {
        assertSameAsDriver(raw(new BsonDocument("a\"b", new BsonInt32(1)).append("\\", new BsonInt32(2)).append("\t\n\u0001x\u007f", BsonNull.VALUE)
                .append("\u2028\u00ad", BsonNull.VALUE).append("", BsonNull.VALUE).append("$set.a.b", BsonNull.VALUE)), mode);
    }

    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void replacesIllFormedUtf8AsTheDriversDecoderDoes(JsonMode mode) {
        byte[][] illFormed = {
            {(byte) 0x80}, {(byte) 0xC0, (byte) 0xAF}, {(byte) 0xC3}, {'a', (byte) 0xC3}, {(byte) 0xE0, (byte) 0x80, (byte) 0xAF},
            {(byte) 0xED, (byte) 0xA0, (byte) 0x80}, {(byte) 0xED, (byte) 0xBF, (byte) 0xBF, 'x'}, {(byte) 0xE2, (byte) 0x82},
            {(byte) 0xF0, (byte) 0x8F, (byte) 0xBF, (byte) 0xBF}, {(byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80},
            {(byte) 0xF5, 'a'}, {(byte) 0xFF, (byte) 0xFE}, {(byte) 0xF0, (byte) 0x9F, (byte) 0x98}, {'o', 'k', (byte) 0xE9, '!', '"'},
            {(byte) 0xF0, (byte) 0x9F, (byte) 0x98, (byte) 0x80, (byte) 0x80, '\n'},
        };
        for (byte[] bytes : illFormed) {
            assertSameAsDriver(stringDocument("k".getBytes(StandardCharsets.UTF_8), bytes), mode, java.util.Arrays.toString(bytes));
            assertSameAsDriver(stringDocument(bytes, "v".getBytes(StandardCharsets.UTF_8)), mode, "key " + java.util.Arrays.toString(bytes));
        }
        // A Java string with a lone surrogate is written by the driver as ill-formed UTF-8.
        assertSameAsDriver(raw(new BsonDocument("s", new BsonString("a\uD800b\uDC00c\uDBFF"))), mode);
    }

    @Test
    void spellsTypeWrappersWithTheDriversSpacingInEachMode() {
        RawBsonDocument document = raw(new BsonDocument("l", new BsonInt64(1)).append("d", new BsonDouble(1.0))
                .append("t", new BsonDateTime(1500)).append("u", new BsonString("\uD83D\uDE00\u00e9")));
        assertThat(new String(DriverJson.encoderLine(document, JsonMode.EXTENDED), StandardCharsets.UTF_8)).isEqualTo(
                "{\"l\": {\"$numberLong\": \"1\"}, \"d\": {\"$numberDouble\": \"1.0\"}, "
                        + "\"t\": {\"$date\": {\"$numberLong\": \"1500\"}}, \"u\": \"\\ud83d\\ude00\u00e9\"}\n");
        assertThat(new String(DriverJson.encoderLine(document, JsonMode.RELAXED), StandardCharsets.UTF_8)).isEqualTo(
                "{\"l\": 1, \"d\": 1.0, \"t\": {\"$date\": \"1970-01-01T00:00:01.5Z\"}, \"u\": \"\\ud83d\\ude00\u00e9\"}\n");
    }

    @Test
    void appendsOneLinePerDocumentAfterWhatTheSinkAlreadyHolds() {
        ExtendedJsonEncoder encoder = new ExtendedJsonEncoder(JsonMode.RELAXED);
        Utf8Sink sink = new Utf8Sink(1);
        encoder.encodeLine(raw(new BsonDocument("a", new BsonInt32(1))), sink);
        encoder.encodeLine(raw(new BsonDocument("b", new BsonString("x"))), sink);
        assertThat(new String(sink.toByteArray(), StandardCharsets.UTF_8)).isEqualTo("{\"a\": 1}\n{\"b\": \"x\"}\n");
    }

    /**
     * Values of fixed size are written without a capacity check, in room made before their field name. A sink whose
     * array ends at each byte of the line in turn proves that room is always there (it would fail with an index
     * error, or write past the content, otherwise).
     */
    @ParameterizedTest
    @EnumSource(value = JsonMode.class, names = {"EXTENDED", "RELAXED"})
    void writesTheSameLineWhereverTheSinksArrayRunsOut(JsonMode mode) {
        RandomBsonGenerator generator = new RandomBsonGenerator(11, true);
        List<RawBsonDocument> documents = new java.util.ArrayList<>(List.of(raw(everyType()),
                raw(new BsonDocument("a", new BsonArray(List.of(new BsonTimestamp(-1, -1), new BsonDateTime(Long.MIN_VALUE),
                        new BsonInt64(Long.MIN_VALUE), new BsonDouble(-Double.MIN_NORMAL), new BsonUndefined(),
                        new BsonObjectId(new ObjectId()), new BsonMinKey())))
                        .append("d", new BsonDbPointer("x", new ObjectId())))));
        for (int i = 0; i < 40; i++) {
            documents.add(raw(generator.document()));
        }
        for (RawBsonDocument document : documents) {
            byte[] expected = DriverJson.driverLine(document, mode);
            for (int capacity = 1; capacity <= expected.length + 1; capacity++) {
                Utf8Sink sink = new Utf8Sink(capacity);
                new ExtendedJsonEncoder(mode).encodeLine(document, sink);
                assertThat(sink.toByteArray()).as("sink of %d bytes", capacity).isEqualTo(expected);
            }
        }
    }

    @Test
    void encodesADocumentInsideALargerArrayAtItsOffset() {
        byte[] bson = bytes(raw(everyType()));
        byte[] padded = new byte[bson.length + 7];
        System.arraycopy(bson, 0, padded, 3, bson.length);
        Utf8Sink sink = new Utf8Sink();
        new ExtendedJsonEncoder(JsonMode.EXTENDED).encodeLine(padded, 3, bson.length, sink);
        assertThat(sink.toByteArray()).isEqualTo(DriverJson.driverLine(raw(everyType()), JsonMode.EXTENDED));
        sink.reset();
        new ExtendedJsonEncoder(JsonMode.EXTENDED).encodeLine(new RawBsonDocument(padded, 3, bson.length), sink);
        assertThat(sink.toByteArray()).isEqualTo(DriverJson.driverLine(raw(everyType()), JsonMode.EXTENDED));
    }

    @Test
    @SuppressWarnings("deprecation") // STRICT is deprecated, and still a value a caller can pass
    void rejectsModesThatAreNotExtendedJsonV2() {
        assertThatThrownBy(() -> new ExtendedJsonEncoder(JsonMode.SHELL))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("SHELL").hasMessageContaining("RELAXED");
        assertThatThrownBy(() -> new ExtendedJsonEncoder(JsonMode.STRICT)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsMalformedBsonAndLeavesTheSinkAsItWas() {
        byte[] good = bytes(raw(everyType()));
        ExtendedJsonEncoder encoder = new ExtendedJsonEncoder(JsonMode.EXTENDED);
        Utf8Sink sink = new Utf8Sink();
        encoder.encodeLine(raw(new BsonDocument("kept", BsonNull.VALUE)), sink);
        byte[] before = sink.toByteArray();
        for (int cut = 0; cut < good.length; cut += 3) {
            byte[] broken = good.clone();
            broken[cut] = (byte) (broken[cut] ^ 0x5A);
            try {
                encoder.encodeLine(broken, 0, broken.length, sink);
            } catch (BsonSerializationException expected) {
                assertThat(sink.toByteArray()).isEqualTo(before);
            }
            sink.truncate(before.length);
        }
        assertThatThrownBy(() -> encoder.encodeLine(good, 0, good.length - 1, sink)).isInstanceOf(BsonSerializationException.class);
        byte[] unknownType = bytes(stringDocument(new byte[] {'k'}, new byte[] {'v'}));
        unknownType[4] = 0x20;
        assertThatThrownBy(() -> encoder.encodeLine(unknownType, 0, unknownType.length, sink))
                .isInstanceOf(BsonSerializationException.class).hasMessageContaining("0x20");
        assertThat(sink.toByteArray()).isEqualTo(before);
    }

    @Test
    void rejectsNestingDeeperThanTheLimitInsteadOfOverflowingTheStack() {
        // Built by hand: the driver refuses to write BSON this deep, but a peer could send it.
        byte[] deep = {5, 0, 0, 0, 0};
        for (int i = 0; i < ExtendedJsonEncoder.MAX_DEPTH + 5; i++) {
            ByteArrayOutputStream wrapper = new ByteArrayOutputStream();
            wrapper.writeBytes(le(deep.length + 8));
            wrapper.writeBytes(new byte[] {0x03, 'd', 0});
            wrapper.writeBytes(deep);
            wrapper.write(0);
            deep = wrapper.toByteArray();
        }
        RawBsonDocument raw = new RawBsonDocument(deep);
        assertThatThrownBy(() -> new ExtendedJsonEncoder(JsonMode.EXTENDED).encodeLine(raw, new Utf8Sink()))
                .isInstanceOf(BsonSerializationException.class).hasMessageContaining("nesting");
    }

    /** The document's own bytes, without the slack of the array that may hold them. */
    static byte[] bytes(RawBsonDocument document) {
        org.bson.ByteBuf buffer = document.getByteBuffer();
        return java.util.Arrays.copyOfRange(buffer.array(), buffer.position(), buffer.limit());
    }

    /** {@code {key: "value"}} built by hand, so key and value may be any bytes, well-formed or not. */
    static RawBsonDocument stringDocument(byte[] key, byte[] value) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.write(0x02);
        body.writeBytes(key);
        body.write(0);
        body.writeBytes(le(value.length + 1));
        body.writeBytes(value);
        body.write(0);
        body.write(0);
        ByteArrayOutputStream document = new ByteArrayOutputStream();
        document.writeBytes(le(body.size() + 4));
        document.writeBytes(body.toByteArray());
        return new RawBsonDocument(document.toByteArray());
    }

    private static byte[] le(int v) {
        return ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(v).array();
    }
}
