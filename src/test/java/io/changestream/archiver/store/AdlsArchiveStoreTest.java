package io.changestream.archiver.store;

import static io.changestream.archiver.store.ArchiveStoreContract.append;
import static io.changestream.archiver.store.ArchiveStoreContract.segments;
import static io.changestream.archiver.store.TestStores.FILE_SYSTEM;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.changestream.archiver.store.adls.DfsExchange;
import io.changestream.archiver.store.adls.DfsTestServer;
import io.changestream.archiver.store.adls.Faults;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * ADLS-specific behaviour: the file system, the requests on the wire, ambiguous outcomes, faults and fencing.
 * Every fault test ends by comparing the file byte for byte with what the writer meant to write.
 */
class AdlsArchiveStoreTest {
    private static final ArchiveFile FILE = new ArchiveFile("orders/2026-11-22-01.json");

    private DfsTestServer server;
    private ArchiveStore store;

    @BeforeEach
    void start() {
        server = DfsTestServer.start();
        store = TestStores.adls(TestStores.sharedKey(server));
    }

    @AfterEach
    void everyRequestKeptTheWireInvariants() {
        try {
            AdlsWireInvariants.check(server);
        } finally {
            store.close();
            server.close();
        }
    }

    @Test
    void openingTheStoreContactsNothing() {
        assertThat(server.exchanges()).isEmpty();
    }

    @Test
    void theFileSystemIsCreatedWhenMissing() {
        assertThat(server.state().fileSystemExists(FILE_SYSTEM)).isFalse();

        append(store, FILE, 0, "x\n");

        assertThat(server.state().fileSystemExists(FILE_SYSTEM)).isTrue();
        assertThat(content()).isEqualTo("x\n");
    }

    @Test
    void anExistingFileSystemIsUsedAsItIs() {
        server.state().createFileSystem(FILE_SYSTEM);

        append(store, FILE, 0, "x\n");

        assertThat(server.exchanges()).noneMatch(x -> x.request().is("PUT", "restype", "container"));
        assertThat(content()).isEqualTo("x\n");
    }

    @Test
    void filesAreCreatedOnlyIfAbsentAndCommittedOnlyOnTheEtagLastSeen() {
        new RetryingWriter(store, 1, Duration.ZERO).write(FILE, segments("line", 4));

        List<DfsExchange> creates = requests("PUT", "resource", "file");
        List<DfsExchange> flushes = requests("PATCH", "action", "flush");
        assertThat(creates).hasSize(1).allMatch(x -> "*".equals(x.request().header("If-None-Match")));
        assertThat(flushes).hasSize(4).allMatch(x -> x.request().header("If-Match") != null);
        assertThat(requests("PATCH", "action", "append")).hasSize(4)
                .allMatch(x -> x.request().header("Content-MD5") != null);
    }

    @Test
    void listingFollowsContinuationTokens() {
        for (int hour = 0; hour < 8; hour++) {
            append(store, new ArchiveFile("orders/2026-11-22-0" + hour + ".json"), 0, "x\n");
        }

        assertThat(store.list("orders")).hasSize(8);
        assertThat(requests("GET", "resource", "filesystem")).anyMatch(x -> x.request().param("continuation") != null);
    }

    @Test
    void aCommitAnsweredWith503IsRecognisedAsOursAndNotWrittenTwice() {
        append(store, FILE, 0, "first\n");
        server.faults().commitThenFail(1);

        assertThat(append(store, FILE, 6, "second\n")).isEqualTo(13);

        assertThat(content()).isEqualTo("first\nsecond\n");
        assertThat(requests("PATCH", "action", "flush")).extracting(DfsExchange::status).containsExactly(200, 503, 412);
    }

