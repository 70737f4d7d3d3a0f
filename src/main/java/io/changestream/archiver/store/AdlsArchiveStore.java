package io.changestream.archiver.store;

import com.azure.core.util.BinaryData;
import com.azure.storage.file.datalake.DataLakeFileAsyncClient;
import com.azure.storage.file.datalake.DataLakeFileSystemAsyncClient;
import com.azure.storage.file.datalake.models.DataLakeRequestConditions;
import com.azure.storage.file.datalake.models.DownloadRetryOptions;
import com.azure.storage.file.datalake.models.FileRange;
import com.azure.storage.file.datalake.models.ListPathsOptions;
import com.azure.storage.file.datalake.models.PathItem;
import com.azure.storage.file.datalake.models.PathProperties;
import com.azure.storage.file.datalake.options.DataLakeFileAppendOptions;
import com.azure.storage.file.datalake.options.DataLakeFileFlushOptions;
import com.azure.storage.file.datalake.options.DataLakePathCreateOptions;
import io.changestream.archiver.config.ArchiverConfig;
import io.changestream.archiver.config.Secret;
import io.changestream.archiver.store.EtagFence.Seen;
import io.changestream.archiver.store.EtagFence.Unsettled;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import reactor.core.publisher.Flux;

/**
 * The archive store on Azure Data Lake Storage Gen2, over the real DFS protocol.
 *
 * <h2>Appending a segment</h2>
 * Create the file if it is absent ({@code PUT ?resource=file} with {@code If-None-Match: *}; "already exists" with
 * zero bytes is fine), stage the bytes at the position ({@code PATCH ?action=append&position=P}, with Content-MD5),
 * then commit them ({@code PATCH ?action=flush&position=P+n}) with {@code If-Match} on the ETag of the last commit
 * this writer saw ({@link EtagFence}). Only the flush changes the file, and it is atomic: a file holds exactly the
 * bytes of its successful flushes, so no torn tail can exist. No overwrite path is ever used: no
 * {@code getOutputStream}, no upload, no create without {@code If-None-Match}.
 *
 * <h2>Ambiguous outcomes</h2>
 * The SDK retries a flush whose answer was lost (timeout, 503 after the commit). The retry then meets a moved
 * ETag ({@code 412 ConditionNotMet}) or a consumed staging area ({@code 400 InvalidFlushPosition}). Both are
 * settled by reading the file: if its length is the expected end and the bytes there hash to what was sent, the
 * commit was ours and the append succeeded, with nothing written twice; if the file is exactly as this writer last
 * saw it, nothing was committed and the append/flush round is repeated; anything else is another writer's commit.
 * When the SDK gives up, the append throws {@link StoreUnavailableException} and the flush is remembered as
 * unsettled; the next append to the file settles it by the same rule before writing.
 *
 * <h2>One writer per file</h2>
 * Another writer's commit is a {@link StoreConflictException} that names both states, and the file is then fenced
 * for the life of this store: nothing more is appended to it, so bytes can never interleave.
 *
 * <h2>Blocking</h2>
 * The store's contract is blocking (the writer calls it on a bounded-elastic worker), so this adapter blocks on
 * the SDK's asynchronous clients; see {@link AdlsClientFactory} for why not the synchronous ones. Every call
 * ends: each try has a timeout and the tries are bounded ({@link AdlsRetrySettings}).
 *
 * <h2>Secrets</h2>
 * Exceptions are built by {@link AdlsErrors} from status, error code and path only; no key, SAS or signature can
 * reach a message or a log line through this class.
 */
public final class AdlsArchiveStore implements ArchiveStore {
    private static final Logger LOG = LoggerFactory.getLogger(AdlsArchiveStore.class);
    /** Rounds of stage+flush when the service kept nothing of a round (staged data lost, file untouched). */
    private static final int MAX_COMMIT_ROUNDS = 3;
    private static final String ANY_ETAG = "*";
    /** Times a download broken mid-body is resumed from where it stopped. */
    private static final int DOWNLOAD_RESUMES = 5;

