package io.changestream.archiver.encode;

import static io.changestream.archiver.encode.DriverJson.driverLine;
import static io.changestream.archiver.encode.DriverJson.encoderLine;
import static io.changestream.archiver.encode.DriverJson.raw;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

import org.bson.BsonArray;
import org.bson.BsonBinary;
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
import org.bson.BsonString;
import org.bson.BsonSymbol;
import org.bson.BsonTimestamp;
import org.bson.BsonType;
import org.bson.BsonUndefined;
import org.bson.BsonValue;
import org.bson.RawBsonDocument;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.RawBsonDocumentCodec;
import org.bson.json.JsonMode;
import org.bson.json.JsonReader;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * Differential fuzz of the archive's line reader ({@link CanonicalLineReader}, the fast path, and
 * {@link ExtendedJsonDecoder}, fast path plus the driver's fallback) against the driver's own reader, on generated
 * documents far from the happy middle. Each document is written as a line twice, by {@link ExtendedJsonEncoder} and by
 * the driver's {@code JsonWriter} (canonical mode), and each line must read back as the driver's {@code JsonReader}
 * piped into {@code RawBsonDocumentCodec} reads it, byte for byte, and as the document that was written: equal as a
 * {@code BsonDocument} and in its BSON bytes. Where the fast path accepts a line, its bytes must be the same; where
 * it declines, the decoder's fallback must still read the line.
 *
 * <p>The shapes, each scaled by {@code iterations}:
 * <ul>
 *   <li>boundaries: one value of every BSON type (and the edges of each) as a field, an array element, inside a
 *       document in an array and among tiny array elements, read by the fast path with every first size of its
 *       output buffer, so that the buffer grows at every byte of the value; and after a plain prefix of random
 *       length with the buffer's real first size. Every other fast read is repeated with a random first size;</li>
 *   <li>long arrays of tiny values: one-letter and two-letter strings, empty strings, arrays and documents, ints,
 *       booleans, nulls, and mixtures, of lengths that cross every growth of the buffer;</li>
 *   <li>nesting: arrays, documents and both mixed, from 1 level to the driver's limit of 1024 (the fast path reads
 *       {@value CanonicalLineReader#MAX_DEPTH} and declines deeper), and lines nested past the limit, which every
 *       reader must refuse with an exception, never a crash or a document;</li>
 *   <li>odd names and strings: long field names, escapes, control characters, NUL in values, every UTF-8 length;</li>
 *   <li>random mixed documents of every type with long arrays inside;</li>
 *   <li>the same respelled as no encoder writes them (escapes for plain characters, {@code $} included; extra
 *       spaces), held to the driver's reading alone;</li>
 *   <li>large documents, up to {@code maxDocumentBytes} (16 MB, BSON's limit, at most).</li>
 * </ul>
 *
 * <p>Run by {@code CanonicalLineReaderFuzzTest} (short, seeded, in the suite) and by {@code bench/reader-fuzz}
 * (long) through {@link #main}. Failures are {@link AssertionError}s naming the seed, the shape and the case.
 */
final class ReaderFuzz {
    /** BSON's own document size limit, as MongoDB enforces it. */
    static final int MAX_BSON = 16 * 1024 * 1024;
    private static final int DRIVER_MAX_DEPTH = 1024;

    private final long seed;
    private final Random random;
    private final ExtendedJsonDecoder decoder = new ExtendedJsonDecoder();
    private final ExtendedJsonEncoder encoder = new ExtendedJsonEncoder(JsonMode.EXTENDED);
    private long lines;
    private long accepted;
    private long declined;
    private long refused;
    private long lineBytes;

    ReaderFuzz(long seed) {
        this.seed = seed;
        this.random = new Random(seed);
    }

    /** What a run did, for its report. */
    record Counts(long lines, long fastAccepted, long fastDeclined, long refusedTooDeep, long lineBytes) {
        @Override
        public String toString() {
            return lines + " lines (" + lineBytes / 1_000_000 + " MB): " + fastAccepted + " read by the fast path, "
                    + fastDeclined + " by the fallback, " + refusedTooDeep + " too deep and refused by both";
        }
    }

    Counts counts() {
        return new Counts(lines, accepted, declined, refused, lineBytes);
    }

    /** Every shape, scaled by {@code iterations} (1 is the suite's short run). */
    Counts run(int iterations, int maxDocumentBytes) {
        timed("boundaries", () -> boundaries(iterations));
        timed("tiny arrays", () -> tinyArrays(80 * iterations));
        timed("nesting", () -> nesting(iterations));
        timed("odd names", () -> oddNamesAndStrings(60 * iterations));
        timed("random", () -> randomDocuments(300 * iterations));
        timed("respelled", () -> respelled(1000 * iterations));
        timed("large", () -> largeDocuments(iterations, maxDocumentBytes));
        return counts();
    }

    private void timed(String shape, Runnable run) {
        java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
        long started = threads.getCurrentThreadCpuTime();
        long before = lines;
        run.run();
        System.out.printf("  %s: %d lines, %.1f s of CPU%n", shape, lines - before,
                (threads.getCurrentThreadCpuTime() - started) / 1e9);
    }

    // ---------------------------------------------------------------------------------------------- shapes

    /**
     * Every sample value where the fast path's output buffer grows at each of its bytes: the line is read with every
     * first size of the buffer from 0 to past the document's, so that the first growth falls on every byte in turn,
     * whichever check triggers it. The value stands as a field, as an array element after a tiny one, inside a
     * document inside an array, and among tiny elements of a longer array. Each document is also written after a
     * plain prefix of random length, read with the buffer's real first size (the line's length).
     */
    void boundaries(int iterations) {
        List<Supplier<BsonValue>> tiny = tinyKinds();
        for (int round = 0; round < iterations; round++) {
            List<BsonValue> samples = everyType();
            for (int s = 0; s < samples.size(); s++) {
                BsonValue value = samples.get(s);
                for (int placement = 0; placement < 4; placement++) {
                    BsonDocument document = switch (placement) {
                        case 0 -> new BsonDocument("v", value);
                        case 1 -> new BsonDocument("a", new BsonArray(List.of(BsonBoolean.TRUE, value)));
                        case 2 -> new BsonDocument("a", new BsonArray(List.of(new BsonDocument("w", value))));
                        default -> {
                            BsonArray array = new BsonArray();
                            for (int i = random.nextInt(40); i > 0; i--) {
                                array.add(tiny.get(random.nextInt(tiny.size())).get());
                            }
                            array.add(value);
                            array.add(tiny.get(random.nextInt(tiny.size())).get());
                            yield new BsonDocument("a", array);
                        }
                    };
                    String context = "boundaries: sample " + s + " (" + value.getBsonType() + ") placement "
                            + placement;
                    checkDocument(document, context);
                    everyFirstSize(document, context);
                    BsonDocument prefixed = new BsonDocument("p", new BsonString("x".repeat(random.nextInt(3000))));
                    prefixed.putAll(document);
                    checkDocument(prefixed, context + " after a prefix");
                }
            }
        }
    }

    /** Reads the document's line with every first size of the fast path's buffer: the same result each time. */
    private void everyFirstSize(BsonDocument document, String context) {
        byte[] expected = ExtendedJsonEncoderTest.bytes(raw(document));
        byte[] line = line(document);
        boolean accepts = CanonicalLineReader.read(line, 0, line.length) != null;
        for (int capacity = 0; capacity <= expected.length + 16; capacity++) {
            RawBsonDocument fast = CanonicalLineReader.read(line, 0, line.length, capacity);
            if ((fast != null) != accepts) {
                throw failure("with a first buffer of " + capacity + " bytes the fast path "
                        + (accepts ? "declines" : "accepts") + " a line it otherwise " + (accepts ? "accepts"
                        : "declines"), line, context);
            }
            if (fast != null) {
                same(ExtendedJsonEncoderTest.bytes(fast), expected, "fast path with a first buffer of " + capacity
                        + " bytes vs the document written", line, context);
            }
        }
    }

    /** Arrays of one tiny kind, or of tiny kinds mixed, of lengths that cross several growths of the buffer. */
    void tinyArrays(int count) {
        List<Supplier<BsonValue>> kinds = tinyKinds();
        for (int i = 0; i < count; i++) {
            int n = switch (random.nextInt(4)) {
                case 0 -> random.nextInt(50);
                case 1 -> 100 + random.nextInt(1500);
                case 2 -> 1000 + random.nextInt(20_000);
                default -> random.nextInt(3000);
            };
            int kind = random.nextInt(kinds.size() + 1);
            BsonArray array = new BsonArray(new ArrayList<>(n));
            for (int j = 0; j < n; j++) {
                array.add(kinds.get(kind < kinds.size() ? kind : random.nextInt(kinds.size())).get());
            }
            BsonDocument document = new BsonDocument("_id", new BsonInt32(i));
            int before = random.nextInt(3);
            for (int j = 0; j < before; j++) {
                document.append("f" + j, kinds.get(random.nextInt(kinds.size())).get());
            }
            document.append("values", array);
            if (random.nextBoolean()) {
                document.append("after", new BsonString("y".repeat(random.nextInt(100))));
            }
            checkDocument(document, "tiny arrays #" + i + ": " + n + " of kind " + kind);
        }
    }

    /** Nesting from 1 level to the driver's limit, and lines nested past it. */
    void nesting(int iterations) {
        for (int depth = 1; depth <= DRIVER_MAX_DEPTH - 1; depth += depth < 260 ? 1 : 1 + random.nextInt(40)) {
            for (int style = 0; style < 3; style++) {
                checkDocument(new BsonDocument("a", nested(depth, style)), "nesting " + depth + " style " + style);
            }
        }
        for (int i = 0; i < 20 * iterations; i++) {
            int depth = 1 + random.nextInt(DRIVER_MAX_DEPTH - 1);
            BsonDocument document = new BsonDocument("a", nested(depth, random.nextInt(3)));
            if (random.nextBoolean()) {
                document.append("b", new BsonArray(List.of(nested(1 + random.nextInt(depth), random.nextInt(3)))));
            }
            checkDocument(document, "nesting random #" + i + " depth " + depth);
        }
        for (int depth : new int[] {DRIVER_MAX_DEPTH, DRIVER_MAX_DEPTH + 1, 2000, 100_000}) {
            // Depth counted as above: the line's own document is level 1.
            String arrays = "{\"a\": " + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}";
            String documents = "{\"a\": ".repeat(depth - 1) + "{\"a\": 1" + "}".repeat(depth);
            checkTooDeep(arrays.getBytes(StandardCharsets.UTF_8), "arrays nested " + depth + " deep");
            checkTooDeep(documents.getBytes(StandardCharsets.UTF_8), "documents nested " + depth + " deep");
        }
    }

    /** Depth counted with the top-level document as 1; the innermost value is an empty container or a leaf. */
    private BsonValue nested(int depth, int style) {
        BsonValue value = switch (random.nextInt(3)) {
            case 0 -> new BsonArray();
            case 1 -> new BsonDocument();
            default -> tinyKinds().get(random.nextInt(tinyKinds().size())).get();
        };
        for (int level = 1; level < depth; level++) {
            boolean array = style == 0 || style == 2 && random.nextBoolean();
            value = array ? new BsonArray(List.of(value)) : new BsonDocument("d", value);
        }
        return value;
    }

    /** Long field names, escapes and every UTF-8 length in names and values. */
    void oddNamesAndStrings(int count) {
        for (int i = 0; i < count; i++) {
            BsonDocument document = new BsonDocument();
            int fields = 1 + random.nextInt(6);
            for (int f = 0; f < fields; f++) {
                int length = switch (random.nextInt(4)) {
                    case 0 -> random.nextInt(4);
                    case 1 -> random.nextInt(300);
                    case 2 -> random.nextInt(3000);
                    default -> random.nextInt(random.nextInt(8) == 0 ? 70_000 : 10_000);
                };
                String key = oddString(length, true);
                document.put(key.startsWith("$") ? "_" + key : key, random.nextInt(3) == 0
                        ? new BsonArray(List.of(new BsonString(oddString(random.nextInt(50), false))))
                        : new BsonString(oddString(random.nextInt(length + 1), false)));
            }
            checkDocument(document, "odd names and strings #" + i);
        }
    }

    /** Random chars of every class the escaper and the reader treat apart; keys without NUL. */
    private String oddString(int length, boolean key) {
        StringBuilder s = new StringBuilder(length);
        while (s.length() < length) {
            int kind = random.nextInt(12);
            if (kind < 5) {
                s.append((char) (0x20 + random.nextInt(0x5F)));
            } else if (kind == 5) {
                char c = (char) random.nextInt(0x20);
                s.append(key && c == 0 ? ' ' : c);
            } else if (kind == 6) {
                s.append("\"\\/\u007f\b\f\n\r\t".charAt(random.nextInt(9)));
            } else if (kind == 7) {
                s.append((char) (0x80 + random.nextInt(0x780)));
            } else if (kind == 8) {
                char c = (char) (0x800 + random.nextInt(0x10000 - 0x800));
                s.append(Character.isSurrogate(c) ? '\u2028' : c);
            } else if (kind == 9) {
                s.appendCodePoint(0x10000 + random.nextInt(Character.MAX_CODE_POINT - 0xFFFF));
            } else {
                s.append("a".repeat(1 + random.nextInt(16)));
            }
        }
        return s.toString();
    }

    /** The suite's random documents of every type, with long arrays of tiny values mixed in. */
    void randomDocuments(int count) {
        RandomBsonGenerator generator = new RandomBsonGenerator(random.nextLong(), true);
        List<Supplier<BsonValue>> kinds = tinyKinds();
        for (int i = 0; i < count; i++) {
            BsonDocument document = generator.document();
            if (random.nextBoolean()) {
                BsonArray array = new BsonArray();
                for (int n = random.nextInt(2000); n > 0; n--) {
                    array.add(random.nextInt(10) == 0 ? generator.document() : kinds.get(random.nextInt(kinds.size())).get());
                }
                document.append("tiny", array);
            }
            checkDocument(document, "random document #" + i);
        }
    }

    /**
     * Lines no encoder writes but JSON allows: characters of names and strings respelled as {@code \\uXXXX} escapes
     * (a {@code $} included, which makes the driver see a wrapper where the line's bytes show none) or
     * {@code \\/}, and spaces added between tokens. The driver's reading is the oracle; the written document is not,
     * as an escaped {@code $} can change what the line means.
     */
    void respelled(int count) {
        RandomBsonGenerator generator = new RandomBsonGenerator(random.nextLong(), true);
        for (int i = 0; i < count; i++) {
            BsonDocument document = generator.document();
            if (random.nextInt(4) == 0) {
                document.put("w", everyType().get(random.nextInt(everyType().size())));
            }
            byte[] line = respell(line(document), 1 + random.nextInt(8));
            String context = "respelled #" + i;
            lines++;
            lineBytes += line.length;
            byte[] oracle = driverRead(line);
            RawBsonDocument fast = CanonicalLineReader.read(line, 0, line.length);
            if (fast == null) {
                declined++;
            } else {
                accepted++;
                same(ExtendedJsonEncoderTest.bytes(fast), oracle, "fast path vs the driver", line, context);
            }
            if (oracle != null) {
                RawBsonDocument decoded;
                try {
                    decoded = decoder.decodeLine(line, 0, line.length);
                } catch (RuntimeException e) {
                    throw failure("the decoder failed on a line the driver reads: " + e, line, context);
                }
                same(ExtendedJsonEncoderTest.bytes(decoded), oracle, "decoder vs the driver", line, context);
            }
        }
    }

    /** Respells about one character in {@code oneIn} inside strings as an escape, and adds spaces between tokens. */
    private byte[] respell(byte[] line, int oneIn) {
        String text = new String(line, StandardCharsets.UTF_8);
        StringBuilder out = new StringBuilder(text.length() * 2);
        boolean inString = false;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            int n = Character.charCount(cp);
            if (!inString) {
                out.appendCodePoint(cp);
                inString = cp == '"';
                if ((cp == ',' || cp == ':' || cp == '{' || cp == '[') && random.nextInt(oneIn) == 0) {
                    out.append(" ".repeat(1 + random.nextInt(3)));
                }
            } else if (cp == '\\') {
                out.append(text, i, i + 2); // an escape stays as it is
                n = 2;
            } else if (cp == '"') {
                out.append('"');
                inString = false;
            } else if (random.nextInt(oneIn) == 0) {
                if (cp == '/' && random.nextBoolean()) {
                    out.append("\\/");
                } else {
                    for (char c : Character.toChars(cp)) {
                        String hex = String.format("%04x", (int) c);
                        out.append("\\u").append(random.nextBoolean() ? hex : hex.toUpperCase());
                    }
                }
            } else {
                out.appendCodePoint(cp);
            }
            i += n;
        }
        return out.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** Documents of up to {@code maxBytes} of BSON: tiny values, mid-sized strings, nested arrays of both. */
    void largeDocuments(int iterations, int maxBytes) {
        for (int i = 0; i < iterations; i++) {
            int target = i == 0 ? maxBytes : 1 + random.nextInt(maxBytes);
            List<Supplier<BsonValue>> kinds = tinyKinds();
            boolean tiny = i > 0 && random.nextBoolean();
            BsonDocument document = new BsonDocument("_id", new BsonObjectId(new ObjectId(bytes(12))));
            BsonArray array = new BsonArray();
            document.append("big", array);
            long size = 40;
            int index = 0;
            while (true) {
                BsonValue value = tiny ? kinds.get(random.nextInt(kinds.size())).get()
                        : new BsonString(oddString(random.nextInt(4000), false));
                long estimate = 1 + digits(index) + 1 + estimate(value);
                if (size + estimate > target - 64) {
                    break;
                }
                array.add(value);
                size += estimate;
                index++;
            }
            checkDocument(document, "large document #" + i + " (" + size + " bytes of BSON, "
                    + (tiny ? "tiny values" : "strings") + ")");
        }
    }

    private static int digits(int index) {
        return Integer.toString(index).length();
    }

    /** An upper bound of the BSON bytes of {@code value} without its type and name. */
    private static long estimate(BsonValue value) {
        if (value.isString()) {
            return 5 + 3L * value.asString().getValue().length();
        }
        return value.isDocument() || value.isArray() ? 5 : 16;
    }

    // ---------------------------------------------------------------------------------------------- the check

    /** Writes {@code document} with both writers and checks each distinct line. */
    void checkDocument(BsonDocument document, String context) {
        RawBsonDocument original = raw(document);
        byte[] expected = ExtendedJsonEncoderTest.bytes(original);
        if (expected.length > MAX_BSON) {
            throw new AssertionError("generated " + expected.length + " bytes, past BSON's limit: " + context);
        }
        byte[] ours = encoderLine(original, JsonMode.EXTENDED);
        checkLine(ours, document, expected, context + ", encoder's line");
        byte[] drivers = driverLine(original, JsonMode.EXTENDED);
        if (!Arrays.equals(ours, drivers)) {
            checkLine(drivers, document, expected, context + ", driver's line");
        }
    }

    private void checkLine(byte[] line, BsonDocument document, byte[] expected, String context) {
        lines++;
        lineBytes += line.length;
        byte[] oracle = driverRead(line);
        if (oracle != null && !Arrays.equals(oracle, expected)) {
            context += " (" + difference(new RawBsonDocument(expected), new RawBsonDocument(oracle)) + ")";
        }
        same(oracle, expected, "the driver's reading of the line vs the document written", line, context);
        RawBsonDocument fast = CanonicalLineReader.read(line, 0, line.length);
        if (fast != null) {
            accepted++;
            same(ExtendedJsonEncoderTest.bytes(fast), oracle, "fast path vs the driver", line, context);
            int capacity = random.nextInt(oracle.length + 1);
            RawBsonDocument grown = CanonicalLineReader.read(line, 0, line.length, capacity);
            same(grown == null ? null : ExtendedJsonEncoderTest.bytes(grown), oracle, "fast path with a first "
                    + "buffer of " + capacity + " bytes vs the driver", line, context);
        } else {
            declined++;
        }
        RawBsonDocument decoded;
        try {
            decoded = decoder.decodeLine(line, 0, line.length);
        } catch (RuntimeException e) {
            throw failure("the decoder failed on a line the driver reads: " + e, line, context);
        }
        same(ExtendedJsonEncoderTest.bytes(decoded), oracle, "decoder (fast path or fallback) vs the driver", line,
                context);
        if (!decoded.equals(document)) {
            throw failure("decoded document is not equal to the document written", line, context);
        }
        byte[] reencoded = ExtendedJsonEncoderTest.bytes(raw(decoded));
        same(reencoded, expected, "the decoded document re-encoded vs the document written", line, context);
    }

    /** Nesting past the driver's limit: the fast path declines, the decoder throws (never a document, never an Error). */
    private void checkTooDeep(byte[] line, String context) {
        lines++;
        lineBytes += line.length;
        if (CanonicalLineReader.read(line, 0, line.length) != null) {
            throw failure("the fast path read a line nested past " + CanonicalLineReader.MAX_DEPTH, line, context);
        }
        byte[] oracle = driverRead(line);
        RawBsonDocument decoded = null;
        try {
            decoded = decoder.decodeLine(line, 0, line.length);
        } catch (RuntimeException expected) {
            if (oracle != null) {
                throw failure("the decoder refused a line the driver reads: " + expected, line, context);
            }
            refused++;
            return;
        }
        declined++;
        same(ExtendedJsonEncoderTest.bytes(decoded), oracle, "decoder vs the driver", line, context);
    }

    /** The driver's reading of a line: {@code JsonReader} piped into {@code RawBsonDocumentCodec}; null if refused. */
    private static byte[] driverRead(byte[] line) {
        try {
            JsonReader reader = new JsonReader(new String(line, StandardCharsets.UTF_8));
            RawBsonDocument document = new RawBsonDocumentCodec().decode(reader, DecoderContext.builder().build());
            if (reader.readBsonType() != BsonType.END_OF_DOCUMENT) {
                return null;
            }
            return ExtendedJsonEncoderTest.bytes(document);
        } catch (RuntimeException refused) {
            return null;
        }
    }

    private void same(byte[] actual, byte[] expected, String what, byte[] line, String context) {
        if (expected == null || actual == null || !Arrays.equals(actual, expected)) {
            int at = expected == null || actual == null ? -1 : Arrays.mismatch(actual, expected);
            throw failure(what + ": " + (expected == null ? "expected nothing" : expected.length + " bytes expected")
                    + ", " + (actual == null ? "got nothing" : actual.length + " bytes read") + ", first difference "
                    + "at byte " + at, line, context);
        }
    }

    /** The first top-level field whose values differ, both values shown in short. */
    private static String difference(RawBsonDocument expected, RawBsonDocument actual) {
        for (String key : expected.keySet()) {
            BsonValue a = actual.get(key);
            BsonValue e = expected.get(key);
            if (!e.equals(a)) {
                String ej = new BsonDocument("v", e).toJson();
                String aj = a == null ? "missing" : new BsonDocument("v", a).toJson();
                return "field " + key + ": written " + ej.substring(0, Math.min(ej.length(), 400)) + ", read "
                        + aj.substring(0, Math.min(aj.length(), 400));
            }
        }
        return "the fields are equal; their order or bytes differ";
    }

    private AssertionError failure(String what, byte[] line, String context) {
        String text = new String(line, 0, Math.min(line.length, 300), StandardCharsets.UTF_8);
        return new AssertionError("reader fuzz, seed " + seed + " (replay with -Dfuzz.seed=" + seed + "), " + context
                + ": " + what + "; the line (" + line.length + " bytes) begins " + text);
    }

    private byte[] line(BsonDocument document) {
        Utf8Sink sink = new Utf8Sink(64);
        encoder.encodeLine(raw(document), sink);
        return sink.toByteArray();
    }

    // ---------------------------------------------------------------------------------------------- values

    /** Tiny values, the kinds whose arrays grow the reader's output fastest relative to the line. */
    private List<Supplier<BsonValue>> tinyKinds() {
        return List.of(
                () -> new BsonString(String.valueOf((char) ('a' + random.nextInt(26)))),
                () -> new BsonString("" + (char) ('A' + random.nextInt(26)) + (char) ('A' + random.nextInt(26))),
                () -> new BsonString(""),
                BsonArray::new,
                BsonDocument::new,
                () -> new BsonInt32(random.nextInt(10)),
                () -> BsonBoolean.valueOf(random.nextBoolean()),
                () -> BsonNull.VALUE);
    }

    /** At least one value of every BSON type, with the edges of each; lossless in canonical Extended JSON. */
    private List<BsonValue> everyType() {
        List<BsonValue> values = new ArrayList<>(List.of(
                new BsonDouble(0.0), new BsonDouble(-0.0), new BsonDouble(1.5), new BsonDouble(0.1),
                new BsonDouble(Double.NaN), new BsonDouble(Double.POSITIVE_INFINITY),
                new BsonDouble(Double.NEGATIVE_INFINITY), new BsonDouble(Double.MIN_VALUE),
                new BsonDouble(Double.MAX_VALUE), new BsonDouble(123456789.125), new BsonDouble(-1e-300),
                new BsonString(""), new BsonString("a"), new BsonString("ab"), new BsonString("x".repeat(40)),
                new BsonString("\u00e9\u4e2d\ud83d\ude00"), new BsonString("\n\"\\\u0001\u0000"),
                new BsonString("y".repeat(200) + "\u00e9"),
                new BsonDocument(), new BsonDocument("a", new BsonInt32(1)), new BsonArray(),
                new BsonArray(List.of(new BsonInt32(1))), new BsonArray(List.of(new BsonArray())),
                new BsonBinary(new byte[0]), new BsonBinary((byte) 4, bytes(16)), new BsonBinary((byte) 0x80, bytes(3)),
                new BsonUndefined(), new BsonObjectId(new ObjectId(bytes(12))), BsonBoolean.TRUE, BsonBoolean.FALSE,
                new BsonDateTime(0), new BsonDateTime(-1), new BsonDateTime(1_700_000_000_123L),
                new BsonDateTime(Long.MIN_VALUE), new BsonDateTime(Long.MAX_VALUE), BsonNull.VALUE,
                new BsonRegularExpression("a.*\\d", "i"), new BsonRegularExpression("", ""),
                new BsonDbPointer("db.coll", new ObjectId(bytes(12))), new BsonJavaScript("function() {}"),
                new BsonSymbol("sym"), new BsonJavaScriptWithScope("x", new BsonDocument("x", new BsonInt32(1))),
                new BsonInt32(0), new BsonInt32(-1), new BsonInt32(Integer.MIN_VALUE), new BsonInt32(Integer.MAX_VALUE),
                new BsonTimestamp(0, 0), new BsonTimestamp(1, 2), new BsonTimestamp(Integer.MAX_VALUE, Integer.MAX_VALUE),
                new BsonTimestamp(-1, -1), new BsonInt64(0), new BsonInt64(Long.MIN_VALUE), new BsonInt64(Long.MAX_VALUE),
                new BsonInt64(1L << 53), new BsonInt64(-123456789012345678L),
                new BsonDecimal128(Decimal128.parse("1.5")), new BsonDecimal128(Decimal128.NaN),
                new BsonDecimal128(Decimal128.NEGATIVE_ZERO), new BsonMinKey(), new BsonMaxKey()));
        values.add(new BsonDouble(random.nextDouble() * Math.pow(10, random.nextInt(40) - 20)));
        values.add(new BsonInt64(random.nextLong()));
        return values;
    }

    private byte[] bytes(int n) {
        byte[] b = new byte[n];
        random.nextBytes(b);
        return b;
    }

    // ---------------------------------------------------------------------------------------------- bench entry

    /**
     * The long run, for {@code bench/reader-fuzz}: {@code [seed] [iterations] [maxDocumentBytes]}, defaults a random
     * seed, 20 and 16 MB. Prints the seed first, a line per round, and exits 1 on the first difference.
     */
    public static void main(String[] args) {
        long seed = args.length > 0 && !args[0].isEmpty() ? Long.parseLong(args[0]) : new Random().nextLong();
        int iterations = args.length > 1 ? Integer.parseInt(args[1]) : 20;
        int maxBytes = args.length > 2 ? Integer.parseInt(args[2]) : MAX_BSON;
        System.out.println("reader fuzz: seed " + seed + ", " + iterations + " rounds, documents up to " + maxBytes
                + " bytes");
        long started = System.nanoTime();
        try {
            for (int round = 0; round < iterations; round++) {
                ReaderFuzz fuzz = new ReaderFuzz(seed + round);
                Counts counts = fuzz.run(4, maxBytes);
                System.out.printf("round %d (seed %d): %s; %.0f s so far%n", round, seed + round, counts,
                        (System.nanoTime() - started) / 1e9);
            }
        } catch (AssertionError e) {
            System.out.println("FAILED: " + e.getMessage());
            System.exit(1);
        }
        System.out.println("reader fuzz: OK");
    }
}
