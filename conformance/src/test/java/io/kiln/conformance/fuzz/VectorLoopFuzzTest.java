package io.kiln.conformance.fuzz;

import io.kiln.Device;
import io.kiln.KernelCompiler;
import io.kiln.Target;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Differential fuzzing of the {@code cpu} back end's vector loops: random kernels from {@link
 * VectorKernelGenerator} (shapes that vectorise), run with {@code -Dkiln.cpu.vectorize=all} on every
 * device present, each compared bit for bit with the same method run as plain Java. The {@code cpu}
 * device runs each kernel twice, so that both its first launch (warm-up chunks cut to take every path of
 * the vector loop) and a later one (whole chunks) are compared; every device then runs it once more with
 * its arrays off-heap ({@code IntArray} for {@code int[]} and so on, through the back end's SPI), where
 * the cpu back end vectorises by default and loads and stores through {@code MemorySegment}s.
 * <ul>
 *   <li>{@code -Dkiln.fuzz.vectorSeed=S} runs exactly the kernel of seed {@code S};</li>
 *   <li>{@code -Dkiln.fuzz.vectorCount=N} (default 40) and {@code -Dkiln.fuzz.vectorSeconds=T} (default
 *       10) bound the run; {@code -Dkiln.fuzz.base=B} fixes the base seed (salted, so the kernels differ
 *       from {@link DifferentialFuzzTest}'s); CI uses {@link DifferentialFuzzTest#CI_BASE}.</li>
 * </ul>
 * Without {@code jdk.incubator.vector} the kernels still run (scalar) and the test says so; with it,
 * most kernels must get a vector loop (the listing's {@code // vector loop:} line), or the generator no
 * longer tests what it is for.
 */
class VectorLoopFuzzTest {
    static final long SALT = 0x13198A2E03707344L;
    private static final String PROPERTY = "kiln.cpu.vectorize";

    @Test
    void randomVectorisableKernelsMatchJavaOnEveryDevice() {
        List<Device> devices = DifferentialFuzzTest.devices();
        String one = System.getProperty("kiln.fuzz.vectorSeed");
        List<Long> seeds = new ArrayList<>();
        long base;
        if (one != null && !one.isBlank()) {
            base = Long.parseLong(one.trim());
            seeds.add(base);
        } else {
            String b = System.getProperty("kiln.fuzz.base");
            base = b != null && !b.isBlank() ? Long.parseLong(b.trim())
                    : "true".equals(System.getenv("CI")) ? DifferentialFuzzTest.CI_BASE : new SecureRandom().nextLong();
            int count = Integer.getInteger("kiln.fuzz.vectorCount", 40);
            for (int k = 0; k < count; k++) seeds.add(DifferentialFuzzTest.seedOf(base ^ SALT, k));
        }
        boolean vectorApi = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();
        System.out.println("[kiln fuzz] " + seeds.size() + " vector-loop kernels from base seed " + base + " (reproduce with -Dkiln.fuzz.base="
                + base + ", one kernel with -Dkiln.fuzz.vectorSeed=<seed>) on " + devices.stream().map(Device::id).toList()
                + (vectorApi ? "" : "; jdk.incubator.vector is not resolved, so cpu runs them scalar (add --add-modules jdk.incubator.vector)"));
        long deadline = System.nanoTime() + (long) (Double.parseDouble(System.getProperty("kiln.fuzz.vectorSeconds", "10")) * 1e9);
        String saved = System.getProperty(PROPERTY);
        System.setProperty(PROPERTY, "all");
        List<String> failures = new ArrayList<>();
        int ran = 0, vectorised = 0, offHeapVectorised = 0, hoisted = 0;
        List<String> scalarReasons = new ArrayList<>();
        try {
            outer:
            for (int from = 0; from < seeds.size(); from += 10) {
                List<FuzzHarness.Compiled> kernels = FuzzHarness.compile(seeds.subList(from, Math.min(seeds.size(), from + 10)),
                        (s, name) -> VectorKernelGenerator.generate(s, FuzzHarness.PACKAGE, name));
                for (FuzzHarness.Compiled k : kernels) {
                    if (System.nanoTime() > deadline && ran > 0) {
                        System.out.println("[kiln fuzz] time limit reached (-Dkiln.fuzz.vectorSeconds) after " + ran + " kernels");
                        break outer;
                    }
                    String listing = KernelCompiler.emit(k.owner(), "kernel", Target.JVM);
                    if (listing.contains("// vector loop:")) {
                        vectorised++;
                        if (listing.contains("after a store tested at the iteration's start")) hoisted++;
                    } else {
                        int at = listing.indexOf("// no vector loop: ");
                        if (at >= 0) scalarReasons.add(k.seed() + ": " + listing.substring(at + 19, listing.indexOf('\n', at)));
                    }
                    int n = VectorKernelGenerator.items(k.seed());
                    Object[] args = FuzzHarness.inputs(new Random(k.seed() ^ 0x5DEECE66DL), n, 4 * n + 8);
                    Object[] expected = FuzzHarness.copy(args);
                    FuzzHarness.runJava(k, expected);
                    for (Device d : devices) {
                        // cpu: twice on Java arrays (warm-up chunks, then whole ones); every device: once off-heap
                        int heapRuns = d.id().equals("cpu") ? 2 : 1;
                        for (int run = 0; run <= heapRuns; run++) {
                            Object[] dev = FuzzHarness.copy(args);
                            List<String> diffs;
                            try {
                                if (run < heapRuns) {
                                    FuzzHarness.runOn(k, d, dev);
                                } else {
                                    String source = FuzzHarness.runOffHeapOn(k, d, dev);
                                    if (d.id().equals("cpu") && source.contains("// vector loop:")) offHeapVectorised++;
                                }
                                diffs = FuzzHarness.compare(expected, dev);
                            } catch (RuntimeException | AssertionError e) {
                                diffs = List.of("failed: " + e);
                            }
                            if (!diffs.isEmpty()) {
                                String f = "vector-loop kernel seed " + k.seed() + " on " + d.id() + (run < heapRuns ? " run " + (run + 1)
                                        : " with off-heap arrays") + " (n=" + n
                                        + ", reproduce with -Dkiln.fuzz.vectorSeed=" + k.seed() + ", source in " + DifferentialFuzzTest.save(k)
                                        + "):\n  " + String.join("\n  ", diffs);
                                System.out.println("[kiln fuzz] MISMATCH " + f);
                                failures.add(f);
                            }
                        }
                    }
                    ran++;
                }
            }
        } finally {
            if (saved == null) System.clearProperty(PROPERTY);
            else System.setProperty(PROPERTY, saved);
        }
        System.out.println("[kiln fuzz] " + ran + " vector-loop kernels, " + vectorised + " with a vector loop (" + offHeapVectorised
                + " off-heap, " + hoisted + " with checks after a store), " + failures.size() + " mismatches"
                + (scalarReasons.isEmpty() ? "" : "; scalar: " + scalarReasons.subList(0, Math.min(8, scalarReasons.size()))));
        if (!failures.isEmpty()) {
            Assertions.fail(failures.size() + " vector-loop kernel runs differ from Java (base seed " + base + "):\n"
                    + String.join("\n", failures.subList(0, Math.min(10, failures.size()))));
        }
        if (vectorApi && devices.stream().anyMatch(d -> d.id().equals("cpu")) && ran >= 10) {
            Assertions.assertTrue(vectorised * 2 >= ran, "only " + vectorised + " of " + ran + " generated kernels got a vector loop"
                    + " (VectorKernelGenerator should draw shapes that vectorise); why not: " + scalarReasons);
        }
    }
}
