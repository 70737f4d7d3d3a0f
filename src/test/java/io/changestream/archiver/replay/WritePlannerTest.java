package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.testing.EmbeddedMongoExtension;
import java.util.Optional;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.RawBsonDocument;
import org.bson.codecs.BsonDocumentCodec;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Applies hand-written change events, shaped as MongoDB 4.2+ emits them (with {@code updateDescription},
 * {@code ns}, {@code wallTime}), to a document on an in-process server and checks the document afterwards.
 */
class WritePlannerTest {
    @RegisterExtension
    static final EmbeddedMongoExtension mongo = new EmbeddedMongoExtension();
    private MongoCollection<BsonDocument> people;
    private MongoReplayTarget target;

    @BeforeEach
    void emptyCollection() {
        people = mongo.database("target").getCollection("people", BsonDocument.class);
        people.deleteMany(new BsonDocument());
        target = new MongoReplayTarget(mongo.database("target"));
    }

    @Test
    void aNestedSetByDottedPathChangesOnlyThatField() {
        people.insertOne(doc("{_id: 1, name: 'Ada', profile: {tier: 'silver', "
                + "address: {city: 'Zürich', zip: '8001'}}}"));

        apply(update(1, "{'profile.address.city': 'Bern', visits: {$numberLong: '2'}}", "[]", "[]"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, name: 'Ada', profile: {tier: 'silver', "
                + "address: {city: 'Bern', zip: '8001'}}, visits: {$numberLong: '2'}}"));
    }

    @Test
    void removedFieldsAreUnsetAtTopLevelAndInsideSubdocuments() {
        people.insertOne(doc("{_id: 1, note: 'x', profile: {tier: 'silver', since: 2020}}"));

        apply(update(1, "{}", "['note', 'profile.tier']", "[]"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, profile: {since: 2020}}"));
    }

    @Test
    void anArrayPushReportedAsAnIndexedFieldAppendsTheElement() {
        people.insertOne(doc("{_id: 1, tags: ['a', 'b', 'c']}"));

        apply(update(1, "{'tags.3': 'd'}", "[]", "[]"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, tags: ['a', 'b', 'c', 'd']}"));
    }

    @Test
    void truncatedArraysAreCutToTheirNewSizeBeforeIndexedFieldsAreSet() {
        people.insertOne(doc("{_id: 1, tags: ['a', 'b', 'c', 'd', 'e'], profile: {history: [1, 2, 3]}}"));

        apply(update(1, "{'tags.1': 'x'}", "[]",
                "[{field: 'tags', newSize: 2}, {field: 'profile.history', newSize: 1}]"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, tags: ['a', 'x'], profile: {history: [1]}}"));
    }

    @Test
    void applyingAnUpdateToItsPostImageChangesNothing() {
        people.insertOne(doc("{_id: 1, tags: ['a', 'b', 'c', 'd'], note: 'n', n: 1}"));
        BsonDocument event = update(1, "{'tags.1': 'x', n: 2}", "['note']", "[{field: 'tags', newSize: 2}]");

        apply(event);
        BsonDocument once = stored(1);
        apply(event);

        assertThat(stored(1)).isEqualTo(once).isEqualTo(doc("{_id: 1, tags: ['a', 'x'], n: 2}"));
    }

    @Test
    void aTruncationOfAFieldThatIsNoLongerAnArrayIsANoOpOnARerun() {
        people.insertOne(doc("{_id: 1, tags: 'became a string later'}"));

        apply(update(1, "{}", "[]", "[{field: 'tags', newSize: 1}]"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, tags: 'became a string later'}"));
    }

    @Test
    void anUpdateWithADescriptionAppliesTheDiffNotTheLookedUpDocument() {
        people.insertOne(doc("{_id: 1, a: 1, b: 1}"));
        BsonDocument event = update(1, "{a: 2}", "[]", "[]");
        event.put("fullDocument", doc("{_id: 1, a: 3, b: 3}")); // updateLookup returns the *current* document

        apply(event);

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, a: 2, b: 1}"));
    }

    @Test
    void anUpdateWithADescriptionDoesNotInventAMissingDocument() {
        apply(update(7, "{a: 2}", "[]", "[]"));

        assertThat(people.countDocuments()).isZero();
    }

    @Test
    void anUpdateWithoutADescriptionReplacesTheDocumentWithItsFullDocument() {
        people.insertOne(doc("{_id: 1, a: 1, gone: true}"));

        apply(event("{operationType: 'update', documentKey: {_id: 1}, fullDocument: {_id: 1, a: 5}}"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, a: 5}"));
    }

    @Test
    void anUpdateWithoutADescriptionWhoseLookupFoundNothingIsSkipped() {
        WritePlan plan = WritePlanner.plan(ChangeEvent.of(raw(event(
                "{operationType: 'update', documentKey: {_id: 1}, fullDocument: null}"))));

        assertThat(plan).isInstanceOf(WritePlan.Skip.class);
        assertThat(((WritePlan.Skip) plan).reason()).contains("post-image");
    }

    @Test
    void anUpdateSpecificationInDocumentKeyIsToleratedByTakingTheIdFromFullDocument() {
        people.insertOne(doc("{_id: 1, a: 1}"));

        apply(event("{operationType: 'update', documentKey: {$set: {a: 2}}, fullDocument: {_id: 1, a: 2}}"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, a: 2}"));
    }

    @Test
    void aReplaceReplacesTheWholeDocumentAndUpsertsAMissingOne() {
        people.insertOne(doc("{_id: 1, old: true}"));

        apply(event("{operationType: 'replace', documentKey: {_id: 1}, fullDocument: {_id: 1, fresh: true}}"));
        apply(event("{operationType: 'replace', documentKey: {_id: 2}, fullDocument: {_id: 2, fresh: true}}"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, fresh: true}"));
        assertThat(stored(2)).isEqualTo(doc("{_id: 2, fresh: true}"));
    }

    @Test
    void anInsertOfADocumentThatExistsReplacesItSoReRunsAreSafe() {
        people.insertOne(doc("{_id: 1, later: true}"));

        apply(event("{operationType: 'insert', documentKey: {_id: 1}, fullDocument: {_id: 1, first: true}}"));

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, first: true}"));
    }

    @Test
    void aDeleteRemovesByTheWholeDocumentKeyIncludingTheShardKey() {
        people.insertMany(java.util.List.of(doc("{_id: 1, region: 'eu'}"), doc("{_id: 2, region: 'us'}")));

        apply(event("{operationType: 'delete', documentKey: {region: 'eu', _id: 1}}"));
        apply(event("{operationType: 'delete', documentKey: {region: 'eu', _id: 2}}"));

        assertThat(people.find(Filters.eq("_id", 1)).first()).isNull();
        assertThat(stored(2)).isEqualTo(doc("{_id: 2, region: 'us'}"));
    }

    @Test
    void aChangeToAFieldWhoseNameHoldsADotIsRejectedRatherThanWrittenToTheWrongField() {
        BsonDocument event = update(1, "{'a.b': 1}", "[]", "[]");
        event.getDocument("updateDescription").put("disambiguatedPaths", doc("{'a.b': ['a.b']}"));

        assertThat(WritePlanner.plan(ChangeEvent.of(raw(event)))).isInstanceOf(WritePlan.Reject.class);
    }

    @Test
    void disambiguatedPathsOfNumericFieldNamesAreStillAppliedByPath() {
        people.insertOne(doc("{_id: 1, a: {'3': 'x'}}"));
        BsonDocument event = update(1, "{'a.3': 'y'}", "[]", "[]");
        event.getDocument("updateDescription").put("disambiguatedPaths", doc("{'a.3': ['a', '3']}"));

        apply(event);

        assertThat(stored(1)).isEqualTo(doc("{_id: 1, a: {'3': 'y'}}"));
    }

    @Test
    void anInsertWithoutFullDocumentIsRejected() {
        assertThat(WritePlanner.plan(ChangeEvent.of(raw(event("{operationType: 'insert', documentKey: {_id: 1}}")))))
                .isInstanceOf(WritePlan.Reject.class);
    }

    @Test
    void collectionLevelEventsArePlannedAsDdlAndOtherTypesChangeNoDocument() {
        assertThat(plan("{operationType: 'drop'}")).isEqualTo(new WritePlan.Ddl(Operation.DROP, Optional.empty()));
        assertThat(plan("{operationType: 'rename', to: {db: 'shop', coll: 'people_v2'}}"))
                .isEqualTo(new WritePlan.Ddl(Operation.RENAME, Optional.of("people_v2")));
        assertThat(plan("{operationType: 'dropDatabase'}")).isInstanceOf(WritePlan.Ddl.class);
        assertThat(plan("{operationType: 'invalidate'}")).isInstanceOf(WritePlan.Ddl.class);
        assertThat(plan("{operationType: 'createIndexes'}")).isInstanceOf(WritePlan.Skip.class);
    }

    private WritePlan plan(String json) {
        return WritePlanner.plan(ChangeEvent.of(raw(event(json))));
    }

    private void apply(BsonDocument event) {
        WritePlan plan = WritePlanner.plan(ChangeEvent.of(raw(event)));
        assertThat(plan).isInstanceOf(WritePlan.Writes.class);
        ReplayTarget.BulkOutcome outcome = target.write("people", ((WritePlan.Writes) plan).models());
        assertThat(outcome.failures()).isEmpty();
    }

    private BsonDocument stored(int id) {
        return people.find(Filters.eq("_id", id)).first();
    }

    /** An update event as MongoDB 4.2+ sends it for a change stream on shop.people. */
    static BsonDocument update(int id, String updatedFields, String removedFields, String truncatedArrays) {
        return event("{operationType: 'update', documentKey: {_id: " + id + "}, updateDescription: {updatedFields: "
                + updatedFields + ", removedFields: " + removedFields + ", truncatedArrays: " + truncatedArrays + "}}");
    }

    /** Completes an event with the fields every real event has: resume token, clusterTime, wallTime, ns. */
    static BsonDocument event(String json) {
        BsonDocument body = doc(json);
        BsonDocument event = doc("{_id: {_data: '8265A1B2C3000000012B022C0100296E5A10046E1B7C0D'}, "
                + "clusterTime: {$timestamp: {t: 1705000000, i: 1}}, wallTime: {$date: '2024-01-11T19:06:40Z'}, "
                + "ns: {db: 'shop', coll: 'people'}}");
        event.putAll(body);
        event.put("_id", new BsonDocument("_data", new org.bson.BsonString("8265A1B2C3" + Integer.toHexString(
                body.hashCode()))));
        event.putIfAbsent("documentKey", new BsonDocument("_id", new BsonInt32(0)));
        return event;
    }

    static RawBsonDocument raw(BsonDocument doc) {
        return new RawBsonDocument(doc, new BsonDocumentCodec());
    }

    static BsonDocument doc(String json) {
        return BsonDocument.parse(json);
    }
}
