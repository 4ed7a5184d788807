package io.kiln.conformance.fuzz;

import io.kiln.Device;
import io.kiln.Devices;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Differential fuzzing: random valid kernels from {@link KernelGenerator}, each run on every device
 * present and compared bit for bit with the same method run as plain Java.
 * <ul>
 *   <li>{@code -Dkiln.fuzz.seed=S} runs exactly the kernel of seed {@code S} (printed for each failure);</li>
 *   <li>{@code -Dkiln.fuzz.count=N} runs {@code N} kernels (default 60), {@code -Dkiln.fuzz.base=B} fixes
 *       the first seed of the run (printed; fresh per run otherwise);</li>
 *   <li>{@code -Dkiln.fuzz.seconds=T} stops starting new kernels after {@code T} seconds (default 30; a
 *       soak sets it high), so that CI stays fast on a slow machine;</li>
 *   <li>{@code -Dkiln.devices=cpu,opencl:0} as in the conformance suite.</li>
 * </ul>
 * A failing kernel's source is written to {@code target/fuzz-failures/}.
 */
class DifferentialFuzzTest {
    /** {@code -Dkiln.fuzz.verbose=true} prints each kernel's seed before it runs (to find one that hangs a device). */
    static final boolean VERBOSE = Boolean.getBoolean("kiln.fuzz.verbose");
    /** A device run longer than this is reported as a hang ({@code -Dkiln.fuzz.hangSeconds}). */
    static final int HANG_SECONDS = Integer.getInteger("kiln.fuzz.hangSeconds", 120);
    /** After {@code kiln.fuzz.seconds}, kernels still run on {@code cpu} (cheap) for at most this long. */
    static final double CPU_ONLY_SECONDS = Double.parseDouble(System.getProperty("kiln.fuzz.cpuOnlySeconds", "5"));

    static List<Device> devices() {
        List<Device> d = Devices.list();
        String only = System.getProperty("kiln.devices");
        if (only != null && !only.isBlank()) {
            List<String> ids = Arrays.stream(only.split(",")).map(String::trim).toList();
            d = d.stream().filter(x -> ids.contains(x.id())).toList();
        }
        if (d.isEmpty()) {
            String why = "no Kiln device is available (" + Devices.unavailable() + "): the fuzzer needs at least one";
            if ("true".equals(System.getenv("CI"))) Assertions.fail(why + " and CI=true, so this is a failure");
            Assumptions.abort(why + "; skipped (set CI=true to make this a failure)");
        }
        return d;
    }

    /** The base seed CI uses (see {@link #randomKernelsMatchJavaOnEveryDevice}). */
    static final long CI_BASE = 20261201L;

    /** The seed of kernel {@code k} of a run starting at {@code base}. */
    static long seedOf(long base, int k) {
        long h = base + k * 0x9E3779B97F4A7C15L;
        h ^= h >>> 31;
        h *= 0xBF58476D1CE4E5B9L;
        return h ^ (h >>> 29);
    }

    @Test
    void randomKernelsMatchJavaOnEveryDevice() {
        fuzz(false, "kiln.fuzz.seed", "kiln.fuzz.count", 60, "kiln.fuzz.seconds", 20);
    }

    /**
     * Work-group kernels ({@link KernelGenerator#generateGroup}: local memory and barriers) against
     * their threaded reference ({@link GroupContext}). {@code -Dkiln.fuzz.groupSeed}, {@code
     * -Dkiln.fuzz.groupCount} (default 30) and {@code -Dkiln.fuzz.groupSeconds} (default 10) play the
     * parts of the properties above; {@code kiln.fuzz.base} is shared (the seeds differ: the base is salted).
     */
    @Test
    void randomWorkGroupKernelsMatchTheirReferenceOnEveryDevice() {
        fuzz(true, "kiln.fuzz.groupSeed", "kiln.fuzz.groupCount", 30, "kiln.fuzz.groupSeconds", 10);
    }

    /** Salt of the work-group kernels' seeds, so that both tests of one base draw different kernels. */
    static final long GROUP_SALT = 0x243F6A8885A308D3L;