    private final DataLakeFileSystemAsyncClient fileSystem;
    private final String description;
    private final EtagFence fence = new EtagFence();
    private final AtomicBoolean fileSystemReady = new AtomicBoolean();

    AdlsArchiveStore(DataLakeFileSystemAsyncClient fileSystem, String description) {
        this.fileSystem = fileSystem;
        this.description = description;
    }

    /** A store on the configured account and file system; nothing is contacted until the first call. */
    public static AdlsArchiveStore open(ArchiverConfig.Azure azure, AdlsRetrySettings retry) {
        String endpoint = AdlsClientFactory.endpoint(azure);
        int query = endpoint.indexOf('?');
        String description = "ADLS Gen2 " + Secret.maskUri(query < 0 ? endpoint : endpoint.substring(0, query)) + "/"
                + azure.fileSystem() + " (" + AdlsClientFactory.authMode(azure) + ")";
        return new AdlsArchiveStore(AdlsClientFactory.fileSystem(azure, retry), description);
    }

    @Override
    public long length(ArchiveFile file) {
        Seen now = observe(file, "read the length of");
        fence.learnIfUnknown(file.path(), now);
        return now.length();
    }

    @Override
    public long append(ArchiveFile file, long position, byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        fence.stoppedReason(file.path()).ifPresent(reason -> {
            throw new StoreConflictException(reason, -1, null);
        });
        ensureFileSystem();
        Seen seen = current(file);
        if (seen.length() != position) {
            throw positionConflict(file, position, seen);
        }
        if (!seen.exists()) {
            seen = create(file);
        }
        AppendSegment segment = new AppendSegment(file, position, Arrays.copyOfRange(data, offset, offset + length));
        boolean flushSent = false;
        try {
            for (int round = 1; round <= MAX_COMMIT_ROUNDS; round++) {
                Step step = stage(segment, seen);
                if (step == Step.STAGED) {
                    flushSent = true;
                    step = flush(segment, seen);
                }
                if (step == Step.COMMITTED) {
                    return segment.end();
                }
            }
        } catch (StoreUnavailableException e) {
            if (flushSent) {
                // A flush of ours went out and we do not know whether it committed: settle before the next append.
                fence.unsettled(file.path(), seen, segment.unsettled());
            }
            throw e;
        }
        throw new StoreUnavailableException("cannot append " + segment + ": ADLS dropped the staged bytes "
                + MAX_COMMIT_ROUNDS + " times without committing anything", null);
    }

    /** Where a stage+flush round got to. */
    private enum Step { STAGED, COMMITTED, NOTHING_COMMITTED }

    /** Stages the bytes; staged bytes are invisible until a flush, so a failed stage by itself commits nothing. */
    private Step stage(AppendSegment segment, Seen seen) {
        try {
            client(segment.file()).appendWithResponse(BinaryData.fromBytes(segment.bytes()), segment.position(),
                    new DataLakeFileAppendOptions().setContentHash(segment.md5())).block();
            return Step.STAGED;
        } catch (RuntimeException e) {
            // A refusal that a change of the file could explain (moved on, deleted) is checked against the file.
            if (AdlsErrors.mayReflectFileState(e) && settle(segment.file(), seen, segment.unsettled())) {
                return Step.COMMITTED;
            }
            if (!AdlsErrors.isRejectedByFileState(e)) {
                throw AdlsErrors.unavailable("stage " + segment, e);
            }
            return Step.NOTHING_COMMITTED;
        }
    }

    /** Commits the staged bytes, fenced by {@code If-Match} on the ETag this writer last saw. */
    private Step flush(AppendSegment segment, Seen seen) {
        try {
            String etag = client(segment.file()).flushWithResponse(segment.end(), new DataLakeFileFlushOptions()
                            .setUncommittedDataRetained(false)
                            .setRequestConditions(new DataLakeRequestConditions().setIfMatch(seen.etag())))
                    .block().getValue().getETag();
            fence.record(segment.file().path(), segment.end(), etag);
            return Step.COMMITTED;
        } catch (RuntimeException e) {
            if (!AdlsErrors.isRejectedByFileState(e)) {
                throw AdlsErrors.unavailable("commit " + segment, e);
            }
            return settle(segment.file(), seen, segment.unsettled()) ? Step.COMMITTED : Step.NOTHING_COMMITTED;
        }
    }

