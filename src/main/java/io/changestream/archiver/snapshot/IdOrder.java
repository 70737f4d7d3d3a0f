package io.changestream.archiver.snapshot;

import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.bson.BsonValue;

/**
 * Whether one {@code _id} comes after another in MongoDB's order, for recovery's check that a found part continues
 * the chain. Types compare by their bracket ({@link MongoSnapshotSource#bracketOf}); within a bracket numbers
 * compare by value, strings by their UTF-8 bytes (the simple collation), ObjectIds, booleans, dates and timestamps
 * as the server does. Within the brackets whose order is intricate (documents, binary data, regular expressions)
 * only equality is refused: recovery must not call a valid part a conflict.
 */
final class IdOrder {
    private IdOrder() {
    }

    /** True unless {@code next} provably does not come strictly after {@code previous}. */
    static boolean ascending(BsonValue previous, BsonValue next) {
        int a = MongoSnapshotSource.bracketOf(previous.getBsonType());
        int b = MongoSnapshotSource.bracketOf(next.getBsonType());
        if (a != b) {
            return a < b;
        }
        return switch (previous.getBsonType()) {
            case INT32, INT64, DOUBLE, DECIMAL128 -> number(previous).compareTo(number(next)) < 0;
            case STRING, SYMBOL -> Arrays.compareUnsigned(text(previous), text(next)) < 0;
            case OBJECT_ID -> previous.asObjectId().getValue().compareTo(next.asObjectId().getValue()) < 0;
            case BOOLEAN -> !previous.asBoolean().getValue() && next.asBoolean().getValue();
            case DATE_TIME -> previous.asDateTime().getValue() < next.asDateTime().getValue();
            case TIMESTAMP -> previous.asTimestamp().compareTo(next.asTimestamp()) < 0;
            case NULL, UNDEFINED, MIN_KEY, MAX_KEY -> false;
            default -> !previous.equals(next);
        };
    }

    private static BigDecimal number(BsonValue v) {
        if (v.isDouble() && !Double.isFinite(v.asDouble().getValue())) {
            double d = v.asDouble().getValue();
            // NaN sorts below every number; infinities at the ends
            return Double.isNaN(d) ? BigDecimal.valueOf(-Double.MAX_VALUE).multiply(BigDecimal.TEN)
                    : BigDecimal.valueOf(d > 0 ? Double.MAX_VALUE : -Double.MAX_VALUE).multiply(BigDecimal.valueOf(5));
        }
        if (v.isDecimal128()) {
            return v.asDecimal128().getValue().bigDecimalValue();
        }
        return v.isDouble() ? new BigDecimal(v.asDouble().getValue()) : BigDecimal.valueOf(v.asNumber().longValue());
    }

    private static byte[] text(BsonValue v) {
        return (v.isSymbol() ? v.asSymbol().getSymbol() : v.asString().getValue()).getBytes(StandardCharsets.UTF_8);
    }
}
