package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.Blas;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The matrix products through task graphs on every device Kiln finds (PoCL as {@code opencl:0}, the
 * PTX interpreter, {@code cpu}): the portable references {@link Gemm#sgemm}/{@link Gemm#dgemm} (in a
 * runtime with variants off) and, on {@code cpu}, the variant the engine chooses, each against the exact
 * reference with the bound of {@link Gemm}; {@link Blas#dgemm} bit for bit against plain Java.
 */
class GemmOnDevicesTest {
    /** m, n, k, transposes (bit 0: A, bit 1: B), padding of the leading dimensions. */
    private static final int[][] CASES = {{1, 1, 1, 0, 0}, {7, 13, 17, 1, 2}, {33, 5, 64, 2, 0}, {31, 37, 41, 3, 1},
            {17, 70, 19, 0, 3}, {66, 40, 129, 3, 0}};
    private static KilnRuntime reference;

    @BeforeAll
    static void referenceRuntime() {
        reference = KilnRuntime.create().useVariants(false);
    }

    @AfterAll
    static void close() {
        reference.close();
    }

    @TestFactory
    List<DynamicNode> productsOnEveryDevice() {
        List<DynamicNode> nodes = new ArrayList<>();
        nodes.add(DynamicTest.dynamicTest("an OpenCL device is present", () -> {
            if (Devices.list().stream().anyMatch(d -> d.backend() == Backend.OPENCL)) return;
            String why = "no OpenCL device, so the matrix products did not run on OpenCL: " + Devices.unavailable();
            if ("true".equals(System.getenv("CI"))) Assertions.fail(why + " (CI=true: .ci/run installs PoCL)");
            Assumptions.abort(why);
        }));
        for (Device d : Devices.list()) {
            List<DynamicNode> tests = new ArrayList<>();
            tests.add(DynamicTest.dynamicTest("Gemm.sgemm reference", () -> sgemm(reference, reference.device(d.id()), false)));
            tests.add(DynamicTest.dynamicTest("Gemm.dgemm reference", () -> dgemm(reference, reference.device(d.id()), false)));
            tests.add(DynamicTest.dynamicTest("Blas.dgemm bit for bit", () -> blasDgemm(d)));
            tests.add(DynamicTest.dynamicTest("Gemm.sgemm off-heap reference", () -> offHeap(reference, reference.device(d.id()), false)));
            if (d.backend() == Backend.CPU) {
                tests.add(DynamicTest.dynamicTest("Gemm.sgemm off-heap cpu variant", () -> offHeap(KilnRuntime.shared(), d, true)));
                tests.add(DynamicTest.dynamicTest("Gemm.sgemm cpu variant", () -> sgemm(KilnRuntime.shared(), d, true)));
                tests.add(DynamicTest.dynamicTest("Gemm.dgemm cpu variant", () -> dgemm(KilnRuntime.shared(), d, true)));
            }
            nodes.add(DynamicContainer.dynamicContainer(d.id(), tests));
        }
        return nodes;
    }

    private static boolean slow(Device d) {
        return d.id().startsWith("ptx-interpreter");
    }

    private static GemmCheck check(int index, long seed) {
        int[] c = CASES[index];
        double[][] alphaBeta = {{1, 0}, {-0.75, 0.5}, {2, 1}};
        double[] ab = alphaBeta[index % alphaBeta.length];
        return new GemmCheck(seed + index, (c[3] & 1) != 0, (c[3] & 2) != 0, c[0], c[1], c[2], c[4], ab[0], ab[1]);
    }

    private static void checkImplementation(RunResult r, Device d, boolean variant, String name) {
        RunResult.TaskRun t = r.task("gemm");
        assertEquals(d.id(), t.device().id(), "ran elsewhere: " + t.fallbackReason());
        if (variant) {
            assertEquals("CpuGemm." + name + " (Java variant)", t.implementation());
        } else {
            assertEquals("Gemm." + name, t.implementation());
            assertFalse(t.ranVariant());
        }
    }

    private static void sgemm(KilnRuntime runtime, Device d, boolean variant) {
        long seed = 7_001;
        System.out.println("[gemm] sgemm on " + d.id() + " variant=" + variant + " seed " + seed);
        for (int i = 0; i < CASES.length; i++) {
            if (slow(d) && i >= 4) continue;
            GemmCheck g = check(i, seed);
            float[] a = GemmCheck.floats(g.a), b = GemmCheck.floats(g.b), c = GemmCheck.floats(g.c0);
            try (ExecutionPlan plan = new TaskGraph("sgemm")
                    .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                    .task("gemm", Gemm::sgemm, g.transA, g.transB, g.m, g.n, g.k, (float) g.alpha, a, g.lda, b, g.ldb, (float) g.beta, c, g.ldc)
                    .transferToHost(Transfer.EVERY_RUN, c)
                    .plan(runtime, d)) {
                checkImplementation(plan.run(), d, variant, "sgemm");
            }
            g.check(GemmCheck.doubles(c), 0x1p-24, "sgemm on " + d.id());
        }
    }

    private static void offHeap(KilnRuntime runtime, Device d, boolean variant) {
        long seed = 7_003;
        System.out.println("[gemm] off-heap sgemm on " + d.id() + " variant=" + variant + " seed " + seed);
        for (int i = 0; i < CASES.length; i++) {
            if (slow(d) && i >= 3) continue;
            GemmCheck g = check(i, seed);
            try (FloatArray a = GemmCheck.offHeap(g.a); FloatArray b = GemmCheck.offHeap(g.b); FloatArray c = GemmCheck.offHeap(g.c0);
                 ExecutionPlan plan = new TaskGraph("sgemm-offheap")
                         .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                         .task("gemm", Gemm::sgemm, g.transA, g.transB, g.m, g.n, g.k, (float) g.alpha, a, g.lda, b, g.ldb, (float) g.beta, c, g.ldc)
                         .transferToHost(Transfer.EVERY_RUN, c)
                         .plan(runtime, d)) {
                checkImplementation(plan.run(), d, variant, "sgemm");
                g.check(GemmCheck.doubles(c), 0x1p-24, "off-heap sgemm on " + d.id());
            }
        }
    }

    private static void dgemm(KilnRuntime runtime, Device d, boolean variant) {
        long seed = 7_002;
        System.out.println("[gemm] dgemm on " + d.id() + " variant=" + variant + " seed " + seed);
        for (int i = 0; i < CASES.length; i++) {
            if (slow(d) && i >= 4) continue;
            GemmCheck g = check(i, seed);
            double[] c = g.c0.clone();
            try (ExecutionPlan plan = new TaskGraph("dgemm")
                    .transferToDevice(Transfer.EVERY_RUN, g.a, g.b, c)
                    .task("gemm", Gemm::dgemm, g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, c, g.ldc)
                    .transferToHost(Transfer.EVERY_RUN, c)
                    .plan(runtime, d)) {
                checkImplementation(plan.run(), d, variant, "dgemm");
            }
            g.check(c, 0x1p-53, "dgemm on " + d.id());
        }
    }

    private static void blasDgemm(Device d) {
        for (int[] s : new int[][] {{1, 1, 1}, {7, 13, 17}, {40, 33, 65}}) {
            int m = s[0], n = s[1], k = s[2];
            GemmCheck g = new GemmCheck(m * 31L + n, false, false, m, n, k, 0, 1, 0);
            double[] c = new double[m * n];
            double[] expected = new double[m * n];
            Blas.dgemm(m, n, k, g.a, g.b, expected);
            try (ExecutionPlan plan = new TaskGraph("blas-dgemm")
                    .transferToDevice(Transfer.EVERY_RUN, g.a, g.b)
                    .task("gemm", Blas::dgemm, m, n, k, g.a, g.b, c)
                    .transferToHost(Transfer.EVERY_RUN, c)
                    .plan(d)) {
                assertTrue(plan.run().task("gemm").implementation().startsWith("Blas.dgemm"));
            }
            for (int i = 0; i < c.length; i++) {
                assertEquals(Double.doubleToRawLongBits(expected[i]), Double.doubleToRawLongBits(c[i]),
                        "Blas.dgemm " + m + "x" + n + "x" + k + " on " + d.id() + " element " + i + ": " + c[i] + " vs plain Java " + expected[i]);
            }
        }
    }
}