    @Override
    public InputStream read(ArchiveFile file, long position) {
        Seen now = observe(file, "read");
        if (position > now.length()) {
            throw new StoreConflictException("cannot read " + file + " from " + position + ": its length is "
                    + now.length(), now.length(), null);
        }
        if (position == now.length()) {
            return InputStream.nullInputStream();
        }
        // Committed bytes never change, so a range bounded by the length just read is consistent even while the
        // file grows; an ETag-locked read would fail for no reason when a writer appends meanwhile.
        return new DownloadInputStream(download(file, position, now.length()), file.path());
    }

    @Override
    public List<ArchiveFile> list(String folder) {
        ListPathsOptions options = new ListPathsOptions().setRecursive(true);
        if (!folder.isEmpty()) {
            options.setPath(folder);
        }
        List<ArchiveFile> files = new ArrayList<>();
        try {
            for (PathItem item : fileSystem.listPaths(options).toIterable()) {
                if (!item.isDirectory()) {
                    files.add(new ArchiveFile(item.getName()));
                }
            }
        } catch (IllegalArgumentException e) {
            throw e;
        } catch (RuntimeException e) {
            if (AdlsErrors.isNotFound(e)) {
                return List.of();
            }
            throw AdlsErrors.unavailable("list " + (folder.isEmpty() ? "the file system" : folder), e);
        }
        files.sort(null);
        return List.copyOf(files);
    }

    @Override
    public void truncate(ArchiveFile file, long length) {
        long current = length(file);
        if (length != current) {
            throw new StoreConflictException("cannot truncate " + file + " from " + current + " to " + length
                    + " bytes: ADLS commits are atomic, so a torn tail cannot exist, and committed archive bytes are "
                    + "never removed", current, null);
        }
    }

    /**
     * Deletes the file ({@code DELETE} on the DFS endpoint); a file already gone is not an error. The fence forgets
     * what it saw of the path: a file created there later is a new file.
     */
    @Override
    public boolean delete(ArchiveFile file) {
        try {
            Boolean deleted = client(file).deleteIfExists().block();
            fence.forget(file.path());
            return Boolean.TRUE.equals(deleted);
        } catch (RuntimeException e) {
            if (AdlsErrors.isNotFound(e)) {
                fence.forget(file.path());
                return false;
            }
            throw AdlsErrors.unavailable("delete " + file, e);
        }
    }

    @Override
    public String describe() {
        return description;
    }

    @Override
    public void close() {
        // The JDK HTTP client's connections close when idle; nothing else is held.
    }

    /** What this writer knows of the file, learned on first touch and with any unsettled flush settled. */
    private Seen current(ArchiveFile file) {
        Seen seen = fence.seen(file.path()).orElse(null);
        if (seen == null) {
            fence.learnIfUnknown(file.path(), observe(file, "read the length of"));
            return fence.seen(file.path()).orElseThrow();
        }
        if (seen.unsettled() != null && !settle(file, seen, seen.unsettled())) {
            fence.settledAsNotCommitted(file.path(), seen);
        }
        return fence.seen(file.path()).orElseThrow();
    }

    /**
     * Settles a flush whose outcome is unknown, or a stage or flush the service refused because of the file's
     * state, by reading the file. True: the bytes are committed, by an earlier try of ours whose answer was lost
     * (the length is the expected end and the bytes there hash to ours). False: the file is exactly as this writer
     * last saw it, nothing was committed. Anything else is another writer's commit.
     */
    private boolean settle(ArchiveFile file, Seen seen, Unsettled attempt) {
        Seen now = observe(file, "check the state of");
        if (now.length() == attempt.end() && attempt.matches(committedSha256(file, attempt))) {
            LOG.info("The commit of bytes {}..{} of {} had succeeded although its answer was lost; not writing "
                    + "them again", attempt.start(), attempt.end(), file);
            fence.record(file.path(), now.length(), now.etag());
            return true;
        }
        if (now.length() == seen.length() && Objects.equals(now.etag(), seen.etag())) {
            return false;
        }
        throw foreignCommit(file, seen, now);
    }

