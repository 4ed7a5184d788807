package io.kiln.cli.preprocess;

import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/** {@link Progress} off a terminal: plain lines, at most one per interval, no carriage returns or escape codes. */
class ProgressTest {

    @Test
    void plainLinesAtMostOncePerInterval() {
        StringWriter sw = new StringWriter();
        try (Progress p = new Progress.Lines("images", 400, new PrintWriter(sw), Duration.ofSeconds(1))) {
            p.update(10, 0, 500_000_000L);      // before the first interval: nothing
            p.update(100, 2, 1_000_000_000L);   // a line
            p.update(150, 2, 1_500_000_000L);   // within the interval: nothing
            p.update(200, 3, 2_000_000_000L);   // a line
            p.update(400, 3, 4_000_000_000L);   // done: no ETA
        }
        String out = sw.toString();
        assertEquals(java.util.List.of(
                "progress: 100/400 images, 100.0 images/s, 2 skipped, ETA 3 s",
                "progress: 200/400 images, 100.0 images/s, 3 skipped, ETA 2 s",
                "progress: 400/400 images, 100.0 images/s, 3 skipped"), out.lines().toList());
        assertFalse(out.contains("\r") || out.contains("\u001b"), out);
    }

    @Test
    void unknownTotalAndQuiet() {
        StringWriter sw = new StringWriter();
        try (Progress p = new Progress.Lines("rows", -1, new PrintWriter(sw), Duration.ZERO)) {
            p.update(5, 0, 1_000_000_000L);
        }
        assertEquals("progress: 5 rows, 5.0 rows/s, 0 skipped\n", sw.toString().replace(System.lineSeparator(), "\n"));
        assertEquals(Progress.Mode.QUIET, Progress.detect(true));
        assertEquals(Progress.Mode.LINES, Progress.detect(false), "tests run without a terminal");
    }
}
