package io.changestream.archiver.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.changestream.archiver.config.ArchiverConfig.Compression;
import io.changestream.archiver.encode.ArchiveLines;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import java.util.zip.ZipException;
import org.junit.jupiter.api.Test;

/**
 * Feeds the same generated gzip files to both readers of stored members, recovery's {@link ArchiveLines} and
 * replay's {@link StoredLineReader}, and checks that they agree where they must and differ only as documented:
 * recovery treats a damaged member or a member not ending in {@code \n} as the start of a torn tail and drops the
 * lines of an incomplete member; replay throws on a damaged member, returns the complete lines of an incomplete one
 * and carries a line that a member leaves open into the next member.
 */
class GzipMemberPoliciesDifferentialTest {
    private static final int SEEDS = 300;

    @Test
    void bothReadersAgreeOnEveryCutOfTheLastMember() throws IOException {
        for (long seed = 1; seed <= SEEDS; seed++) {
            Generated file = generate(new Random(seed), true);
            int lastStart = file.starts.get(file.starts.size() - 1);
            for (int cut = lastStart; cut <= file.bytes.length; cut++) {
                byte[] data = java.util.Arrays.copyOf(file.bytes, cut);
                String at = "seed " + seed + ", cut at byte " + cut + " of " + file.bytes.length;
                ArchiveLines.Units units = ArchiveLines.split(data, Compression.GZIP);
                Replayed replayed = replay(data, seed);

                assertThat(replayed.failure).as(at).isNull();
                int completeMembers = cut == file.bytes.length ? file.members.size() : file.members.size() - 1;
                long completeLength = cut == file.bytes.length ? cut : lastStart;
                assertThat(units.completeLength()).as(at).isEqualTo(completeLength);
                assertThat(units.units()).as(at).hasSize(completeMembers);
                assertThat((long) data.length - replayed.tornTail).as(at).isEqualTo(completeLength);
                List<String> recovered = flatten(units);
                assertThat(recovered).as(at).isEqualTo(linesOf(file.members.subList(0, completeMembers)));
                // replay returns the same lines, then whatever complete lines the torn member already shows
                assertThat(replayed.lines.subList(0, Math.min(recovered.size(), replayed.lines.size())))
                        .as(at).isEqualTo(recovered);
                List<String> extra = replayed.lines.subList(recovered.size(), replayed.lines.size());
                List<String> lastLines = linesOf(file.members.subList(completeMembers, file.members.size()));
                assertThat(lastLines.subList(0, Math.min(extra.size(), lastLines.size()))).as(at).isEqualTo(extra);
                for (int i = 0; i < units.units().size(); i++) {
                    assertThat(units.units().get(i).offset()).as(at).isEqualTo((long) file.starts.get(i));
                }
            }
        }
    }

    @Test
    void aDamagedByteIsATornTailForRecoveryAndAnErrorOrNothingForReplay() throws IOException {
        for (long seed = 1; seed <= SEEDS; seed++) {
            Generated file = generate(new Random(seed), true);
            Random flips = new Random(seed * 31);
            for (int at = 0; at < file.bytes.length; at++) {
                byte[] data = file.bytes.clone();
                data[at] ^= (byte) (1 + flips.nextInt(255));
                String where = "seed " + seed + ", byte " + at + " of " + file.bytes.length + " damaged";
                int member = memberAt(file, at);
                ArchiveLines.Units units = ArchiveLines.split(data, Compression.GZIP);
                Replayed replayed = replay(data, seed);
                List<String> recovered = flatten(units);

                assertThat(replayed.lines.subList(0, Math.min(recovered.size(), replayed.lines.size())))
                        .as(where).isEqualTo(recovered);
                if (replayed.failure != null) {
                    // replay refuses the damaged member; recovery keeps the members before it and cuts the rest
                    assertThat(units.completeLength()).as(where).isEqualTo((long) file.starts.get(member));
                    assertThat(units.units()).as(where).hasSize(member);
                } else {
                    // the damage fell where neither looks (a header time, say) or made the member look torn: both
                    // see the same complete prefix, and replay may add the complete lines of the torn member
                    assertThat(units.completeLength()).as(where).isEqualTo((long) data.length - replayed.tornTail);
                    if (replayed.tornTail == 0) {
                        assertThat(replayed.lines).as(where).containsExactlyElementsOf(recovered);
                    }
                }
            }
        }
    }

