package io.changestream.archiver.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Issue 15 (CLI): what an operator reads when a setting is missing or written in another case. */
class OperatorConfigMessagesTest {
    private static Map<String, String> minimal() {
        Map<String, String> env = new HashMap<>();
        env.put("MONGODB_URI", "mongodb://db-0.example:27017/?replicaSet=rs0");
        env.put("MONGODB_DATABASE", "shop");
        env.put("MONGODB_COLLECTIONS", "orders");
        return env;
    }

    @Test
    void logLevelIsAcceptedInAnyCase() {
        for (String level : new String[] {"INFO", "Debug", "warn", "ERROR", "Trace"}) {
            Map<String, String> env = minimal();
            env.put("LOG_LEVEL", level);
            assertThat(ConfigLoader.load(env).ops().logLevel().text()).as(level).isEqualTo(level.toLowerCase());
        }
    }

    @Test
    void anUnknownLogLevelIsStillRefused() {
        Map<String, String> env = minimal();
        env.put("LOG_LEVEL", "verbose");
        assertThatThrownBy(() -> ConfigLoader.load(env)).hasMessageContaining("LOG_LEVEL=verbose");
    }

    @Test
    void aMissingVariableSaysRequiredOnce() {
        Map<String, String> env = minimal();
        env.remove("MONGODB_DATABASE");
        assertThatThrownBy(() -> ConfigLoader.load(env)).isInstanceOfSatisfying(ConfigException.class, e -> {
            assertThat(e.getMessage()).contains("MONGODB_DATABASE").contains("Database to watch");
            assertThat(e.getMessage().toLowerCase().split("required", -1)).hasSize(2);
        });
    }
}
