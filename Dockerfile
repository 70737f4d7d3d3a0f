# syntax=docker/dockerfile:1
#
# changestream-archiver image: a Maven build stage and a JRE runtime stage.
#
#   docker build -t changestream-archiver \
#     --build-arg VERSION=0.1.0 --build-arg REVISION="$(git rev-parse --short=12 HEAD)" \
#     --build-arg SOURCE=https://git.example.com/team/changestream-archiver .
#
# The build args become the OCI labels org.opencontainers.image.{version,revision,source} and the jar's build info
# (archiver_build_info, -V); without them the revision reads "unknown" (the build context has no .git).
#
# Running it against MongoDB in another container: config/local.env says mongodb://localhost, which inside a
# container is the container itself, so give MONGODB_URI a host the container can reach (-e overrides the file).
# On a user-defined network, with the replica set member named as the archiver reaches it:
#   docker network create archiver
#   docker run -d --name mongo --network archiver mongo:8.0 --replSet rs0 --bind_ip_all
#   docker exec mongo mongosh --quiet --eval 'rs.initiate({_id: "rs0", members: [{_id: 0, host: "mongo:27017"}]})'
#   docker run --rm --network archiver --read-only --tmpfs /tmp:exec -v archive:/app/archive \
#     --env-file config/local.env -e MONGODB_URI='mongodb://mongo:27017/?directConnection=true' \
#     -p 8080:8080 changestream-archiver
# Or MongoDB on the host (port 27017 published): -e MONGODB_URI='mongodb://host.docker.internal:27017/?directConnection=true'
# and, on Linux, --add-host=host.docker.internal:host-gateway (mongod must listen on more than 127.0.0.1), or
# --network host, where localhost is the host's (Linux only).
#
# The runtime stage runs as the numeric non-root user 10001 and writes only to /tmp and, with the local store,
# to /app/archive. With a read-only root filesystem, mount both: /tmp as a tmpfs (exec, because Netty loads
# its native transport from there; without exec it falls back to NIO) or a Kubernetes emptyDir, and
# /app/archive as a volume. Extra JVM flags go in JAVA_TOOL_OPTIONS, which the JVM reads by itself, so the
# entrypoint stays in exec form.

FROM maven:3.9-eclipse-temurin-17 AS build
ARG REVISION=unknown
WORKDIR /build
# Dependencies are resolved into a BuildKit cache mount, first from the POM alone, so a change to the sources
# alone does not re-run that step.
COPY pom.xml ./
RUN --mount=type=cache,target=/root/.m2 mvn -B -q dependency:go-offline
COPY src ./src
# No .git in the context: the git-commit-id plugin is skipped and the revision comes from the build arg.
RUN --mount=type=cache,target=/root/.m2 mvn -B -DskipTests package \
    -Dmaven.gitcommitid.skip=true -Dgit.commit.id.abbrev=${REVISION}

FROM eclipse-temurin:17-jre
ARG VERSION=unknown
ARG REVISION=unknown
ARG SOURCE=""
LABEL org.opencontainers.image.title="changestream-archiver" \
      org.opencontainers.image.description="Archives MongoDB change streams to ADLS Gen2 or a local folder exactly once, and replays them" \
      org.opencontainers.image.source="${SOURCE}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# A fixed uid/gid with a passwd entry (the JVM looks its user up); USER below names it by number, because the
# kubelet can verify runAsNonRoot only for a numeric image user.
RUN groupadd --gid 10001 archiver \
 && useradd --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin archiver \
 && mkdir -p /app/archive \
 && chown 10001:10001 /app/archive
WORKDIR /app
COPY --from=build /build/target/changestream-archiver.jar /app/changestream-archiver.jar
USER 10001:10001
EXPOSE 8080
# curl and wget are in the Temurin 17 image for historical reasons only, and newer Temurin images no longer ship
# curl, so the probe uses nothing but bash (its /dev/tcp redirection), head and grep, which every Ubuntu base
# has. It sends one HTTP/1.0 request and succeeds on a 200 status line; Docker kills it after
# --timeout when the port hangs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/${HTTP_PORT:-8080} && printf 'GET /healthz/live HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
# Exec form: java is PID 1 and receives SIGTERM itself, so the final flush runs on `docker stop` and on pod
# termination. -XX:MaxRAMPercentage sizes the heap from the container's memory limit; the temp directory
# (Netty unpacks its native transport there) and JVM crash files go to the writable /tmp; an OutOfMemoryError
# ends the process so the orchestrator restarts it from the last checkpoint instead of leaving it half alive.
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-XX:+ExitOnOutOfMemoryError", "-Djava.io.tmpdir=/tmp", "-XX:ErrorFile=/tmp/hs_err_pid%p.log", "-jar", "/app/changestream-archiver.jar"]
CMD ["run"]