    @Test
    void aMemberNotEndingInANewlineEndsRecoveryButReplayJoinsItsLineToTheNext() throws IOException {
        for (long seed = 1; seed <= SEEDS; seed++) {
            Generated file = generate(new Random(seed), false);
            String at = "seed " + seed;
            int open = -1;
            for (int i = 0; i < file.members.size() && open < 0; i++) {
                String text = file.members.get(i);
                open = !text.isEmpty() && !text.endsWith("\n") ? i : -1;
            }
            ArchiveLines.Units units = ArchiveLines.split(file.bytes, Compression.GZIP);
            Replayed replayed = replay(file.bytes, seed);

            assertThat(replayed.failure).as(at).isNull();
            assertThat(replayed.tornTail).as(at).isZero();
            assertThat(replayed.lines).as(at).isEqualTo(linesOf(file.members));
            int kept = open < 0 ? file.members.size() : open;
            assertThat(units.units()).as(at).hasSize(kept);
            long completeLength = open < 0 ? file.bytes.length : (long) file.starts.get(open);
            assertThat(units.completeLength()).as(at).isEqualTo(completeLength);
            assertThat(flatten(units)).as(at).isEqualTo(linesOf(file.members.subList(0, kept)));
        }
    }

    private record Generated(byte[] bytes, List<String> members, List<Integer> starts) {
    }

    private record Replayed(List<String> lines, long tornTail, ZipException failure) {
    }

    /** One to five members, some empty; with {@code newlineEnded} false, some end in the middle of a line. */
    private static Generated generate(Random random, boolean newlineEnded) {
        List<String> members = new ArrayList<>();
        List<Integer> starts = new ArrayList<>();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int count = 1 + random.nextInt(5);
        for (int m = 0; m < count; m++) {
            StringBuilder text = new StringBuilder();
            int lines = random.nextInt(4);
            for (int l = 0; l < lines; l++) {
                int length = random.nextInt(40);
                for (int c = 0; c < length; c++) {
                    text.append((char) ('a' + random.nextInt(26)));
                }
                text.append('\n');
            }
            if (!newlineEnded && random.nextInt(3) == 0) {
                text.append("open").append(random.nextInt(100));
            }
            members.add(text.toString());
            starts.add(out.size());
            out.writeBytes(gzip(text.toString()));
        }
        return new Generated(out.toByteArray(), members, starts);
    }

    /** The lines of the members' text run together, without a last line that no newline ends. */
    private static List<String> linesOf(List<String> members) {
        String all = String.join("", members);
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = all.indexOf('\n'); i >= 0; i = all.indexOf('\n', start)) {
            lines.add(all.substring(start, i));
            start = i + 1;
        }
        return lines;
    }

    private static int memberAt(Generated file, int offset) {
        int member = 0;
        while (member + 1 < file.starts.size() && file.starts.get(member + 1) <= offset) {
            member++;
        }
        return member;
    }

    private static List<String> flatten(ArchiveLines.Units units) {
        List<String> lines = new ArrayList<>();
        for (ArchiveLines.Unit unit : units.units()) {
            for (byte[] line : unit.lines()) {
                lines.add(new String(line, StandardCharsets.UTF_8));
            }
        }
        return lines;
    }

    private static Replayed replay(byte[] data, long seed) throws IOException {
        List<String> lines = new ArrayList<>();
        try (StoredLineReader reader = new StoredLineReader(chunks(data, new Random(seed)), Compression.GZIP)) {
            for (byte[] line = reader.next(); line != null; line = reader.next()) {
                lines.add(new String(line, StandardCharsets.UTF_8));
            }
            return new Replayed(lines, reader.tornTailBytes(), null);
        } catch (ZipException e) {
            return new Replayed(lines, -1, e);
        }
    }

    /** Hands the bytes out a few at a time, as a network stream might. */
    private static InputStream chunks(byte[] data, Random random) {
        return new InputStream() {
            private int pos;

            @Override
            public int read() {
                return pos < data.length ? data[pos++] & 0xff : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (pos >= data.length) {
                    return -1;
                }
                int n = Math.min(Math.min(len, 1 + random.nextInt(7)), data.length - pos);
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }
        };
    }

    private static byte[] gzip(String text) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(text.getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
