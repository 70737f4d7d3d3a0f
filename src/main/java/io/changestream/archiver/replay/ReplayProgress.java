package io.changestream.archiver.replay;

import java.io.PrintWriter;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Progress of a replay: events per second, files done and an ETA from the stored bytes still to read (the sizes of
 * the chosen files are known before the first line is read; with {@code --until}, only the share of the last hour
 * up to it counts, see {@link Replayer#windowShare}). Three ways to show it:
 * <ul>
 *   <li>On the process's console: a progress bar (me.tongfei:progressbar) on standard error, which asks the terminal
 *       for its width through JLine and redraws in place, so it never wraps or leaves a line per redraw.</li>
 *   <li>On a given writer (tests): one line redrawn in place twice a second, cut to {@code width} and erased to
 *       its end with ANSI {@code ESC[K}, with the injected {@link Clock}.</li>
 *   <li>Without a terminal (a pod, a pipe): an INFO log line every ten seconds, on standard error.</li>
 * </ul>
 *
 * <p>The ETA is "…" until the rate means something: {@value #WARM_UP_SECONDS} s of reading and at least 1 % of the
 * bytes, so a slow first batch (connections, the first bulk write) does not read as days.
 *
 * <p>Time comes from the injected {@link Clock}.
 */
final class ReplayProgress {
    private static final Logger log = LoggerFactory.getLogger(ReplayProgress.class);
    private static final Duration TERMINAL_EVERY = Duration.ofMillis(500);
    private static final Duration LOG_EVERY = Duration.ofSeconds(10);
    static final int WARM_UP_SECONDS = 3;
    /** Erase from the cursor to the end of the line (ANSI), so a shorter redraw leaves nothing of the last one. */
    private static final String ERASE_TO_END = "\u001b[K";

    private final Clock clock;
    private final PrintWriter terminal;
    private final long totalBytes;
    private final int totalFiles;
    private final Instant started;
    private final int width;
    private Instant lastShown;
    private boolean drawn;
    private final ProgressBar bar;

    /** @param console whether the process has a console: a progress bar then, else log lines */
    static ReplayProgress of(Clock clock, boolean console, long totalBytes, int totalFiles) {
        return new ReplayProgress(clock, null, totalBytes, totalFiles, 80, console);
    }

    /** @param terminal the writer to redraw on, or null to log; @param width its columns: a line is cut to one less */
    ReplayProgress(Clock clock, PrintWriter terminal, long totalBytes, int totalFiles, int width) {
        this(clock, terminal, totalBytes, totalFiles, width, false);
    }

    private ReplayProgress(Clock clock, PrintWriter terminal, long totalBytes, int totalFiles, int width,
                           boolean console) {
        this.bar = console ? new ProgressBarBuilder().setTaskName("replay").setInitialMax(Math.max(1, totalBytes))
                .setStyle(ProgressBarStyle.ASCII).setUnit(" MiB", 1L << 20).setUpdateIntervalMillis(500)
                .hideEta().build() : null;
        this.width = width;
        this.clock = clock;
        this.terminal = terminal;
        this.totalBytes = totalBytes;
        this.totalFiles = totalFiles;
        this.started = clock.instant();
        this.lastShown = started;
    }

    void update(long events, long bytesRead, int filesDone) {
        Instant now = clock.instant();
        if (bar != null) {
            bar.stepTo(Math.min(bytesRead, bar.getMax()));
            bar.setExtraMessage(String.format(Locale.ROOT, "%,d events, files %d/%d, ETA %s", events, filesDone,
                    totalFiles, eta(bytesRead, now)));
            return;
        }
        if (Duration.between(lastShown, now).compareTo(terminal != null ? TERMINAL_EVERY : LOG_EVERY) < 0) {
            return;
        }
        lastShown = now;
        String line = line(events, bytesRead, filesDone, now);
        if (terminal != null) {
            terminal.print("\r" + (line.length() < width ? line : line.substring(0, width - 1)) + ERASE_TO_END);
            terminal.flush();
            drawn = true;
        } else {
            log.info("replay progress: {}", line);
        }
    }

    /** Ends the redrawn line so the summary starts on a fresh one. */
    void finish() {
        if (bar != null) {
            bar.close();
            return;
        }
        if (terminal != null && drawn) {
            terminal.println();
            terminal.flush();
        }
    }

    String line(long events, long bytesRead, int filesDone, Instant now) {
        double seconds = Math.max(0.001, Duration.between(started, now).toMillis() / 1000.0);
        double rate = events / seconds;
        return String.format(Locale.ROOT, "%,d events, %,.0f events/s, files %d/%d, %s of %s read, ETA %s", events,
                rate, filesDone, totalFiles, Table.bytes(bytesRead), Table.bytes(Math.max(totalBytes, bytesRead)),
                eta(bytesRead, now));
    }

    /** The time left at the rate so far; "…" until the rate settles (see the class comment). */
    private String eta(long bytesRead, Instant now) {
        double seconds = Math.max(0.001, Duration.between(started, now).toMillis() / 1000.0);
        String eta = "…";
        boolean warm = seconds >= WARM_UP_SECONDS && bytesRead * 100 >= totalBytes;
        if (warm && bytesRead > 0 && totalBytes > bytesRead) {
            double bytesPerSecond = bytesRead / seconds;
            eta = Table.duration(Duration.ofSeconds((long) ((totalBytes - bytesRead) / bytesPerSecond)));
        } else if (bytesRead >= totalBytes) {
            eta = "0s";
        }
        return eta;
    }
}
