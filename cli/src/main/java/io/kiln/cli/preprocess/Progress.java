package io.kiln.cli.preprocess;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Locale;

/**
 * Progress of a job, in one of three forms: a bar on a terminal (me.tongfei:progressbar: samples,
 * samples/s, ETA, skipped so far), a plain line every {@code interval} when the output is not a
 * terminal (a CI log: no carriage returns, no escape codes), or nothing ({@code --quiet}).
 * {@link #update} is called after each batch, on the consumer's thread.
 */
public abstract sealed class Progress implements AutoCloseable {

    /** How progress is shown. */
    public enum Mode {
        /** A redrawn bar (stdout is a terminal). */
        BAR,
        /** A line every interval (stdout is a file or a pipe). */
        LINES,
        /** Nothing. */
        QUIET
    }

    /** The system property that sets the interval between plain lines in milliseconds (default 2000). */
    public static final String INTERVAL_PROPERTY = "kiln.progress.intervalMillis";

    /** The form for this process: {@link Mode#BAR} when the console is a terminal, else {@link Mode#LINES}; {@code QUIET} when asked. */
    public static Mode detect(boolean quiet) {
        if (quiet) return Mode.QUIET;
        java.io.Console c = System.console();
        return c != null && c.isTerminal() ? Mode.BAR : Mode.LINES;
    }

    /**
     * Progress in the given form.
     *
     * @param task     what is counted ("images", "rows")
     * @param expected how many in all, or -1 if unknown
     * @param out      where plain lines go
     * @param terminal where the bar goes (the real stdout)
     */
    public static Progress of(Mode mode, String task, long expected, PrintWriter out, PrintStream terminal) {
        return switch (mode) {
            case BAR -> new Bar(task, expected, terminal);
            case LINES -> new Lines(task, expected, out, Duration.ofMillis(Long.getLong(INTERVAL_PROPERTY, 2000)));
            case QUIET -> new Quiet();
        };
    }

    /** After a batch: {@code done} samples written, {@code skipped} left out, {@code elapsedNanos} since the start. */
    public abstract void update(long done, long skipped, long elapsedNanos);

    /** Ends the display (the bar's last state stays on screen). */
    @Override
    public abstract void close();

    static String rate(long done, long elapsedNanos) {
        return String.format(Locale.ROOT, "%.1f", elapsedNanos <= 0 ? 0 : done * 1e9 / elapsedNanos);
    }

    /** The bar. */
    static final class Bar extends Progress {
        private final ProgressBar bar;

        Bar(String task, long expected, PrintStream terminal) {
            bar = new ProgressBarBuilder().setTaskName("preprocess").setInitialMax(expected).setUnit(" " + task, 1)
                    .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK).showSpeed().setUpdateIntervalMillis(200)
                    .setConsumer(new ConsoleProgressBarConsumer(terminal)).build();
        }

        @Override
        public void update(long done, long skipped, long elapsedNanos) {
            bar.stepTo(done);
            bar.setExtraMessage(", " + skipped + " skipped"); // the library puts it right after the speed
        }

        @Override
        public void close() {
            bar.close();
        }
    }

    /** Plain lines. */
    static final class Lines extends Progress {
        private final String task;
        private final long expected;
        private final PrintWriter out;
        private final long intervalNanos;
        private long nextAt;

        Lines(String task, long expected, PrintWriter out, Duration interval) {
            this.task = task;
            this.expected = expected;
            this.out = out;
            this.intervalNanos = interval.toNanos();
            this.nextAt = intervalNanos;
        }

        @Override
        public void update(long done, long skipped, long elapsedNanos) {
            if (elapsedNanos < nextAt) return;
            nextAt = elapsedNanos + intervalNanos;
            print(done, skipped, elapsedNanos);
        }

        private void print(long done, long skipped, long elapsedNanos) {
            StringBuilder s = new StringBuilder("progress: ").append(done);
            if (expected > 0) s.append('/').append(expected);
            s.append(' ').append(task).append(", ").append(rate(done, elapsedNanos)).append(' ').append(task).append("/s, ")
                    .append(skipped).append(" skipped");
            if (expected > 0 && done > 0 && done < expected) {
                long etaSeconds = Math.round((expected - done) * (elapsedNanos / 1e9) / done);
                s.append(", ETA ").append(etaSeconds).append(" s");
            }
            out.println(s);
            out.flush();
        }

        @Override
        public void close() {
        }
    }

    /** Nothing. */
    static final class Quiet extends Progress {
        @Override
        public void update(long done, long skipped, long elapsedNanos) {
        }

        @Override
        public void close() {
        }
    }
}
