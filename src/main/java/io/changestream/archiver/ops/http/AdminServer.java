package io.changestream.archiver.ops.http;

import io.changestream.archiver.checkpoint.FlushTrigger;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.pipeline.Archiver;
import io.changestream.archiver.pipeline.SnapshotCoordinator;
import io.changestream.archiver.pipeline.FlushFailedException;
import io.changestream.archiver.pipeline.FlushResult;
import io.changestream.archiver.pipeline.Readiness;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.reactivestreams.Publisher;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServer;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;
import reactor.netty.resources.LoopResources;

/**
 * The admin and metrics endpoint on {@code HTTP_PORT} (docs/operations.md, "HTTP endpoints"): flush on demand, status, liveness,
 * readiness and Prometheus metrics, on reactor-netty with no web framework.
 *
 * <p>Invariants:
 * <ul>
 *   <li>The event loop never blocks. Flushes run on the archiver's flush scheduler, readiness (it pings the
 *       tracker), status (it reads the checkpoints of collections held elsewhere) and the metrics scrape on
 *       {@code boundedElastic}; only in-memory reads (liveness, routing) run on the loop.</li>
 *   <li>{@code POST /flush} answers 200 only once every listed event is durable and checkpointed; when a store
 *       stays unavailable it answers 503 and the events stay buffered. Requests coalesce per collection
 *       ({@link FlushCoalescer}); writes to one file never interleave (the pipeline's flush lock).</li>
 *   <li>With {@code ADMIN_TOKEN}, every POST is checked ({@link BearerAuth}) before anything else happens; GETs stay
 *       open for probes and scrapers.</li>
 *   <li>Every answer is JSON (metrics aside); errors are {@code {"error": "..."}} with masked text, never a stack
 *       trace. Unknown path 404, wrong method 405 with {@code Allow}; {@code HEAD} answers like {@code GET}
 *       without the body. A request target with a malformed percent escape gets a JSON 400 too: reactor-netty
 *       would refuse it itself, with an empty 400 and a multi-line WARN per request, so
 *       {@link MalformedTargetGuard} marks it before reactor-netty parses it.</li>
 * </ul>
 *
 * <p>The server runs on its own small event loop group, so closing it releases every thread it started.
 *
 * <p><b>Threads.</b> Requests arrive on that event loop ({@code admin-http}), which routes and answers from memory
 * only (invariants above); {@link #close} runs on the service's thread. {@code readinessCheck} (one readiness check
 * shared by concurrent probes) is guarded by this object's monitor; the {@link FlushCoalescer} guards its own
 * per-collection slots. The other fields are final.
 */
public final class AdminServer implements AutoCloseable {
    static final String JSON = "application/json";
    static final String PROMETHEUS_TEXT = "text/plain; version=0.0.4; charset=utf-8";
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
    /** Probes time out after a second or two; a tracker slower than this counts as not ready. */
    private static final Duration READINESS_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final String FLUSH_PREFIX = "/flush/";
    private static final String SNAPSHOT_PREFIX = "/snapshot/";
    /** Where {@link MalformedTargetGuard} sends a request whose target does not parse. */
    static final String MALFORMED_TARGET = "/.malformed-request-target";

    private final Archiver archiver;
    private final Supplier<String> scrape;
    private final Clock clock;
    private final String instance;
    private final BearerAuth auth;
    private final FlushCoalescer flushes;
    private final Watchdog watchdog;
    private final LoopResources loops;
    private final DisposableServer server;
    private CompletableFuture<Readiness> readinessCheck;