    private StoreConflictException positionConflict(ArchiveFile file, long position, Seen seen) {
        Seen now = observe(file, "read the length of");
        if (!Objects.equals(now.etag(), seen.etag())) {
            return foreignCommit(file, seen, now);
        }
        return new StoreConflictException("cannot append to " + file + " at " + position + ": its committed length "
                + "is " + now.length(), now.length(), null);
    }

    private StoreConflictException foreignCommit(ArchiveFile file, Seen seen, Seen now) {
        String reason = "another writer changed " + file + ": this writer last saw " + state(seen) + ", the file now "
                + "has " + state(now) + "; no more appends to this file from this process, so bytes cannot "
                + "interleave (is a second archiver writing the same collection?)";
        fence.stop(file.path(), reason);
        return new StoreConflictException(reason, now.length(), null);
    }

    private static String state(Seen seen) {
        return seen.exists() ? seen.length() + " bytes (ETag " + seen.etag() + ")" : "no file";
    }

    /** Creates the file only if it is absent; an empty file made by an earlier try of ours is as good. */
    private Seen create(ArchiveFile file) {
        try {
            String etag = client(file).createWithResponse(new DataLakePathCreateOptions()
                    .setRequestConditions(new DataLakeRequestConditions().setIfNoneMatch(ANY_ETAG)))
                    .block().getValue().getETag();
            fence.record(file.path(), 0, etag);
        } catch (RuntimeException e) {
            if (!AdlsErrors.isAlreadyExists(e)) {
                throw AdlsErrors.unavailable("create " + file, e);
            }
            Seen now = observe(file, "read the length of");
            if (now.length() != 0) {
                throw foreignCommit(file, Seen.absent(), now);
            }
            fence.record(file.path(), 0, now.etag());
        }
        return fence.seen(file.path()).orElseThrow();
    }

    private Seen observe(ArchiveFile file, String action) {
        try {
            PathProperties properties = client(file).getProperties().block();
            return new Seen(properties.getFileSize(), properties.getETag(), null);
        } catch (RuntimeException e) {
            if (AdlsErrors.isNotFound(e)) {
                return Seen.absent();
            }
            throw AdlsErrors.unavailable(action + " " + file, e);
        }
    }

    private byte[] committedSha256(ArchiveFile file, Unsettled range) {
        MessageDigest sha256 = newDigest("SHA-256");
        try {
            download(file, range.start(), range.end()).doOnNext(sha256::update).blockLast();
        } catch (RuntimeException e) {
            throw AdlsErrors.unavailable("read back bytes " + range.start() + ".." + range.end() + " of " + file, e);
        }
        return sha256.digest();
    }

    private void ensureFileSystem() {
        if (fileSystemReady.get()) {
            return;
        }
        try {
            if (!Boolean.TRUE.equals(fileSystem.exists().block())) {
                createFileSystem();
            }
            fileSystemReady.set(true);
        } catch (RuntimeException e) {
            throw AdlsErrors.unavailable("prepare the file system " + fileSystem.getFileSystemName(), e);
        }
    }

    private void createFileSystem() {
        try {
            fileSystem.create().block();
            LOG.info("Created the ADLS file system {}", fileSystem.getFileSystemName());
        } catch (RuntimeException e) {
            if (!AdlsErrors.isAlreadyExists(e)) {
                throw e;
            }
        }
    }

    /** Bytes {@code [from, to)} as they arrive; a broken download resumes where it stopped (SDK, If-Match). */
    private Flux<ByteBuffer> download(ArchiveFile file, long from, long to) {
        return client(file).readWithResponse(new FileRange(from, to - from),
                        new DownloadRetryOptions().setMaxRetryRequests(DOWNLOAD_RESUMES), null, false)
                .flatMapMany(response -> response.getValue());
    }

    private DataLakeFileAsyncClient client(ArchiveFile file) {
        return fileSystem.getFileAsyncClient(file.path());
    }

    static MessageDigest newDigest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM provides " + algorithm, e);
        }
    }
}
