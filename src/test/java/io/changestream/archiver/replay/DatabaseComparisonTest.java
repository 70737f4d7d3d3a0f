package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoDatabase;
import io.changestream.archiver.replay.DatabaseComparison.Kind;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class DatabaseComparisonTest {
    @RegisterExtension
    static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();

    @Test
    void sameNumbersOfDifferentTypesAreDifferentValues() {
        DatabaseComparison.Result r = compare("types", "{_id: 1, n: 1, z: 0.0}",
                "{_id: 1, n: {$numberLong: '1'}, z: 0.0}");

        assertThat(r.count(Kind.VALUE)).isEqualTo(1);
        assertThat(r.differences().get(0).what()).contains("n is INT32 in the source, INT64 in the target");
        assertThat(compare("zeros", "{_id: 1, z: 0.0}", "{_id: 1, z: -0.0}").equalIgnoringFieldOrder()).isFalse();
    }

    @Test
    void theSameFieldsInAnotherOrderAreReportedApart() {
        DatabaseComparison.Result r = compare("order", "{_id: 1, a: 1, b: {c: 1, d: 2}}",
                "{_id: 1, b: {d: 2, c: 1}, a: 1}");

        assertThat(r.equal()).isFalse();
        assertThat(r.equalIgnoringFieldOrder()).isTrue();
        assertThat(r.count(Kind.FIELD_ORDER)).isEqualTo(1);
    }

    @Test
    void missingAndExtraDocumentsAreCounted() {
        MongoDatabase source = mongo.database("cmpSourceMissing");
        MongoDatabase target = mongo.database("cmpTargetMissing");
        source.getCollection("c", BsonDocument.class).insertMany(List.of(doc("{_id: 1}"), doc("{_id: 2}")));
        target.getCollection("c", BsonDocument.class).insertMany(List.of(doc("{_id: 2}"), doc("{_id: 3}")));

        DatabaseComparison.Result r = DatabaseComparison.compare(source, target, Map.of("c", "c"));

        assertThat(r.count(Kind.MISSING)).isEqualTo(1);
        assertThat(r.count(Kind.EXTRA)).isEqualTo(1);
        assertThat(r.documents()).isEqualTo(2);
    }

    @Test
    void identicalDocumentsAreEqual() {
        assertThat(compare("same", "{_id: 1, a: [1, {b: 2}], d: {$date: '1960-01-01T00:00:00Z'}}",
                "{_id: 1, a: [1, {b: 2}], d: {$date: '1960-01-01T00:00:00Z'}}").equal()).isTrue();
    }

    private static DatabaseComparison.Result compare(String name, String source, String target) {
        mongo.database("cmpSource" + name).getCollection("c", BsonDocument.class).insertOne(doc(source));
        mongo.database("cmpTarget" + name).getCollection("c", BsonDocument.class).insertOne(doc(target));
        return DatabaseComparison.compare(mongo.database("cmpSource" + name),
                mongo.database("cmpTarget" + name), Map.of("c", "c"));
    }

    private static BsonDocument doc(String json) {
        return BsonDocument.parse(json);
    }
}
