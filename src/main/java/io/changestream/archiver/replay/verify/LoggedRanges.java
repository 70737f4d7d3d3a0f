package io.changestream.archiver.replay.verify;

import io.changestream.archiver.capture.ChangeEvent;
import io.changestream.archiver.checkpoint.FlushRecord;
import io.changestream.archiver.encode.SegmentEncoder;
import io.changestream.archiver.replay.StoredFile;
import io.changestream.archiver.replay.verify.Finding.Kind;
import io.changestream.archiver.replay.verify.Finding.Severity;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Predicate;

/**
 * One archive file's flush-log ranges held against the file's bytes, for a reader that streams the file once from
 * its start ({@code replay}): the checks of {@link Verifier} that need no second pass over the file.
 *
 * <ul>
 *   <li>{@link #layout(long)}: from the ranges and the file's length alone, before a byte is read: the ranges tile
 *       the file from 0 (no hole, no overlap) and none ends beyond the file's end. Shared with {@link Verifier}.</li>
 *   <li>{@link #hashing(InputStream)}: wraps the file's stream; every byte that passes is added to the SHA-256 of
 *       each range it belongs to, so the hashes cost no second read. Whatever the reader reads ahead is hashed too:
 *       draining the stream to its end completes the hashes.</li>
 *   <li>{@link #line(long, ChangeEvent)}: each line, by where it starts, is counted in its range and its event held
 *       against the range's logged first and last event.</li>
 *   <li>{@link #findings(long)}: what did not match, for the ranges whose bytes (hash) or lines (count,
 *       continuity) were seen whole. A range the file ends inside is the layout's {@code truncated} finding.</li>
 * </ul>
 *
 * <p>Threads: one instance belongs to the one thread reading its file.
 */
public final class LoggedRanges {
    private final StoredFile file;
    private final List<FlushRecord> ranges;
    private final MessageDigest[] digests;
    private final String[] hashes;
    private final long[] lines;
    private final ChangeEvent[] first;
    private final ChangeEvent[] last;
    private long streamed;
    private int firstUnhashed;
    private int lineRange;

    public LoggedRanges(StoredFile file, List<FlushRecord> ranges) {
        this.file = file;
        this.ranges = ranges.stream().sorted(Comparator.comparingLong(FlushRecord::offset)).toList();
        int n = this.ranges.size();
        this.digests = new MessageDigest[n];
        this.hashes = new String[n];
        this.lines = new long[n];
        this.first = new ChangeEvent[n];
        this.last = new ChangeEvent[n];
    }

    public StoredFile file() {
        return file;
    }

    /** The file's logged ranges, by offset. */
    public List<FlushRecord> ranges() {
        return ranges;
    }

    /** Where the logged ranges end: the offset after which bytes are not in the flush log; 0 when none is. */
    public long end() {
        return ranges.stream().mapToLong(FlushRecord::end).max().orElse(0);
    }

    public long events() {
        return ranges.stream().mapToLong(FlushRecord::events).sum();
    }

    /** Holes, overlaps and ranges beyond the file's end, knowing only the file's length. */
    public List<Finding> layout(long length) {
        return layout(length, r -> true);
    }

    /**
     * Holes, overlaps, and the ranges for which {@code checked} holds that end beyond the file's end: a replay
     * checks only the ranges its window reaches, so a restore to before a damaged range is possible.
     */
    public List<Finding> layout(long length, Predicate<FlushRecord> checked) {
        List<Finding> found = new ArrayList<>();
        long pos = 0;
        for (FlushRecord r : ranges) {
            if (r.offset() > pos) {
                found.add(problem(Kind.HOLE, pos, (r.offset() - pos) + " bytes [" + pos + ", " + r.offset()
                        + ") are in no logged range"));
            } else if (r.offset() < pos) {
                found.add(problem(Kind.OVERLAP, r.offset(), "the range [" + r.offset() + ", " + r.end()
                        + ") overlaps the range before it, which ends at " + pos));
            }
            if (r.end() > length && checked.test(r)) {
                found.add(problem(Kind.TRUNCATED, r.offset(), "the range [" + r.offset() + ", " + r.end()
                        + ") ends beyond the end of the file, which has " + length + " bytes"));
            }
            pos = Math.max(pos, r.end());
        }
        return found;
    }

    /** The file's stored bytes from offset 0, hashed into the ranges as they pass. */
    public InputStream hashing(InputStream fromStart) {
        return new FilterInputStream(fromStart) {
            @Override
            public int read() throws IOException {
                int b = in.read();
                if (b >= 0) {
                    hash(new byte[] {(byte) b}, 0, 1);
                }
                return b;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                int n = in.read(b, off, len);
                if (n > 0) {
                    hash(b, off, n);
                }
                return n;
            }

            @Override
            public long skip(long n) throws IOException {
                byte[] sink = new byte[8192];
                long done = 0;
                for (int r; done < n && (r = read(sink, 0, (int) Math.min(sink.length, n - done))) > 0; ) {
                    done += r;
                }
                return done;
            }
        };
    }