    private AdminServer(int port, Archiver archiver, Optional<Secret> adminToken, Supplier<String> scrape,
                        Clock clock, String instance, Watchdog watchdog) {
        this.archiver = archiver;
        this.scrape = scrape;
        this.clock = clock;
        this.instance = instance;
        this.auth = new BearerAuth(adminToken);
        this.flushes = new FlushCoalescer(c -> archiver.flush(c, FlushTrigger.MANUAL));
        this.watchdog = watchdog;
        this.loops = LoopResources.create("admin-http", 1, 2, true);
        try {
            this.server = HttpServer.create()
                    .runOn(loops)
                    .bindAddress(() -> new InetSocketAddress(port))
                    .idleTimeout(Duration.ofSeconds(60))
                    .doOnChannelInit((observer, channel, remote) -> {
                        if (channel.pipeline().get(NettyPipeline.HttpCodec) != null) {
                            channel.pipeline().addAfter(NettyPipeline.HttpCodec, "malformedTargetGuard",
                                    new MalformedTargetGuard());
                        }
                    })
                    .handle(this::handle)
                    .bindNow(Duration.ofSeconds(10));
        } catch (RuntimeException e) {
            loops.dispose();
            throw new IllegalStateException("cannot listen on HTTP_PORT " + port + ": " + e.getMessage(), e);
        }
    }

    /**
     * Binds {@code port} (0: a free one, see {@link #port()}) and serves until closed.
     *
     * @param scrape renders the Prometheus text exposition
     */
    public static AdminServer start(int port, Archiver archiver, Optional<Secret> adminToken, Supplier<String> scrape,
                                    Clock clock, String instance) {
        Watchdog watchdog = Watchdog.start(Watchdog.DEFAULT_STALL_AFTER);
        try {
            AdminServer admin = new AdminServer(port, archiver, adminToken, scrape, clock, instance, watchdog);
            log.info("admin endpoint listening on port {}; POST endpoints {}", admin.port(),
                    admin.auth.required() ? "require the ADMIN_TOKEN bearer token"
                            : "are open (ADMIN_TOKEN is not set)");
            return admin;
        } catch (RuntimeException e) {
            watchdog.close();
            throw e;
        }
    }

    /** The bound port. */
    public int port() {
        return server.port();
    }

    @Override
    public void close() {
        try {
            server.disposeNow(CLOSE_TIMEOUT);
        } catch (RuntimeException e) {
            log.warn("admin endpoint did not close within {} s: {}", CLOSE_TIMEOUT.toSeconds(), e.getMessage());
        } finally {
            watchdog.close();
            // No quiet period: the server is closed, nothing more can arrive on these loops.
            loops.disposeLater(Duration.ZERO, CLOSE_TIMEOUT).block(CLOSE_TIMEOUT);
        }
    }

    // --- routing ------------------------------------------------------------------------------------------------

    /** What to send back. */
    record Answer(int status, String contentType, String body, Map<String, String> headers) {
        static Answer json(int status, String body) {
            return new Answer(status, JSON, body, Map.of());
        }

        static Answer error(int status, String message) {
            return json(status, JsonBodies.error(message));
        }

        Answer with(String header, String value) {
            return new Answer(status, contentType, body, Map.of(header, value));
        }
    }

    private Publisher<Void> handle(HttpServerRequest request, HttpServerResponse response) {
        Mono<Answer> answer;
        try {
            answer = route(request.method().name(), request.uri(),
                    request.requestHeaders().get(HttpHeaderNames.AUTHORIZATION));
        } catch (RuntimeException e) {
            answer = Mono.error(e);
        }
        boolean head = request.method().name().equals("HEAD");
        return answer
                .onErrorResume(e -> {
                    log.warn("admin request {} {} failed: {}", request.method().name(), Secret.maskUri(request.uri()),
                            Secret.maskUri(e.toString()));
                    return Mono.just(Answer.error(500, "internal error: " + e.getClass().getSimpleName()));
                })
                .flatMap(a -> send(response, a, head));
    }

