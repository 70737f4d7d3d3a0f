package io.changestream.archiver.ops.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The version and revision Maven filters into build-info.properties, and "unknown" for what it could not fill. */
class BuildInfoTest {

    @Test
    void theBuiltResourceNamesThePomVersion() {
        BuildInfo current = BuildInfo.current();
        assertThat(current.version()).isNotEqualTo(BuildInfo.UNKNOWN).doesNotContain("${").matches("\\d+\\.\\d+.*");
        assertThat(current.revision()).doesNotContain("${");
    }

    @Test
    void aPlaceholderLeftByABuildWithoutGitReadsUnknown() {
        BuildInfo info = new BuildInfo("0.1.0", "${git.commit.id.abbrev}");
        assertThat(info.revision()).isEqualTo("unknown");
        assertThat(new BuildInfo(null, " ").version()).isEqualTo("unknown");
        assertThat(new BuildInfo("0.1.0", "abc123").revision()).isEqualTo("abc123");
    }
}