    @Test
    void aCommitWhoseAnswerNeverArrivedIsSettledAsOursBeforeTheNextAppend() {
        ArchiveStore oneTry = withoutSdkRetries();
        append(oneTry, FILE, 0, "first\n");
        server.faults().commitThenFail(1);

        assertThatThrownBy(() -> append(oneTry, FILE, 6, "second\n")).isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("HTTP 503 ServerBusy");
        assertThat(oneTry.length(FILE)).isEqualTo(13);
        append(oneTry, FILE, 13, "third\n");

        assertThat(content()).isEqualTo("first\nsecond\nthird\n");
    }

    @Test
    void aCommitThatNeverArrivedIsRepeatedOnceTheLengthShowsNothingCommitted() {
        ArchiveStore oneTry = withoutSdkRetries();
        append(oneTry, FILE, 0, "first\n");
        server.faults().failNext(1, Faults.FLUSHES);

        assertThatThrownBy(() -> append(oneTry, FILE, 6, "second\n")).isInstanceOf(StoreUnavailableException.class);
        assertThat(oneTry.length(FILE)).isEqualTo(6);
        append(oneTry, FILE, 6, "second\n");

        assertThat(content()).isEqualTo("first\nsecond\n");
    }

    /** Faults drawn at random per request; seeded, so a failing run replays exactly. */
    enum RandomFaults {
        THIRTY_PERCENT_OF_REQUESTS_ANSWER_503_UNSERVED {
            @Override
            void apply(Faults faults) {
                faults.failRandomly(0.30, 42);
            }
        },
        A_QUARTER_OF_ANSWERS_ARE_LOST_AFTER_THE_CHANGE_WAS_MADE {
            @Override
            void apply(Faults faults) {
                faults.loseAnswersRandomly(0.25, 7);
            }
        };

        abstract void apply(Faults faults);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(RandomFaults.class)
    void randomFaultsStillArchiveEveryByteExactlyOnce(RandomFaults faults) {
        faults.apply(server.faults());
        RetryingWriter writer = new RetryingWriter(store, 10, Duration.ofMillis(10));

        List<String> segments = segments("event", 50);
        writer.write(FILE, segments);

        assertThat(content()).isEqualTo(String.join("", segments));
        assertThat(server.faults().injectedFailures()).isGreaterThan(20);
    }

    @Test
    void anOutageFailsAppendsAsUnavailableAndRecoveryContinuesWithoutLossOrDuplicates() throws Exception {
        List<String> segments = segments("event", 20);
        RetryingWriter writer = new RetryingWriter(store, 40, Duration.ofMillis(100));
        writer.write(FILE, segments.subList(0, 5));
        server.faults().startOutage();

        assertThatThrownBy(() -> append(store, FILE, content().length(), "lost?\n"))
                .isInstanceOf(StoreUnavailableException.class).hasMessageContaining("HTTP 503 ServerBusy");
        ScheduledExecutorService reopen = Executors.newSingleThreadScheduledExecutor();
        try {
            reopen.schedule(() -> server.faults().endOutage(), 1500, TimeUnit.MILLISECONDS);
            writer.write(FILE, segments.subList(5, 20));
        } finally {
            reopen.shutdownNow();
        }

        assertThat(content()).isEqualTo(String.join("", segments));
        assertThat(writer.retries()).isPositive();
    }

    @Test
    void aCommitAnsweredAfterTheTryTimeoutIsNotWrittenTwice() {
        ArchiveStore impatient = TestStores.adls(TestStores.sharedKey(server), 5, Duration.ofSeconds(2));
        append(impatient, FILE, 0, "first\n");
        server.faults().delayNext(1, Faults.FLUSHES, Duration.ofSeconds(4));

        append(impatient, FILE, 6, "second\n");
        await().atMost(Duration.ofSeconds(15)).until(() -> requests("PATCH", "action", "flush").size() == 3);
        append(impatient, FILE, 13, "third\n");

        assertThat(content()).isEqualTo("first\nsecond\nthird\n");
        assertThat(requests("PATCH", "action", "flush")).extracting(DfsExchange::status).contains(412);
    }