    /** Dispatches one request; never blocks. */
    Mono<Answer> route(String method, String uri, String authorization) {
        String path = rawPath(uri);
        if (path.equals(MALFORMED_TARGET)) {
            return Mono.just(Answer.error(400, "malformed percent-encoding in the request path"));
        }
        if (path.equals("/flush") || path.startsWith(FLUSH_PREFIX)) {
            if (!method.equals("POST")) {
                return Mono.just(Answer.error(405, "method " + method + " not allowed; use POST")
                        .with("Allow", "POST"));
            }
            if (!auth.permits(authorization)) {
                return Mono.just(Answer.error(401, "a valid bearer token is required (ADMIN_TOKEN)")
                        .with("WWW-Authenticate", "Bearer realm=\"changestream-archiver\""));
            }
            if (path.equals("/flush")) {
                return flush(List.copyOf(archiver.collections()));
            }
            Optional<String> collection = PathSegments.decode(path.substring(FLUSH_PREFIX.length()));
            if (collection.isEmpty()) {
                return Mono.just(Answer.error(400, "malformed percent-encoding in the collection name"));
            }
            if (!archiver.collections().contains(collection.get())) {
                return Mono.just(Answer.error(404, "collection " + collection.get() + " is not watched"));
            }
            return flush(List.of(collection.get()));
        }
        if (path.equals("/snapshot") || path.startsWith(SNAPSHOT_PREFIX)) {
            return snapshotRoute(method, path, authorization);
        }
        Supplier<Mono<Answer>> get = switch (path) {
            // status reads the tracker for collections held elsewhere: off the event loop.
            case "/status" -> () -> Mono.fromCallable(() -> Answer.json(200, SnapshotStatusJson.withSnapshots(
                    JsonBodies.status(instance, clock.instant(), archiver.status()), archiver.snapshots())))
                    .subscribeOn(Schedulers.boundedElastic());
            case "/healthz/live" -> this::live;
            case "/healthz/ready" -> this::ready;
            case "/metrics" -> () -> Mono.fromCallable(() -> new Answer(200, PROMETHEUS_TEXT, scrape.get(), Map.of()))
                    .subscribeOn(Schedulers.boundedElastic());
            default -> null;
        };
        if (get == null) {
            return Mono.just(Answer.error(404, "no such endpoint: " + path));
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return Mono.just(Answer.error(405, "method " + method + " not allowed; use GET")
                    .with("Allow", "GET, HEAD"));
        }
        return get.get();
    }

