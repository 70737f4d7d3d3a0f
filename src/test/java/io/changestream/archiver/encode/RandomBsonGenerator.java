package io.changestream.archiver.encode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

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
import org.bson.BsonUndefined;
import org.bson.BsonValue;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * Seeded generator of random nested documents that use every BSON type and lean on the edge cases
 * (special doubles, far dates, escapes, supplementary and lone-surrogate chars, odd binary subtypes).
 *
 * <p>With {@code lossless} set it leaves out what Extended JSON cannot carry back: strings with lone
 * surrogates (the driver writes them as ill-formed UTF-8, read back as U+FFFD), keys starting with
 * {@code $} (read back as type wrappers), a negative Decimal128 NaN (written as plain "NaN") and a double NaN
 * with a payload (read back as the canonical NaN).
 */
final class RandomBsonGenerator {
    private static final int MAX_DEPTH = 4;
    private static final String REGEX_OPTIONS = "imxsulg";

    private final Random random;
    private final boolean lossless;

    RandomBsonGenerator(long seed, boolean lossless) {
        this.random = new Random(seed);
        this.lossless = lossless;
    }

    BsonDocument document() {
        return document(0);
    }

    private BsonDocument document(int depth) {
        BsonDocument document = new BsonDocument();
        int fields = random.nextInt(depth == 0 ? 12 : 6);
        for (int i = 0; i < fields; i++) {
            document.put(key(), value(depth));
        }
        return document;
    }

