package io.changestream.archiver.capture;

import static org.assertj.core.api.Assertions.assertThat;

import com.mongodb.client.model.changestream.FullDocument;
import com.mongodb.client.model.changestream.FullDocumentBeforeChange;
import io.changestream.archiver.config.ArchiverConfig;
import org.junit.jupiter.api.Test;

/**
 * The watcher receives MONGODB_FULL_DOCUMENT and MONGODB_FULL_DOCUMENT_BEFORE_CHANGE as the configuration's
 * constants, parsed once at load, and opens its streams with the driver's option of the same name; the server's
 * defaults ({@code default}, {@code off}) become the driver's DEFAULT, which is not sent, so servers that predate an
 * option accept the stream.
 */
class ChangeStreamOptionsTest {

    @Test
    void everyFullDocumentSettingOpensTheStreamWithTheDriversOptionOfTheSameName() {
        for (ArchiverConfig.FullDocument setting : ArchiverConfig.FullDocument.values()) {
            FullDocument option = ChangeStreamWatcher.driverOption(setting);
            if (setting == ArchiverConfig.FullDocument.DEFAULT) {
                assertThat(option).isEqualTo(FullDocument.DEFAULT);
            } else {
                assertThat(option.getValue()).as(setting.name()).isEqualTo(setting.text());
            }
        }
    }

    @Test
    void everyFullDocumentBeforeChangeSettingOpensTheStreamWithTheDriversOptionAndOffIsNotSent() {
        for (ArchiverConfig.FullDocumentBeforeChange setting : ArchiverConfig.FullDocumentBeforeChange.values()) {
            FullDocumentBeforeChange option = ChangeStreamWatcher.driverOption(setting);
            if (setting == ArchiverConfig.FullDocumentBeforeChange.OFF) {
                assertThat(option).isEqualTo(FullDocumentBeforeChange.DEFAULT);
            } else {
                assertThat(option.getValue()).as(setting.name()).isEqualTo(setting.text());
            }
        }
    }
}