    /** {@code POST /snapshot[/{collection}]}: 202 with the started snapshots, 409 when none could start. */
    private Mono<Answer> snapshotRoute(String method, String path, String authorization) {
        if (!method.equals("POST")) {
            return Mono.just(Answer.error(405, "method " + method + " not allowed; use POST").with("Allow", "POST"));
        }
        if (!auth.permits(authorization)) {
            return Mono.just(Answer.error(401, "a valid bearer token is required (ADMIN_TOKEN)")
                    .with("WWW-Authenticate", "Bearer realm=\"changestream-archiver\""));
        }
        List<String> collections;
        if (path.equals("/snapshot")) {
            collections = List.copyOf(archiver.collections());
        } else {
            Optional<String> collection = PathSegments.decode(path.substring(SNAPSHOT_PREFIX.length()));
            if (collection.isEmpty()) {
                return Mono.just(Answer.error(400, "malformed percent-encoding in the collection name"));
            }
            if (!archiver.collections().contains(collection.get())) {
                return Mono.just(Answer.error(404, "collection " + collection.get() + " is not watched"));
            }
            collections = List.of(collection.get());
        }
        // Starting reads the cluster time and writes the tracker: off the event loop.
        return Mono.fromCallable(() -> {
            org.bson.BsonArray started = new org.bson.BsonArray();
            List<String> refused = new ArrayList<>();
            for (String c : collections) {
                try {
                    started.add(new org.bson.BsonDocument("collection", new org.bson.BsonString(c))
                            .append("snapshot", new org.bson.BsonString(archiver.snapshot(c))));
                } catch (SnapshotCoordinator.AlreadyRunning e) {
                    refused.add(e.getMessage());
                }
            }
            if (started.isEmpty()) {
                return Answer.error(409, String.join("; ", refused));
            }
            return Answer.json(202, new org.bson.BsonDocument("started", started).toJson());
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private Mono<Answer> live() {
        Optional<Duration> stalled = watchdog.stalledFor();
        return Mono.just(Answer.json(stalled.isEmpty() ? 200 : 503, JsonBodies.live(stalled)));
    }

    /**
     * Readiness pings the tracker, which can take a server-selection timeout when it is down: the check runs off
     * the loop, one at a time (probes arriving meanwhile share it), and a probe waits at most
     * {@link #READINESS_TIMEOUT} for it.
     */
    private Mono<Answer> ready() {
        return Mono.fromFuture(readinessCheck(), true)
                .timeout(READINESS_TIMEOUT)
                .onErrorResume(e -> Mono.just(new Readiness(false, List.of(e instanceof TimeoutException
                        ? "readiness check did not finish within " + READINESS_TIMEOUT.toSeconds()
                                + " s (tracker slow or unreachable)"
                        : "readiness check failed: " + e))))
                .map(r -> Answer.json(r.ready() ? 200 : 503, JsonBodies.readiness(r)));
    }

    private synchronized CompletableFuture<Readiness> readinessCheck() {
        if (readinessCheck == null || readinessCheck.isDone()) {
            readinessCheck = Mono.fromCallable(archiver::readiness).subscribeOn(Schedulers.boundedElastic()).toFuture();
        }
        return readinessCheck;
    }

    /** Flushes each collection (coalesced), waits for all of them, and answers 200 only if all succeeded. */
    private Mono<Answer> flush(List<String> collections) {
        List<CompletableFuture<FlushResult>> pending = collections.stream().map(flushes::request).toList();
        CompletableFuture<Void> all = CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
                .handle((ok, error) -> null);
        return Mono.fromFuture(all, true).then(Mono.fromSupplier(() -> {
            List<FlushResult> flushed = new ArrayList<>();
            List<JsonBodies.Failure> failed = new ArrayList<>();
            for (int i = 0; i < collections.size(); i++) {
                try {
                    flushed.add(pending.get(i).join());
                } catch (CompletionException e) {
                    failed.add(failure(collections.get(i), e.getCause()));
                }
            }
            return failed.isEmpty() ? Answer.json(200, JsonBodies.flushed(flushed, List.of()))
                    : Answer.json(503, JsonBodies.flushed(flushed, failed));
        }));
    }

    private static JsonBodies.Failure failure(String collection, Throwable error) {
        if (error instanceof FlushFailedException f) {
            return new JsonBodies.Failure(collection, f.getMessage(), f.conflict());
        }
        if (error instanceof RejectedExecutionException) {
            return new JsonBodies.Failure(collection, "the service is shutting down", false);
        }
        log.warn("flush of {} failed unexpectedly: {}", collection, error.toString());
        return new JsonBodies.Failure(collection, "flush of " + collection + " failed: "
                + error.getClass().getSimpleName(), false);
    }

    /** Sends the answer; to a HEAD request, its headers (with the GET body's length) and no body. */
    private static Mono<Void> send(HttpServerResponse response, Answer answer, boolean head) {
        byte[] body = answer.body().getBytes(StandardCharsets.UTF_8);
        response.status(HttpResponseStatus.valueOf(answer.status()))
                .header(HttpHeaderNames.CONTENT_TYPE, answer.contentType())
                .header(HttpHeaderNames.CACHE_CONTROL, "no-store")
                .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(body.length));
        answer.headers().forEach(response::header);
        return head ? response.send().then() : response.sendByteArray(Mono.just(body)).then();
    }

    /**
     * Runs right after the HTTP codec, before reactor-netty builds its request object (which parses the target
     * with {@link URI} and, when that fails, answers an empty 400 and logs the request over several lines): a
     * target whose path does not parse is replaced by {@link #MALFORMED_TARGET}, which the router answers with a
     * JSON 400. One instance per connection.
     */
    static final class MalformedTargetGuard extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request && !parses(request.uri())) {
                log.debug("malformed request target from {} answered 400", ctx.channel().remoteAddress());
                request.setUri(MALFORMED_TARGET);
            }
            ctx.fireChannelRead(msg);
        }

        /** The check reactor-netty makes of the path (query and fragment aside). */
        static boolean parses(String uri) {
            String path = rawPath(uri);
            try {
                new URI(path.startsWith("/") ? "http://localhost" + path : "http://" + path);
                return true;
            } catch (URISyntaxException e) {
                return false;
            }
        }
    }

    /** The path of a request target, still percent-encoded, without query or fragment. */
    private static String rawPath(String uri) {
        int end = uri.length();
        for (char c : new char[] {'?', '#'}) {
            int at = uri.indexOf(c);
            if (at >= 0 && at < end) {
                end = at;
            }
        }
        return uri.substring(0, end);
    }
}
