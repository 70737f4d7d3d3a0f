package io.changestream.archiver.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import io.changestream.archiver.config.Setting;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.yaml.snakeyaml.Yaml;

/**
 * The image definition. There is no Docker engine where this suite runs, so the Dockerfile is parsed and its
 * properties asserted; the health-check command, which must work with nothing but the base image's shell
 * tools, is run for real against a local HTTP server.
 */
class DockerfileTest {

    private static List<Instruction> instructions;

    /** One Dockerfile instruction with continuation lines joined, and the build stage it belongs to. */
    private record Instruction(int stage, String keyword, String arguments) {
    }

    @BeforeAll
    static void parse() throws IOException {
        instructions = new ArrayList<>();
        StringBuilder pending = new StringBuilder();
        int stage = -1;
        for (String raw : Files.readAllLines(Path.of("Dockerfile"))) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue; // Docker drops comment lines, also inside a continued instruction
            }
            if (line.endsWith("\\")) {
                pending.append(line, 0, line.length() - 1).append(' ');
                continue;
            }
            pending.append(line);
            String text = pending.toString();
            pending.setLength(0);
            String[] parts = text.split("\\s+", 2);
            String keyword = parts[0].toUpperCase();
            if (keyword.equals("FROM")) {
                stage++;
            }
            instructions.add(new Instruction(stage, keyword, parts.length > 1 ? parts[1].strip() : ""));
        }
    }

    @Test
    void buildsWithMavenInOneStageAndRunsOnAJreInTheNext() {
        List<String> froms = arguments("FROM", -1);
        assertThat(froms).containsExactly("maven:3.9-eclipse-temurin-17 AS build", "eclipse-temurin:17-jre");
        assertThat(arguments("RUN", 0)).anySatisfy(run -> assertThat(run).contains("mvn -B -DskipTests package"));
        assertThat(arguments("COPY", 1)).contains(
                "--from=build /build/target/changestream-archiver.jar /app/changestream-archiver.jar");
    }

    @Test
    void runsAsTheNumericNonRootUserTheChartExpects() throws IOException {
        List<String> users = arguments("USER", 1);
        assertThat(users).hasSize(1);
        Matcher user = Pattern.compile("(\\d+)(?::(\\d+))?").matcher(users.get(0));
        assertThat(user.matches()).as("numeric USER, got %s", users.get(0)).isTrue();
        int uid = Integer.parseInt(user.group(1));
        assertThat(uid).isPositive();
        Map<String, Object> values = Tree.map(new Yaml().load(Files.readString(HelmChart.DIR.resolve("values.yaml"))));
        assertThat(Tree.at(values, "podSecurityContext.runAsUser")).isEqualTo(uid);
        assertThat(Tree.at(values, "containerSecurityContext.runAsUser")).isEqualTo(uid);
    }

    @Test
    void theImageCarriesOciLabelsForSourceVersionAndRevisionFromBuildArgs() {
        List<String> args = arguments("ARG", 1);
        assertThat(args).anySatisfy(a -> assertThat(a).startsWith("VERSION"))
                .anySatisfy(a -> assertThat(a).startsWith("REVISION")).anySatisfy(a -> assertThat(a).startsWith("SOURCE"));
        String labels = String.join(" ", arguments("LABEL", 1));
        assertThat(labels).contains("org.opencontainers.image.source=\"${SOURCE}\"")
                .contains("org.opencontainers.image.version=\"${VERSION}\"")
                .contains("org.opencontainers.image.revision=\"${REVISION}\"");
        assertThat(arguments("ARG", 0)).anySatisfy(a -> assertThat(a).startsWith("REVISION"));
        assertThat(arguments("RUN", 0)).anySatisfy(run -> assertThat(run)
                .contains("-Dgit.commit.id.abbrev=${REVISION}").contains("-Dmaven.gitcommitid.skip=true"));
    }

    @Test
    void theDockerRunExampleDoesNotPointTheContainerAtItselfForMongodb() throws IOException {
        String header = Files.readAllLines(Path.of("Dockerfile")).stream().takeWhile(l -> l.startsWith("#"))
                .reduce("", (a, b) -> a + b + "\n");
        assertThat(header).contains("--env-file config/local.env");
        // config/local.env says mongodb://localhost: inside a container that is the container itself, so the
        // example overrides it with a host the container can reach.
        assertThat(header).contains("-e MONGODB_URI='mongodb://mongo:27017/?directConnection=true'")
                .contains("--network archiver").contains("host.docker.internal");
    }

    @Test
    void exposesTheDefaultHttpPort() {
        assertThat(arguments("EXPOSE", 1)).containsExactly(Setting.HTTP_PORT.defaultValue().orElseThrow());
    }

    @Test
    void entrypointIsExecFormJavaJarSoSigtermReachesTheJvm() {
        List<String> entrypoint = execForm(single("ENTRYPOINT", 1));
        assertThat(entrypoint.get(0)).isEqualTo("java");
        assertThat(entrypoint).contains("-XX:MaxRAMPercentage=75", "-Djava.io.tmpdir=/tmp");
        assertThat(entrypoint.subList(entrypoint.size() - 2, entrypoint.size()))
                .containsExactly("-jar", "/app/changestream-archiver.jar");
        assertThat(execForm(single("CMD", 1))).containsExactly("run");
    }

    @Test
    void healthCheckProbesLiveness() {
        String healthcheck = single("HEALTHCHECK", 1);
        assertThat(healthcheck).contains("--interval=").contains("--timeout=").contains("/healthz/live");
        assertThat(healthCheckCommand().get(0)).isEqualTo("bash");
    }

    @ParameterizedTest(name = "answer {0} -> exit 0: {1}")
    @CsvSource({"200, true", "503, false", "404, false"})
    void healthCheckCommandSucceedsOnlyOnA200FromLiveness(int status, boolean healthy) throws Exception {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            int code = exchange.getRequestURI().getPath().equals("/healthz/live") ? status : 404;
            exchange.sendResponseHeaders(code, -1);
            exchange.close();
        });
        server.start();
        try {
            assertThat(runHealthCheck(server.getAddress().getPort()) == 0).isEqualTo(healthy);
        } finally {
            server.stop(0);
        }
    }

    @Test
    void healthCheckCommandFailsWhenNothingListens() throws Exception {
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = socket.getLocalPort();
        }
        assertThat(runHealthCheck(port)).isNotZero();
    }

    @ParameterizedTest(name = "{0} in build context: {1}")
    @CsvSource({
            "pom.xml, true",
            "src/main/java/io/changestream/archiver/app/Main.java, true",
            "src/main/resources/logback.xml, true",
            "src/test/java/io/changestream/archiver/deploy/DockerfileTest.java, false",
            "target/changestream-archiver.jar, false",
            ".git/HEAD, false",
            "helm/changestream-archiver/values.yaml, false",
            "archive/orders/2026-01-01-00.json, false"})
    void dockerignoreSendsOnlyWhatTheBuildStageNeeds(String path, boolean sent) throws IOException {
        boolean excluded = false;
        for (String rawPattern : Files.readAllLines(Path.of(".dockerignore"))) {
            String pattern = rawPattern.strip();
            if (pattern.isEmpty() || pattern.startsWith("#")) {
                continue;
            }
            boolean negated = pattern.startsWith("!");
            String glob = (negated ? pattern.substring(1) : pattern).replaceAll("/+$", "");
            // Docker's rule: the last matching pattern wins, and a pattern matching a folder matches what it holds.
            if (matchesItselfOrAParent(glob, path)) {
                excluded = !negated;
            }
        }
        assertThat(!excluded).isEqualTo(sent);
    }

    private static boolean matchesItselfOrAParent(String glob, String path) {
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
        for (Path p = Path.of(path); p != null; p = p.getParent()) {
            if (matcher.matches(p)) {
                return true;
            }
        }
        return false;
    }

    private static int runHealthCheck(int port) throws Exception {
        ProcessBuilder builder = new ProcessBuilder(healthCheckCommand()).redirectErrorStream(true);
        builder.environment().put("HTTP_PORT", Integer.toString(port));
        Process process = builder.start();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("health check did not finish in 20 s");
        }
        return process.exitValue();
    }

    /** The exec-form command after HEALTHCHECK's options. */
    private static List<String> healthCheckCommand() {
        String healthcheck = single("HEALTHCHECK", 1);
        int cmd = healthcheck.indexOf("CMD ");
        assertThat(cmd).as("HEALTHCHECK ... CMD [...]").isPositive();
        return execForm(healthcheck.substring(cmd + 4));
    }

    /** Parses a JSON array (exec form); JSON is YAML, so snakeyaml reads it. */
    @SuppressWarnings("unchecked")
    private static List<String> execForm(String json) {
        assertThat(json.strip()).as("exec form").startsWith("[").endsWith("]");
        return (List<String>) new Yaml().load(json);
    }

    private static List<String> arguments(String keyword, int stage) {
        return instructions.stream()
                .filter(i -> i.keyword().equals(keyword) && (stage < 0 || i.stage() == stage))
                .map(Instruction::arguments)
                .toList();
    }

    private static String single(String keyword, int stage) {
        List<String> found = arguments(keyword, stage);
        assertThat(found).as("%s in stage %d", keyword, stage).hasSize(1);
        return found.get(0);
    }
}