    /** Stored bytes that have passed through {@link #hashing} so far. */
    public long streamed() {
        return streamed;
    }

    /** Where the last range for which {@code checked} holds ends: how far the file must be hashed to check them. */
    public long end(Predicate<FlushRecord> checked) {
        return ranges.stream().filter(checked).mapToLong(FlushRecord::end).max().orElse(0);
    }

    /** True when a line starting here lies in a logged range (or a hole between two): not in the unlogged tail. */
    public boolean logged(long lineStart) {
        return lineStart < end();
    }

    /**
     * Counts a line in the range it starts in.
     *
     * @param event the line's event, or null when it could not be decoded (it still counts as a line)
     */
    public void line(long lineStart, ChangeEvent event) {
        while (lineRange < ranges.size() && ranges.get(lineRange).end() <= lineStart) {
            lineRange++;
        }
        if (lineRange == ranges.size() || ranges.get(lineRange).offset() > lineStart) {
            return; // in a hole or the tail: found by the layout or the tail rule
        }
        lines[lineRange]++;
        if (event != null) {
            if (first[lineRange] == null) {
                first[lineRange] = event;
            }
            last[lineRange] = event;
        }
    }

    /**
     * What did not match the flush log, once the stream was read (or drained) as far as it goes.
     *
     * @param linesEnd how far every line of the file was passed to {@link #line}: ranges ending later were not
     *                 seen line by line (a replay window that ends inside the file) and are checked by hash only
     */
    public List<Finding> findings(long linesEnd) {
        return findings(linesEnd, r -> true);
    }

    /** {@link #findings(long)} of the ranges for which {@code checked} holds. */
    public List<Finding> findings(long linesEnd, Predicate<FlushRecord> checked) {
        List<Finding> found = new ArrayList<>();
        for (int i = 0; i < ranges.size(); i++) {
            FlushRecord r = ranges.get(i);
            if (!checked.test(r)) {
                continue;
            }
            if (hashes[i] != null && !hashes[i].equalsIgnoreCase(r.sha256())) {
                found.add(problem(Kind.CHECKSUM, r.offset(), checksumMessage(r, hashes[i])));
            }
            if (r.end() > linesEnd || r.end() > streamed) {
                continue;
            }
            if (lines[i] != r.events()) {
                found.add(problem(Kind.EVENT_COUNT, r.offset(), "the range holds " + lines[i] + " lines, the flush "
                        + "log says " + r.events() + " events"));
            }
            if (first[i] != null && (!first[i].resumeToken().equals(r.firstToken())
                    || !first[i].clusterTime().equals(r.firstClusterTime()))) {
                found.add(problem(Kind.CONTINUITY, r.offset(), "the range's first line is the event "
                        + first[i].resumeToken().toJson() + ", the flush log says " + r.firstToken().toJson()));
            }
            if (last[i] != null && (!last[i].resumeToken().equals(r.lastToken())
                    || !last[i].clusterTime().equals(r.lastClusterTime()))) {
                found.add(problem(Kind.CONTINUITY, r.offset(), "the range's last line is the event "
                        + last[i].resumeToken().toJson() + ", the flush log says " + r.lastToken().toJson()));
            }
        }
        return found;
    }

    /** The text of a {@code checksum} finding. */
    static String checksumMessage(FlushRecord r, String actual) {
        return "the " + r.length() + " bytes of the range have SHA-256 " + actual + ", the flush log says "
                + r.sha256();
    }

    private void hash(byte[] b, int off, int n) {
        long from = streamed;
        long to = streamed + n;
        for (int i = firstUnhashed; i < ranges.size(); i++) {
            FlushRecord r = ranges.get(i);
            if (r.offset() >= to) {
                break;
            }
            if (hashes[i] != null || r.end() <= from) {
                continue;
            }
            long start = Math.max(from, r.offset());
            long end = Math.min(to, r.end());
            if (digests[i] == null) {
                digests[i] = SegmentEncoder.newSha256();
            }
            digests[i].update(b, off + (int) (start - from), (int) (end - start));
            if (end == r.end()) {
                hashes[i] = SegmentEncoder.hex(digests[i]);
                digests[i] = null;
            }
        }
        while (firstUnhashed < ranges.size() && hashes[firstUnhashed] != null) {
            firstUnhashed++;
        }
        streamed = to;
    }

    private Finding problem(Kind kind, long offset, String message) {
        return new Finding(Severity.PROBLEM, kind, file.path(), offset, message);
    }
}
