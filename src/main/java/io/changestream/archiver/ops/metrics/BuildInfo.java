package io.changestream.archiver.ops.metrics;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Properties;

/**
 * The version and git revision baked into the jar at build time: Maven filters
 * {@code io/changestream/archiver/build-info.properties} with {@code project.version} and the revision the
 * git-commit-id plugin read (see pom.xml). A build without git leaves the placeholder, read here as
 * {@code unknown}; so does running from classes that were never filtered.
 *
 * @param version  the Maven project version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param revision the abbreviated git commit, or {@code unknown}
 */
public record BuildInfo(String version, String revision) {
    public static final String UNKNOWN = "unknown";
    private static final String RESOURCE = "/io/changestream/archiver/build-info.properties";

    public BuildInfo {
        version = known(version);
        revision = known(revision);
    }

    /** What this jar was built from. */
    public static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
        return new BuildInfo(p.getProperty("version"), p.getProperty("revision"));
    }

    private static String known(String value) {
        return value == null || value.isBlank() || value.contains("${") ? UNKNOWN : value.trim();
    }
}
