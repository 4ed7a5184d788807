package io.kiln.ptx;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Runs NVIDIA's {@code ptxas} on generated PTX, where the CUDA toolkit is installed, to check that
 * the PTX is valid without a GPU. Kiln itself never needs {@code ptxas}: the driver JIT-compiles
 * PTX at run time. This is a development and test aid.
 */
public final class PtxAssembler {
    private PtxAssembler() {
    }

    /** The outcome of one assembly: the exit status and everything ptxas printed. */
    public record Result(int exitCode, String output) {
        /** Whether ptxas accepted the PTX without a warning. */
        public boolean clean() {
            return exitCode == 0 && output.isBlank();
        }
    }

    /** The {@code ptxas} executable on the PATH, or {@code null} when there is none. */
    public static Path find() {
        String path = System.getenv("PATH");
        if (path == null) return null;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            Path p = Path.of(dir, "ptxas");
            if (Files.isExecutable(p)) return p;
        }
        return null;
    }

    /**
     * Assembles {@code ptx} for {@code arch} ({@code sm_75}, ...), discarding the output.
     *
     * @throws IllegalStateException if ptxas is not on the PATH or cannot be run
     */
    public static Result assemble(String ptx, String arch) {
        Path ptxas = find();
        if (ptxas == null) throw new IllegalStateException("ptxas is not on the PATH; install the CUDA toolkit to check PTX offline");
        Path file = null;
        try {
            file = Files.createTempFile("kiln", ".ptx");
            Files.writeString(file, ptx);
            Process p = new ProcessBuilder(ptxas.toString(), "-arch=" + arch, file.toString(), "-o", "/dev/null")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("ptxas did not finish within 120 s");
            }
            return new Result(p.exitValue(), out.replace(file.toString(), "<kernel>.ptx"));
        } catch (IOException e) {
            throw new IllegalStateException("running ptxas failed: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running ptxas", e);
        } finally {
            if (file != null) {
                try {
                    Files.deleteIfExists(file);
                } catch (IOException ignored) {
                    // a leftover temporary file is harmless
                }
            }
        }
    }
}