    private void fuzz(boolean groups, String seedProperty, String countProperty, int defaultCount, String secondsProperty,
                      double defaultSeconds) {
        List<Device> devices = devices();
        String kind = groups ? "work-group kernel" : "kernel";
        String one = System.getProperty(seedProperty);
        List<Long> seeds = new ArrayList<>();
        long base;
        if (one != null && !one.isBlank()) {
            base = Long.parseLong(one.trim());
            seeds.add(base);
            System.out.println("[kiln fuzz] one " + kind + ", seed " + base);
        } else {
            String b = System.getProperty("kiln.fuzz.base");
            // CI (CI=true) runs one fixed, known-good base so that a landing never depends on the draw: a
            // fresh base per run is for developers' machines and soaks, where a finding is a lead, not a
            // red build. Known open findings are listed in docs/fuzzing.md.
            base = b != null && !b.isBlank() ? Long.parseLong(b.trim())
                    : "true".equals(System.getenv("CI")) ? CI_BASE : new SecureRandom().nextLong();
            int count = Integer.getInteger(countProperty, defaultCount);
            for (int k = 0; k < count; k++) seeds.add(seedOf(groups ? base ^ GROUP_SALT : base, k));
            System.out.println("[kiln fuzz] " + count + " " + kind + "s from base seed " + base + " (reproduce the run with -Dkiln.fuzz.base="
                    + base + ", one " + kind + " with -D" + seedProperty + "=<seed>) on " + devices.stream().map(Device::id).toList());
        }
        long deadline = System.nanoTime() + (long) (Double.parseDouble(System.getProperty(secondsProperty, Double.toString(defaultSeconds))) * 1e9);
        long t0 = System.nanoTime();
        List<String> failures = new ArrayList<>();
        int ran = 0;
        long[] perDevice = new long[devices.size()];
        long compileNanos = 0;
        int batch = 10;
        int cpu = -1;
        for (int di = 0; di < devices.size(); di++) if (devices.get(di).id().equals("cpu")) cpu = di;
        boolean[] hung = new boolean[devices.size()];
        int[] runs = new int[devices.size()];
        int[] skipped = new int[devices.size()];
        List<ExecutorService> runners = new ArrayList<>();
        for (Device d : devices) {
            runners.add(Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "kiln-fuzz-" + d.id());
                t.setDaemon(true);
                return t;
            }));
        }
        outer:
        for (int from = 0; from < seeds.size(); from += batch) {
            long c0 = System.nanoTime();
            List<FuzzHarness.Compiled> kernels = FuzzHarness.compile(seeds.subList(from, Math.min(seeds.size(), from + batch)), groups);
            compileNanos += System.nanoTime() - c0;
            for (FuzzHarness.Compiled k : kernels) {
                if (System.nanoTime() > deadline && (cpu < 0 || System.nanoTime() > deadline + (long) (CPU_ONLY_SECONDS * 1e9)) && ran > 0) {
                    System.out.println("[kiln fuzz] time limit reached (-D" + secondsProperty + ") after " + ran + " " + kind + "s");
                    break outer;
                }
                Object[] args = FuzzHarness.inputs(k.seed(), groups);
                Object[] expected = FuzzHarness.copy(args);
                FuzzHarness.runJava(k, expected);
                for (int di = 0; di < devices.size(); di++) {
                    Device d = devices.get(di);
                    Object[] dev = FuzzHarness.copy(args);
                    long d0 = System.nanoTime();
                    if (VERBOSE) System.out.println("[kiln fuzz] " + kind + " seed " + k.seed() + " on " + d.id());
                    List<String> diffs;
                    if (hung[di]) continue;
                    if (di != cpu && System.nanoTime() > deadline) {
                        skipped[di]++;
                        continue;
                    }
                    Future<?> pending = runners.get(di).submit(() -> FuzzHarness.runOn(k, d, dev));
                    try {
                        pending.get(HANG_SECONDS, TimeUnit.SECONDS);
                        diffs = FuzzHarness.compare(expected, dev);
                    } catch (TimeoutException e) {
                        // a launched device kernel cannot be stopped: leave its thread, use the device no more
                        hung[di] = true;
                        diffs = List.of("did not finish within " + HANG_SECONDS + " s (-Dkiln.fuzz.hangSeconds); "
                                + d.id() + " is not used for the rest of this run");
                    } catch (ExecutionException e) {
                        diffs = List.of("failed: " + e.getCause());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        throw new AssertionError("interrupted", e);
                    }
                    runs[di]++;
                    perDevice[di] += System.nanoTime() - d0;
                    if (!diffs.isEmpty()) {
                        String f = kind + " seed " + k.seed() + " on " + d.id() + " (n=" + args[8] + (groups ? ", local size "
                                + KernelGenerator.groupShape(k.seed())[0] : "") + ", reproduce with -D" + seedProperty + "="
                                + k.seed() + ", source in " + save(k) + "):\n  " + String.join("\n  ", diffs);
                        System.out.println("[kiln fuzz] MISMATCH " + f);
                        failures.add(f);
                    }
                }
                ran++;
            }
        }
        StringBuilder timing = new StringBuilder();
        for (int di = 0; di < devices.size(); di++) {
            timing.append(", ").append(devices.get(di).id()).append(String.format(" %d kernels %.1f s", runs[di], perDevice[di] / 1e9));
        }
        System.out.printf("[kiln fuzz] %d %ss in %.1f s (javac %.1f s%s), %d mismatches%n", ran, kind, (System.nanoTime() - t0) / 1e9,
                compileNanos / 1e9, timing, failures.size());
        if (!failures.isEmpty()) {
            Assertions.fail(failures.size() + " of " + ran * devices.size() + " " + kind + " runs differ from "
                    + (groups ? "their reference" : "Java") + " (base seed " + base + "):\n"
                    + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        }
    }

    static Path save(FuzzHarness.Compiled k) {
        try {
            Path dir = Path.of("target", "fuzz-failures");
            Files.createDirectories(dir);
            Path p = dir.resolve(FuzzHarness.className(k.seed()) + ".java");
            Files.writeString(p, k.source());
            return p.toAbsolutePath();
        } catch (IOException e) {
            return Path.of("(not saved: " + e.getMessage() + ")");
        }
    }
}
