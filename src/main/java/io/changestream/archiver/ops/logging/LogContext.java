package io.changestream.archiver.ops.logging;

import java.util.function.Supplier;
import org.slf4j.MDC;

/**
 * Puts the collection a piece of work is about into the logging context (SLF4J MDC), so every line logged
 * meanwhile, by the pipeline or by a library it calls, carries a {@code collection} field in JSON logs.
 *
 * <p>Used where per-collection work enters a thread (a flush, a start, a watcher's retry), not at each log call.
 * The previous value is restored afterwards, because Reactor reuses threads and scopes may nest.
 */
public final class LogContext {
    /** The MDC key, and so the JSON field name. */
    public static final String COLLECTION = "collection";

    private LogContext() {
    }

    public static <T> T call(String collection, Supplier<T> work) {
        String previous = MDC.get(COLLECTION);
        MDC.put(COLLECTION, collection);
        try {
            return work.get();
        } finally {
            if (previous == null) {
                MDC.remove(COLLECTION);
            } else {
                MDC.put(COLLECTION, previous);
            }
        }
    }

    public static void run(String collection, Runnable work) {
        call(collection, () -> {
            work.run();
            return null;
        });
    }
}
