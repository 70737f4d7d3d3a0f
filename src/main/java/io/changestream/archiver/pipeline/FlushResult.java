package io.changestream.archiver.pipeline;

import java.util.List;

/**
 * What one flush of one collection made durable and checkpointed.
 *
 * @param collection the collection
 * @param events     events archived by this flush (0 when the buffer was empty)
 * @param files      archive paths appended to, in order
 */
public record FlushResult(String collection, int events, List<String> files) {
    public FlushResult {
        files = List.copyOf(files);
    }

    static FlushResult empty(String collection) {
        return new FlushResult(collection, 0, List.of());
    }
}
