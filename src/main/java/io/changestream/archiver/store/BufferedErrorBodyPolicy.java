package io.changestream.archiver.store;

import com.azure.core.http.HttpPipelineCallContext;
import com.azure.core.http.HttpPipelineNextPolicy;
import com.azure.core.http.HttpPipelineNextSyncPolicy;
import com.azure.core.http.HttpPipelinePosition;
import com.azure.core.http.HttpResponse;
import com.azure.core.http.policy.HttpPipelinePolicy;
import reactor.core.publisher.Mono;

/**
 * Buffers the body of every error answer, so it can be read more than once.
 *
 * <p>Why: a download's answer is streamed, and with the JDK HTTP client its body can be subscribed only once. When
 * a download is answered 503, the storage retry policy reads that body again to drain it and fails with "This
 * publisher has already one subscriber" instead of retrying, so every read (and the read-back that settles an
 * ambiguous commit) died on the first transient error. Error bodies are a few hundred bytes; buffering them costs
 * nothing. Runs once per try, next to the HTTP client.
 */
final class BufferedErrorBodyPolicy implements HttpPipelinePolicy {
    private static final int FIRST_ERROR_STATUS = 400;

    @Override
    public Mono<HttpResponse> process(HttpPipelineCallContext context, HttpPipelineNextPolicy next) {
        return next.process().map(BufferedErrorBodyPolicy::bufferErrors);
    }

    @Override
    public HttpResponse processSync(HttpPipelineCallContext context, HttpPipelineNextSyncPolicy next) {
        return bufferErrors(next.processSync());
    }

    @Override
    public HttpPipelinePosition getPipelinePosition() {
        return HttpPipelinePosition.PER_RETRY;
    }

    private static HttpResponse bufferErrors(HttpResponse response) {
        return response.getStatusCode() >= FIRST_ERROR_STATUS ? response.buffer() : response;
    }
}
