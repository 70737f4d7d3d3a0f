package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.changestream.archiver.bench.ChangeEventSamples;
import java.util.Arrays;
import org.bson.BsonBinary;
import org.bson.BsonDecimal128;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonMaxKey;
import org.bson.BsonRegularExpression;
import org.bson.BsonSerializationException;
import org.bson.BsonString;
import org.bson.BsonTimestamp;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.bson.codecs.RawBsonDocumentCodec;
import org.bson.types.Decimal128;
import org.junit.jupiter.api.Test;

class ChangeEventTest {
    private static RawBsonDocument raw(BsonDocument document) {
        return new RawBsonDocument(document, new BsonDocumentCodec());
    }

    private static BsonDocument event(String operationType) {
        return new BsonDocument("_id", new BsonDocument("_data", new BsonString("8263")))
                .append("operationType", new BsonString(operationType))
                .append("clusterTime", new BsonTimestamp(1_717_000_000, 7));
    }

    @Test
    void readsTheRoutingFieldsAsTheDriverDoes() {
        for (RawBsonDocument sample : new ChangeEventSamples(3).stream(200, 2)) {
            ChangeEvent event = ChangeEvent.of(sample);
            assertThat(event.resumeToken()).isEqualTo(sample.get("_id"));
            assertThat(event.clusterTime()).isEqualTo(sample.get("clusterTime"));
            assertThat(event.operationType()).isEqualTo(sample.getString("operationType").getValue());
            assertThat(event.byteSize()).isEqualTo(sample.getByteBuffer().remaining());
            assertThat(event.raw()).isEqualTo(sample);
        }
    }

    @Test
    void findsTheRoutingFieldsAfterFieldsOfEveryOtherTypeAndTakesTheFirstOfARepeatedName() {
        BsonDocument document = new BsonDocument("bin", new BsonBinary(new byte[] {1, 2, 3}))
                .append("re", new BsonRegularExpression("a.*", "i"))
                .append("dec", new BsonDecimal128(Decimal128.parse("1.5")))
                .append("max", new BsonMaxKey())
                .append("clusterTime", new BsonTimestamp(5, 6))
                .append("operationType", new BsonString("someFutureType"))
                .append("_id", new BsonDocument("_data", new BsonString("x")));
        byte[] bytes = Arrays.copyOf(raw(document).getByteBuffer().array(), raw(document).getByteBuffer().remaining());
        ChangeEvent event = ChangeEvent.of(new RawBsonDocument(bytes));
        assertThat(event.clusterTime()).isEqualTo(new BsonTimestamp(5, 6));
        assertThat(event.operationType()).isEqualTo("someFutureType");
        assertThat(event.resumeToken()).isEqualTo(new BsonDocument("_data", new BsonString("x")));
    }

    @Test
    void sharesTheOperationTypeStringsTheServerSends() {
        assertThat(ChangeEvent.of(raw(event("update"))).operationType()).isSameAs("update");
        assertThat(ChangeEvent.of(raw(event("insert"))).operationType()).isSameAs("insert");
    }

    @Test
    void keepsTheDriversArrayAndCompactsOnlyAnArrayWithMoreThanAnEighthOfSlack() {
        RawBsonDocument sample = new ChangeEventSamples(5).stream(1, 0).get(0);
        RawBsonDocument fromDriver = sample.decode(new RawBsonDocumentCodec()); // as the change stream cursor does
        int size = fromDriver.getByteBuffer().remaining();
        byte[] padded = new byte[size * 2 + 7];
        System.arraycopy(fromDriver.getByteBuffer().array(), 0, padded, 7, size);
        ChangeEvent event = ChangeEvent.of(new RawBsonDocument(padded, 7, size));
        assertThat(event.array()).isSameAs(padded);
        assertThat(event.arrayOffset()).isEqualTo(7);

        ChangeEvent compact = event.compact();
        assertThat(compact.array()).hasSize(size);
        assertThat(compact.arrayOffset()).isZero();
        assertThat(compact.raw()).isEqualTo(sample);
        assertThat(compact).isEqualTo(event).hasSameHashCodeAs(event);
        assertThat(compact.resumeToken()).isEqualTo(event.resumeToken()).isEqualTo(sample.get("_id"));
        assertThat(compact.clusterTime()).isEqualTo(event.clusterTime());
        assertThat(compact.operationType()).isSameAs(event.operationType());

        byte[] tight = Arrays.copyOf(padded, 7 + size + size / 8 - 7);
        ChangeEvent kept = ChangeEvent.of(new RawBsonDocument(tight, 7, size));
        assertThat(kept.compact()).isSameAs(kept);
    }

    @Test
    void rejectsADocumentThatIsNotAChangeEventNamingItsFields() {
        BsonDocument noTime = event("insert");
        noTime.remove("clusterTime");
        assertThatThrownBy(() -> ChangeEvent.of(raw(noTime))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a change event").hasMessageContaining("[_id, operationType]");
        BsonDocument stringId = event("insert").append("_id", new BsonInt32(1));
        stringId.put("_id", new BsonString("token"));
        assertThatThrownBy(() -> ChangeEvent.of(raw(stringId))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsMalformedBson() {
        byte[] bytes = Arrays.copyOf(raw(event("insert")).getByteBuffer().array(),
                raw(event("insert")).getByteBuffer().remaining());
        bytes[4] = 0x42; // an unknown type for the first field
        assertThatThrownBy(() -> ChangeEvent.of(new RawBsonDocument(bytes)))
                .isInstanceOf(BsonSerializationException.class);
        byte[] truncated = Arrays.copyOf(bytes, 9);
        truncated[0] = 9;
        assertThatThrownBy(() -> ChangeEvent.of(new RawBsonDocument(truncated)))
                .isInstanceOf(BsonSerializationException.class);
    }
}
