package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoQueryException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.ServerAddress;
import org.bson.BsonArray;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ServerErrorsTest {

    @ParameterizedTest
    @CsvSource({"286, HISTORY_LOST", "280, HISTORY_LOST", "260, HISTORY_LOST", "13, ACCESS", "18, ACCESS",
            "11600, TRANSIENT", "91, TRANSIENT", "-1, TRANSIENT"})
    void serverErrorsAreClassifiedByCodeNeverByMessage(int code, ServerErrors.Kind kind) {
        MongoCommandException e = new MongoCommandException(new BsonDocument("ok", new BsonInt32(0))
                .append("code", new BsonInt32(code))
                .append("errmsg", new BsonString("resume point may no longer be in the oplog")), new ServerAddress());
        assertThat(ServerErrors.classify(e)).isEqualTo(kind);
        assertThat(ServerErrors.classify(new RuntimeException("wrapped", e))).isEqualTo(kind);
    }

    @ParameterizedTest
    @CsvSource({"history lost"})
    void networkFailuresAreTransientWhateverTheirMessageSays(String message) {
        MongoSocketReadException e = new MongoSocketReadException(message, new ServerAddress());
        assertThat(ServerErrors.classify(e)).isEqualTo(ServerErrors.Kind.TRANSIENT);
        assertThat(ServerErrors.reason(e)).isEqualTo("MongoSocketReadException");
    }

    @ParameterizedTest
    @CsvSource({"command", "query"})
    void anEventOver16MegabytesIsItsOwnKindNotATransientFailure(String exceptionType) {
        BsonDocument response = serverError(ServerErrors.BSON_OBJECT_TOO_LARGE, "BSONObj size: 17000000 is invalid");
        Exception e = exceptionType.equals("command") ? new MongoCommandException(response, new ServerAddress())
                : new MongoQueryException(response, new ServerAddress());
        assertThat(ServerErrors.classify(e)).isEqualTo(ServerErrors.Kind.EVENT_TOO_LARGE);
        assertThat(ServerErrors.classify(new RuntimeException("wrapped", e))).isEqualTo(ServerErrors.Kind.EVENT_TOO_LARGE);
    }

    @ParameterizedTest
    @CsvSource({"286", "280", "260", "10334", "13", "91"})
    void aFailureLabelledResumableByTheServerIsTransientWhateverItsCode(int code) {
        BsonDocument response = serverError(code, "whatever the text says")
                .append("errorLabels", new BsonArray(java.util.List.of(
                        new BsonString(ServerErrors.RESUMABLE_CHANGE_STREAM_ERROR))));
        MongoCommandException e = new MongoCommandException(response, new ServerAddress());
        assertThat(ServerErrors.resumable(e)).isTrue();
        assertThat(ServerErrors.classify(e)).isEqualTo(ServerErrors.Kind.TRANSIENT);
        assertThat(ServerErrors.classify(new RuntimeException("wrapped", e))).isEqualTo(ServerErrors.Kind.TRANSIENT);
    }

    @ParameterizedTest
    @CsvSource({"286, HISTORY_LOST", "10334, EVENT_TOO_LARGE", "91, TRANSIENT"})
    void anotherLabelDoesNotMakeAFailureResumable(int code, ServerErrors.Kind kind) {
        BsonDocument response = serverError(code, "shutting down")
                .append("errorLabels", new BsonArray(java.util.List.of(new BsonString("NonResumableChangeStreamError"))));
        MongoCommandException e = new MongoCommandException(response, new ServerAddress());
        assertThat(ServerErrors.resumable(e)).isFalse();
        assertThat(ServerErrors.classify(e)).isEqualTo(kind);
    }

    private static BsonDocument serverError(int code, String message) {
        return new BsonDocument("ok", new BsonInt32(0)).append("code", new BsonInt32(code))
                .append("errmsg", new BsonString(message));
    }
}
