package io.kiln.cli;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@code kiln} command line, run in-process with captured output. */
class KilnCliTest {

    record Result(int exit, String out, String err) {
        List<String> outLines() {
            return out.lines().toList();
        }

        @Override
        public String toString() {
            return "exit " + exit + "\n--- out:\n" + out + "--- err:\n" + err;
        }
    }

    static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = KilnCli.newCommandLine().setOut(new PrintWriter(out)).setErr(new PrintWriter(err)).execute(args);
        return new Result(exit, out.toString(), err.toString());
    }

    static void assertUsageError(Result r, String expectedMessagePart) {
        assertEquals(KilnCli.USAGE, r.exit(), r::toString);
        assertTrue(r.err().startsWith("kiln: "), r::toString);
        assertTrue(r.err().contains(expectedMessagePart), () -> "expected '" + expectedMessagePart + "' in\n" + r);
        assertFalse(r.err().contains("\tat "), () -> "no stack trace for user errors:\n" + r);
    }

    @Test
    void versionNamesTheBuildVersionAndTheJava() {
        Result r = run("--version");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().matches("(?s)kiln \\d+\\.\\d+\\.\\d+.*"), r::toString);
        assertTrue(r.out().contains("Java " + Runtime.version()), r::toString);
    }

    @Test
    void helpListsTheCommands() {
        Result r = run("--help");
        assertEquals(0, r.exit(), r::toString);
        for (String c : List.of("devices", "demo", "compile")) {
            assertTrue(r.out().contains("\n  " + c + " "), () -> c + " missing:\n" + r);
        }
    }

    @Test
    void noCommandIsAUsageError() {
        assertUsageError(run(), "no command given");
    }

    @Test
    void unknownOptionIsAUsageErrorWithoutStackTrace() {
        assertUsageError(run("demo", "--no-such-option"), "Unknown option: '--no-such-option'");
        assertUsageError(run("frobnicate"), "frobnicate");
    }

    @Test
    void devicesListsEveryDeviceAndWhyOtherBackEndsAreUnavailable() {
        Result r = run("devices");
        assertEquals(0, r.exit(), r::toString);
        List<Device> devices = Devices.list();
        if (devices.isEmpty()) {
            assertTrue(r.out().startsWith("No devices found."), r::toString);
        } else {
            assertTrue(r.outLines().get(0).matches("\\s*ID\\s+BACKEND\\s+TYPE\\s+NAME\\s+COMPUTE UNITS\\s+MEMORY"), r::toString);
            for (Device d : devices) {
                assertTrue(r.outLines().stream().anyMatch(l -> l.matches("[* ] " + java.util.regex.Pattern.quote(d.id()) + " .*")
                        && l.contains(d.name())), () -> d + " missing:\n" + r);
            }
            String auto = Devices.auto().id();
            assertTrue(r.outLines().stream().anyMatch(l -> l.startsWith("* " + auto + " ")), () -> "default device " + auto + " not marked:\n" + r);
        }
        for (Map.Entry<Backend, String> e : Devices.unavailable().entrySet()) {
            assertTrue(r.out().contains("  " + e.getKey().idPrefix() + ": " + e.getValue()), () -> e + " missing:\n" + r);
        }
    }

    @Test
    void bytesAreShownInBinaryUnits() {
        assertEquals("512 B", DevicesCommand.formatBytes(512));
        assertEquals("1.5 KiB", DevicesCommand.formatBytes(1536));
        assertEquals("16.0 GiB", DevicesCommand.formatBytes(16L << 30));
        assertEquals("?", DevicesCommand.formatBytes(-1));
    }

    @Test
    void tablesAlignTheirColumns() {
        StringWriter sw = new StringWriter();
        PrintWriter pw = new PrintWriter(sw);
        DevicesCommand.printTable(pw, List.of(
                new String[] {"ID", "NAME", "UNITS"},
                new String[] {"opencl:0", "pthread", "2"},
                new String[] {"cpu", "JVM fork-join pool", "16"}), new boolean[] {false, false, true});
        pw.flush();
        assertEquals(List.of(
                "ID        NAME                UNITS",
                "opencl:0  pthread                 2",
                "cpu       JVM fork-join pool     16"), sw.toString().lines().toList());
    }

    @Test
    void demoOnAnUnknownDeviceIsAUsageError() {
        assertUsageError(run("demo", "--device", "no-such-device"), "no device 'no-such-device'");
    }

    @Test
    void demoEndsWithOneVerdictLine() {
        Result r = run("demo");
        List<String> lines = r.outLines();
        assertFalse(lines.isEmpty(), r::toString);
        String last = lines.get(lines.size() - 1);
        assertTrue(last.matches("demo: (PASS|FAIL) \\(.*\\)"), () -> "last line: " + last + "\n" + r);
        assertEquals(1, lines.stream().filter(l -> l.startsWith("demo: ")).count(), r::toString);
        if (Devices.list().isEmpty()) {
            assertEquals(KilnCli.FAILURE, r.exit(), r::toString);
            assertTrue(last.startsWith("demo: FAIL (no device can run kernels here"), r::toString);
            return;
        }
        String device = Devices.auto().id();
        assertEquals("demo: PASS (3/3 kernels match plain Java on " + device + ")", last, r::toString);
        assertEquals(0, r.exit(), r::toString);
    }

    /** --passes shows the IR before the passes and after each, then the target's code; the pass removes the loop's check. */
    @Test
    void compilePassesShowsTheIrAfterEachPass() {
        Result r = run("compile", "Blas", "saxpy", "--target", "opencl", "--passes");
        assertEquals(0, r.exit(), r::toString);
        String out = r.out();
        int before = out.indexOf("== Blas.saxpy before passes ==");
        int rce = out.indexOf("== Blas.saxpy after range-check-elimination");
        int code = out.indexOf("== opencl_c ==");
        assertTrue(before >= 0 && rce > before && code > rce, out);
        // the front end checks x[i], y[i] and the store to y[i]; the loop bound i < y.length proves both y checks
        assertEquals(3, occurrences(out.substring(before, rce).split("== Blas.saxpy after")[0], "check @"), out);
        assertEquals(1, occurrences(out.substring(rce, code), "check @"), out);
        assertEquals(0, occurrences(out.substring(rce, code), "check @y"), out);
        assertTrue(out.substring(code).contains("__kernel"), out);
        Result plain = run("compile", "Blas", "saxpy", "--target", "opencl");
        assertFalse(plain.out().contains("before passes"), plain::toString);
    }

    private static int occurrences(String s, String what) {
        int n = 0;
        for (int at = s.indexOf(what); at >= 0; at = s.indexOf(what, at + 1)) n++;
        return n;
    }

    @Test
    void compileReportsUnknownClassMethodAndTarget() {
        assertUsageError(run("compile", "com.example.NoSuchKernels", "saxpy"), "class 'com.example.NoSuchKernels' not found");
        assertUsageError(run("compile", "Blas", "noSuchMethod"), "io.kiln.kernels.Blas has no static method 'noSuchMethod'");
        assertUsageError(run("compile", "Blas", "saxpy", "--target", "cuda"), "'cuda' is not a target: use one of opencl, ptx, ir, jvm");
        assertUsageError(run("compile", "Blas"), "Missing required parameter: 'METHOD'");
        assertUsageError(run("compile", "io.kiln.kernels.linalg.Elementwise", "unary"),
                "has 2 static methods named 'unary': unary(int, float, float, FloatArray, FloatArray, long), "
                        + "unary(int, float, float, float[], float[], int): name one with its parameter types");
        assertUsageError(run("compile", "io.kiln.kernels.linalg.Elementwise", "unary(int)"), "has no static method unary(int); its methods named 'unary'");
        assertUsageError(run("compile", "Blas", "saxpy", "--classpath", "/no/such/dir"), "class path entry '/no/such/dir' does not exist");
    }

    @Test
    void compilePicksAnOverloadByItsParameterTypes() {
        Result simple = run("compile", "io.kiln.kernels.linalg.Elementwise", "unary( int, float,float, float[], float[], int )", "--target", "ir");
        assertEquals(0, simple.exit(), simple.err());
        assertTrue(simple.out().contains("float %q, float[] @x READ, float[] @y WRITE, int %n)"), simple.out());
        Result qualified = run("compile", "io.kiln.kernels.linalg.Elementwise", "unary(int, float, float, io.kiln.FloatArray, io.kiln.FloatArray, long)",
                "--target", "ir");
        assertEquals(0, qualified.exit(), qualified.err());
        assertTrue(qualified.out().contains("float %q, FloatArray @x READ, FloatArray @y WRITE, long %n)"), qualified.out());
    }

    @Test
    void compilePrintsTheIrOfALibraryKernel() {
        Result r = run("compile", "Blas", "saxpy", "--target", "ir");
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().startsWith("kernel "), r::toString);
        assertTrue(r.out().contains("saxpy"), r::toString);
    }

    @Test
    void compileLoadsTheClassFromTheGivenClassPath(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/ext/Scale.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, """
                package ext;
                import io.kiln.Parallel;
                public final class Scale {
                    public static void scale(float[] x, float s) {
                        for (@Parallel int i = 0; i < x.length; i++) x[i] *= s;
                    }
                }
                """);
        Path classes = Files.createDirectories(dir.resolve("classes"));
        Path javac = Path.of(System.getProperty("java.home"), "bin", "javac");
        assertTrue(Files.isExecutable(javac), "tests must run on a JDK: no " + javac);
        Process p = new ProcessBuilder(javac.toString(), "-d", classes.toString(), "-cp", System.getProperty("java.class.path"),
                src.toString()).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), () -> "javac failed:\n" + log);

        assertUsageError(run("compile", "ext.Scale", "scale", "-t", "ir"), "class 'ext.Scale' not found");
        Result r = run("compile", "ext.Scale", "scale", "-t", "ir", "--classpath", classes.toString());
        assertNotEquals(KilnCli.USAGE, r.exit(), () -> "the class must be found through --classpath:\n" + r);
        assertEquals(0, r.exit(), r::toString);
        assertTrue(r.out().contains("scale"), r::toString);
    }

    @Test
    void stacktraceOptionAddsTheTraceToFailures() {
        Result plain = run("compile", "Blas", "sgemm", "-t", "ir");
        Result traced = run("--stacktrace", "compile", "Blas", "sgemm", "-t", "ir");
        assertEquals(plain.exit(), traced.exit(), traced::toString);
        if (plain.exit() == 0) return; // nothing failed, so there is no trace to print
        assertFalse(plain.err().contains("\tat "), plain::toString);
        assertTrue(traced.err().contains("\tat "), traced::toString);
    }
}
