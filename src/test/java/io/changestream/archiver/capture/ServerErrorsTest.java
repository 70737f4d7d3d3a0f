package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoSocketReadException;
import com.mongodb.ServerAddress;
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
}
