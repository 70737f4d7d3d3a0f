package io.changestream.archiver.ops.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PathSegmentsTest {
    @Test
    void percentEscapesDecodeAsUtf8AndPlusStaysAPlus() {
        assertThat(PathSegments.decode("orders")).hasValue("orders");
        assertThat(PathSegments.decode("a%2Fb+c")).hasValue("a/b+c");
        assertThat(PathSegments.decode("caf%C3%A9%20x")).hasValue("café x");
        assertThat(PathSegments.decode("")).hasValue("");
    }

    @Test
    void aPercentWithoutTwoHexDigitsIsMalformed() {
        assertThat(PathSegments.decode("a%2")).isEmpty();
        assertThat(PathSegments.decode("a%")).isEmpty();
        assertThat(PathSegments.decode("a%zz")).isEmpty();
    }
}