    @Test
    void aDownloadAnswered503IsRetriedLikeEveryOtherRequest() throws Exception {
        append(store, FILE, 0, "hello world\n");
        server.faults().failNext(2, request -> request.method().equals("GET"));

        assertThat(ArchiveStoreContract.readAll(store, FILE, 6)).isEqualTo("world\n");
    }

    @Test
    void aSlowStoreIsWaitedFor() {
        server.faults().delayAnswers(Duration.ofMillis(150));

        new RetryingWriter(store, 1, Duration.ZERO).write(FILE, segments("event", 3));

        assertThat(content()).isEqualTo(String.join("", segments("event", 3)));
    }

    @Test
    void anotherWritersCommitStopsThisWriterWithAClearConflictAndLeavesTheFileIntact() {
        append(store, FILE, 0, "ours-1\n");
        server.state().foreignCommit(FILE_SYSTEM, FILE.path(), "theirs\n".getBytes(UTF_8));

        assertThatThrownBy(() -> append(store, FILE, 7, "ours-2\n"))
                .isInstanceOfSatisfying(StoreConflictException.class, e -> assertThat(e.actualLength()).isEqualTo(14))
                .hasMessageContaining("another writer changed " + FILE.path());
        assertThatThrownBy(() -> append(store, FILE, 14, "ours-2\n"))
                .as("the file stays fenced: no append on top of a foreign commit")
                .isInstanceOf(StoreConflictException.class).hasMessageContaining("another writer");
        assertThat(content()).isEqualTo("ours-1\ntheirs\n");
    }

    @Test
    void anotherWritersCommitDuringAnUnsettledFlushIsAConflictNotASuccess() {
        ArchiveStore oneTry = withoutSdkRetries();
        append(oneTry, FILE, 0, "ours-1\n");
        server.faults().failNext(1, Faults.FLUSHES);
        assertThatThrownBy(() -> append(oneTry, FILE, 7, "ours-2\n")).isInstanceOf(StoreUnavailableException.class);
        server.state().foreignCommit(FILE_SYSTEM, FILE.path(), "theirs\n".getBytes(UTF_8));

        assertThatThrownBy(() -> append(oneTry, FILE, 7, "ours-2\n")).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining("another writer");
        assertThat(content()).isEqualTo("ours-1\ntheirs\n");
    }

    @Test
    void aRestartedStoreAdoptsTheFileAsItFindsIt() {
        server.state().foreignCommit(FILE_SYSTEM, FILE.path(), "written before the restart\n".getBytes(UTF_8));

        long length = store.length(FILE);
        append(store, FILE, length, "after\n");

        assertThat(content()).isEqualTo("written before the restart\nafter\n");
    }

    @Test
    void truncatingBelowTheCommittedLengthIsRefusedBecauseCommitsAreAtomic() {
        append(store, FILE, 0, "complete line\n");

        assertThatThrownBy(() -> store.truncate(FILE, 5)).isInstanceOf(StoreConflictException.class)
                .hasMessageContaining("commits are atomic");
        assertThat(content()).isEqualTo("complete line\n");
    }

    @Test
    void describeNamesEndpointFileSystemAndAuthentication() {
        assertThat(store.describe()).isEqualTo("ADLS Gen2 " + server.endpoint() + "/" + FILE_SYSTEM + " (shared key)");
    }

    /** A store whose SDK gives up after one try, so a lost answer reaches the store's caller. */
    private ArchiveStore withoutSdkRetries() {
        return TestStores.adls(TestStores.sharedKey(server), 1, Duration.ofSeconds(10));
    }

    private String content() {
        return new String(server.state().content(FILE_SYSTEM, FILE.path()).orElse(new byte[0]), UTF_8);
    }

    private List<DfsExchange> requests(String method, String param, String value) {
        return server.exchanges().stream().filter(x -> x.request().is(method, param, value)).toList();
    }
}
