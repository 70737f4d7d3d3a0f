package io.changestream.archiver.app;

import io.changestream.archiver.capture.ChangeStreamWatcher.HistoryLostException;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.ConfigException;
import io.changestream.archiver.config.ConfigLoader;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.ops.logging.LogSetup;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.PrintWriter;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import sun.misc.Signal;

/**
 * {@code run}: the service. Runs until SIGTERM or SIGINT (then stops capture, flushes, checkpoints and exits 0), or
 * until capture cannot go on (history lost under {@code HISTORY_LOST_POLICY=fail}: flushes what it has, exits 3).
 *
 * <p>Order: configuration (problems go to stderr, exit 2), then logging as configured, then the {@link Service}
 * with its admin endpoint on {@code HTTP_PORT}, whose {@code /metrics} renders the Prometheus registry made here.
 */
@Command(name = "run", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
        description = "Capture, buffer, flush and checkpoint, with the HTTP admin endpoint.")
final class RunCommand implements Callable<Integer> {
    private static final Logger log = LoggerFactory.getLogger(RunCommand.class);

    private final Map<String, String> env;

    @Spec
    CommandSpec spec;

    RunCommand(Map<String, String> env) {
        this.env = env;
    }

    @Override
    public Integer call() {
        ArchiverConfig config;
        try {
            config = ConfigLoader.load(env);
        } catch (ConfigException e) {
            PrintWriter err = spec.commandLine().getErr();
            err.println(e.getMessage());
            err.flush();
            return Main.USAGE;
        }
        // First, so every line after the configuration is in the configured format, level and masking.
        LogSetup.apply(config);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        CompletableFuture<String> stop = new CompletableFuture<>();
        Signal.handle(new Signal("TERM"), s -> stop.complete("SIGTERM"));
        Signal.handle(new Signal("INT"), s -> stop.complete("SIGINT"));
        try (Service service = Service.start(config, registry, Clock.systemUTC())) {
            service.archiver.fatalError().subscribe(e -> stop.complete("fatal"));
            String why = stop.get();
            log.info("stopping ({}): flushing buffers within {} s", why, config.ops().shutdownTimeout().toSeconds());
            if ("fatal".equals(why)) {
                HistoryLostException e = service.archiver.fatalError().block();
                System.err.println(e == null ? "capture failed" : Secret.maskUri(e.getMessage()));
                return Main.RUNTIME_FAILURE;
            }
            return Main.OK;
        } catch (ConfigException e) {
            System.err.println(e.getMessage()); // HTTP_PORT taken: found only when binding it
            return Main.USAGE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Main.RUNTIME_FAILURE;
        } catch (ExecutionException | RuntimeException e) {
            log.error("the service failed: {}", e.toString());
            return Main.RUNTIME_FAILURE;
        }
    }
}
