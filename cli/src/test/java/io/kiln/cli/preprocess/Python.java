package io.kiln.cli.preprocess;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Python 3 with NumPy, for tests that check files against what NumPy writes and reads. Tries
 * {@code python3} on the PATH, then Debian's {@code /usr/bin/python3} ({@code apt-get install python3-numpy}).
 */
public final class Python {
    private static String found;
    private static boolean searched;

    private Python() {
    }

    /** The interpreter with NumPy, or skips the test saying what to install. */
    static synchronized String withNumpy() {
        if (!searched) {
            searched = true;
            for (String candidate : List.of("python3", "/usr/bin/python3")) {
                try {
                    if (run(candidate, "import numpy").exit == 0) {
                        found = candidate;
                        break;
                    }
                } catch (IOException e) {
                    // not there: try the next
                }
            }
        }
        Assumptions.assumeTrue(found != null, "no python3 with NumPy here: install python3-numpy (apt-get install python3-numpy)");
        return found;
    }

    record Result(int exit, String out) {
    }

    /** Runs {@code script} with {@code python -c}, returning exit code and stdout + stderr. */
    static Result run(String python, String script, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(python, "-c", script));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            if (!p.waitFor(2, TimeUnit.MINUTES)) {
                p.destroyForcibly();
                throw new IOException("python timed out: " + cmd);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        return new Result(p.exitValue(), out);
    }

    /** Runs {@code script} with NumPy and returns its output, failing the test if it fails. */
    public static String numpy(String script, String... args) throws IOException {
        Result r = run(withNumpy(), script, args);
        if (r.exit != 0) throw new AssertionError("python failed (exit " + r.exit + "):\n" + r.out);
        return r.out;
    }
}
