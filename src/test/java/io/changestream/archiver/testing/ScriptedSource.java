package io.changestream.archiver.testing;

import com.mongodb.MongoNamespace;
import com.mongodb.reactivestreams.client.ChangeStreamPublisher;
import com.mongodb.reactivestreams.client.MongoCollection;
import com.mongodb.reactivestreams.client.MongoDatabase;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.reactivestreams.Publisher;
import org.reactivestreams.Subscriber;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A source database whose change streams follow a script: subscription {@code n} (0-based) of a collection's
 * stream gets {@code script.apply(n)}. For failures the in-process MongoDB-wire server cannot produce (it never
 * answers ChangeStreamHistoryLost, code 286). Records the options of every opened stream.
 */
public final class ScriptedSource {
    private final String database;
    private final IntFunction<Publisher<RawBsonDocument>> script;
    private final AtomicInteger subscriptions = new AtomicInteger();
    private final List<String> openedWith = new CopyOnWriteArrayList<>();

    public ScriptedSource(String database, IntFunction<Publisher<RawBsonDocument>> script) {
        this.database = database;
        this.script = script;
    }

    public int subscriptions() {
        return subscriptions.get();
    }

    /** For each opened stream, the resume option used: resumeAfter, startAfter, startAtOperationTime or none. */
    public List<String> openedWith() {
        return openedWith;
    }

    public MongoDatabase database() {
        return proxy(MongoDatabase.class, (method, args) -> switch (method) {
            case "getCollection" -> collection((String) args[0]);
            case "getName" -> database;
            case "runCommand" -> Mono.just(new Document("ok", 1));
            default -> throw new AssertionError("unexpected call MongoDatabase." + method);
        });
    }

    private MongoCollection<RawBsonDocument> collection(String name) {
        return proxy(MongoCollection.class, (method, args) -> switch (method) {
            case "getNamespace" -> new MongoNamespace(database, name);
            case "watch" -> stream(new String[] {"none"});
            default -> throw new AssertionError("unexpected call MongoCollection." + method);
        });
    }

    private ChangeStreamPublisher<RawBsonDocument> stream(String[] option) {
        return proxy(ChangeStreamPublisher.class, (method, args) -> {
            switch (method) {
                case "resumeAfter", "startAfter", "startAtOperationTime" -> {
                    option[0] = method;
                    return stream(option);
                }
                case "fullDocument", "fullDocumentBeforeChange", "batchSize", "maxAwaitTime", "collation",
                        "comment", "showExpandedEvents" -> {
                    return stream(option);
                }
                case "withDocumentClass" -> {
                    return (Publisher<RawBsonDocument>) subscriber -> {
                        openedWith.add(option[0]);
                        Flux.from(script.apply(subscriptions.getAndIncrement()))
                                .subscribe((Subscriber<? super RawBsonDocument>) subscriber);
                    };
                }
                default -> throw new AssertionError("unexpected call ChangeStreamPublisher." + method);
            }
        });
    }

    private interface Handler {
        Object handle(String method, Object[] args);
    }

    @SuppressWarnings("unchecked")
    private static <T> T proxy(Class<?> type, Handler handler) {
        return (T) Proxy.newProxyInstance(type.getClassLoader(), new Class<?>[] {type}, (p, m, args) -> {
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "toString" -> "scripted " + type.getSimpleName();
                    case "hashCode" -> System.identityHashCode(p);
                    case "equals" -> p == args[0];
                    default -> throw new AssertionError(m.getName());
                };
            }
            return handler.handle(m.getName(), args);
        });
    }
}
