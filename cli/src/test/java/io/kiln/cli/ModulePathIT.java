package io.kiln.cli;

import org.junit.jupiter.api.Test;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged jars as JPMS modules: {@code kiln demo} runs with every Kiln jar on the module path, so
 * the module descriptors, the {@code provides}/{@code uses} registrations of the back ends and the
 * kernel references of a named module (io.kiln.cli, which opens nothing to Kiln) all work there.
 */
class ModulePathIT {

    private static List<String> command(String... args) throws IOException {
        Path jar = Path.of(System.getProperty("kiln.cli.jar"));
        Path lib = Path.of(System.getProperty("kiln.cli.lib"));
        List<String> path = new ArrayList<>();
        path.add(jar.toString());
        try (Stream<Path> jars = Files.list(lib)) {
            jars.filter(p -> p.toString().endsWith(".jar")).sorted().forEach(p -> path.add(p.toString()));
        }
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--enable-native-access=io.kiln.engine,io.kiln.loader,jocl", "-p", String.join(File.pathSeparator, path),
                "-m", "io.kiln.cli/io.kiln.cli.KilnCli"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static String run(List<String> cmd, int expectedExit) throws Exception {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "timed out: " + cmd);
        assertEquals(expectedExit, p.exitValue(), out);
        return out;
    }

    @Test
    void demoPassesOnTheModulePath() throws Exception {
        String out = run(command("demo"), 0);
        assertTrue(out.strip().lines().reduce((a, b) -> b).orElse("").startsWith("demo: PASS (3/3"), out);
        assertTrue(!out.contains("WARNING: A restricted method"), "native access is granted by module name:\n" + out);
    }

    /** preprocess on the module path: the loader, Jackson and the progress bar as named modules too. */
    @Test
    void preprocessRunsOnTheModulePath(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
        Path images = dir.resolve("images");
        io.kiln.loader.SampleImages.ensure(images, 4, 3, 40);
        Path out = dir.resolve("out");
        String log = run(command("preprocess", "--in", images.toString(), "--out", out.toString(), "--batch", "2", "--device", "cpu",
                "--trace", dir.resolve("t.json").toString()), 0);
        assertTrue(log.contains("preprocess: 4 images written to " + out), log);
        assertTrue(!log.contains("WARNING: A restricted method"), "native access is granted by module name:\n" + log);
        assertTrue(Files.size(out.resolve("data.npy")) == 128 + 4L * 3 * 224 * 224 * 4, log);
        assertTrue(Files.isRegularFile(out.resolve("manifest.json")) && Files.isRegularFile(dir.resolve("t.json")), log);
    }

    @Test
    void backEndsAreFoundOnTheModulePath() throws Exception {
        String out = run(command("devices"), 0);
        assertTrue(out.contains(" cpu "), out);
        assertTrue(out.contains("cuda"), "the CUDA back end reports why it is unavailable:\n" + out);
    }
}