    private BsonValue value(int depth) {
        int kind = random.nextInt(depth < MAX_DEPTH ? 21 : 19);
        return switch (kind) {
            case 0 -> new BsonDouble(doubleValue());
            case 1 -> new BsonString(string());
            case 2 -> new BsonBinary((byte) binarySubtype(), bytes(random.nextInt(20)));
            case 3 -> new BsonUndefined();
            case 4 -> new BsonObjectId(new ObjectId(bytes(12)));
            case 5 -> BsonBoolean.valueOf(random.nextBoolean());
            case 6 -> new BsonDateTime(dateMillis());
            case 7 -> BsonNull.VALUE;
            case 8 -> new BsonRegularExpression(string().replace("\0", ""), regexOptions());
            case 9 -> new BsonDbPointer(string(), new ObjectId(bytes(12)));
            case 10 -> new BsonJavaScript(string());
            case 11 -> new BsonSymbol(string());
            case 12 -> new BsonInt32(pick(random.nextInt(), random.nextInt(1000) - 500, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case 13 -> new BsonTimestamp(random.nextLong());
            case 14 -> new BsonInt64(pick(random.nextLong(), random.nextInt(1000) - 500L, Long.MIN_VALUE, Long.MAX_VALUE));
            case 15 -> new BsonDecimal128(decimal());
            case 16 -> new BsonMinKey();
            case 17 -> new BsonMaxKey();
            case 18 -> new BsonInt32(random.nextInt(100));
            case 19 -> random.nextInt(4) == 0 ? new BsonJavaScriptWithScope(string(), document(depth + 1)) : document(depth + 1);
            default -> array(depth + 1);
        };
    }

    private BsonArray array(int depth) {
        List<BsonValue> values = new ArrayList<>();
        int n = random.nextInt(6);
        for (int i = 0; i < n; i++) {
            values.add(value(depth));
        }
        return new BsonArray(values);
    }

    private int pick(int random1, int small, int min, int max) {
        return switch (random.nextInt(4)) {
            case 0 -> random1;
            case 1 -> small;
            case 2 -> min;
            default -> random.nextBoolean() ? max : 0;
        };
    }

    private long pick(long random1, long small, long min, long max) {
        return switch (random.nextInt(4)) {
            case 0 -> random1;
            case 1 -> small;
            case 2 -> min;
            default -> random.nextBoolean() ? max : random.nextInt();
        };
    }

    private String key() {
        String key = string().replace("\0", "");
        return lossless && key.startsWith("$") ? "_" + key : key;
    }

    /** Mostly ASCII, with every class of char the escaper treats differently mixed in. */
    String string() {
        StringBuilder s = new StringBuilder();
        int length = random.nextInt(5) == 0 ? random.nextInt(200) : random.nextInt(16);
        for (int i = 0; i < length; i++) {
            int kind = random.nextInt(20);
            if (kind < 10) {
                s.append((char) (0x20 + random.nextInt(0x5F)));
            } else if (kind < 12) {
                s.append((char) random.nextInt(0x20));
            } else if (kind == 12) {
                s.append("\"\\/\u007f".charAt(random.nextInt(4)));
            } else if (kind < 15) {
                s.append((char) (0x80 + random.nextInt(0x780)));
            } else if (kind < 17) {
                char c = (char) (0x800 + random.nextInt(0x10000 - 0x800));
                s.append(Character.isSurrogate(c) ? 'x' : c);
            } else if (kind < 19) {
                s.appendCodePoint(0x10000 + random.nextInt(Character.MAX_CODE_POINT - 0xFFFF));
            } else if (!lossless) {
                s.append((char) (Character.MIN_SURROGATE + random.nextInt(0x800)));
            }
        }
        return s.toString();
    }

    private double doubleValue() {
        return switch (random.nextInt(8)) {
            case 0 -> lossless ? canonicalNaN(Double.longBitsToDouble(random.nextLong()))
                    : Double.longBitsToDouble(random.nextLong());
            case 1 -> random.nextInt(2_000_000) - 1_000_000;
            case 2 -> Math.rint(random.nextDouble() * 1e6) / Math.pow(10, random.nextInt(7));
            case 3 -> new double[] {0.0, -0.0, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
                Double.MIN_VALUE, Double.MAX_VALUE, 1e7, 1e-3, 9.999999999999999e-4}[random.nextInt(10)];
            case 4 -> random.nextGaussian() * Math.pow(10, random.nextInt(40) - 20);
            default -> random.nextDouble() * Math.pow(10, random.nextInt(12) - 4);
        };
    }

    /** JSON writes every NaN as "NaN", read back as the one canonical NaN: its payload is lost. */
    private static double canonicalNaN(double d) {
        return Double.isNaN(d) ? Double.NaN : d;
    }

    private long dateMillis() {
        return switch (random.nextInt(5)) {
            case 0 -> random.nextLong();
            case 1 -> (long) (random.nextDouble() * IsoDateFormatter.MAX_MILLIS);
            case 2 -> random.nextInt(86_400_000 * 3) - 86_400_000L;
            case 3 -> IsoDateFormatter.MAX_MILLIS - random.nextInt(3) + 1;
            default -> 1_700_000_000_000L + random.nextInt(1_000_000_000) / 1000 * (random.nextBoolean() ? 1000 : 10);
        };
    }

    private Decimal128 decimal() {
        int kind = random.nextInt(10);
        if (kind == 0) {
            Decimal128[] specials = {Decimal128.NaN, Decimal128.POSITIVE_INFINITY, Decimal128.NEGATIVE_INFINITY,
                Decimal128.POSITIVE_ZERO, Decimal128.NEGATIVE_ZERO, Decimal128.NEGATIVE_NaN};
            return specials[random.nextInt(lossless ? specials.length - 1 : specials.length)];
        }
        BigInteger unscaled = new BigInteger(kind < 5 ? 40 : 110, random).mod(BigInteger.TEN.pow(34));
        int scale = kind < 7 ? random.nextInt(20) - 5 : random.nextInt(12000) - 6000;
        BigDecimal value = new BigDecimal(random.nextBoolean() ? unscaled : unscaled.negate(), scale);
        try {
            return new Decimal128(value);
        } catch (NumberFormatException | AssertionError outOfRange) {
            return Decimal128.parse(unscaled + "E+" + random.nextInt(100));
        }
    }

    private int binarySubtype() {
        int[] subtypes = {0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0x80, 0xFF};
        return subtypes[random.nextInt(subtypes.length)];
    }

    private String regexOptions() {
        StringBuilder options = new StringBuilder();
        for (int i = random.nextInt(5); i > 0; i--) {
            options.append(REGEX_OPTIONS.charAt(random.nextInt(REGEX_OPTIONS.length())));
        }
        return options.toString();
    }

    private byte[] bytes(int n) {
        byte[] bytes = new byte[n];
        random.nextBytes(bytes);
        return bytes;
    }
}
