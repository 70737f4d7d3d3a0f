package io.changestream.archiver.pipeline;

import java.util.List;

/** Whether the service is ready (every watcher subscribed, tracker reachable) and, when not, every reason why. */
public record Readiness(boolean ready, List<String> reasons) {
    public Readiness {
        reasons = List.copyOf(reasons);
    }
}
