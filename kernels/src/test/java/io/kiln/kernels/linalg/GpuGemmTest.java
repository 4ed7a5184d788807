package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelCompiler;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Target;
import io.kiln.Transfer;
import io.kiln.ptx.Ptxas;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The tiled OpenCL/CUDA variants {@link GpuGemm} on every such device Kiln finds (PoCL as
 * {@code opencl:0}, the PTX interpreter): chosen by the engine for {@link Gemm#sgemm}/{@link Gemm#dgemm}
 * with their own grid, recorded in {@code RunResult}, bit for bit the reference on the same device (run in a
 * runtime with variants off) and within {@link Gemm}'s float64 bound. Shapes: 1, primes, non-multiples of
 * the 64-wide tile and 16-deep slice, more than one work-group in each direction, both transposes,
 * padded leading dimensions, alpha/beta pairs including alpha = 0 and beta = 0 over NaN.
 */
class GpuGemmTest {
    /** m, n, k, transposes (bit 0: A, bit 1: B), padding of the leading dimensions, alpha, beta. */
    private static final double[][] CASES = {
            {1, 1, 1, 0, 0, 1, 0}, {7, 13, 17, 1, 2, -0.75, 0.5}, {31, 37, 41, 3, 1, 2, 1}, {65, 3, 16, 2, 0, 1, 0},
            {2, 67, 33, 0, 5, 1.5, -1}, {129, 70, 19, 3, 0, 1, 0.25}, {64, 64, 64, 1, 0, 1, 0}, {3, 5, 0, 0, 1, 1, 0.5},
            {9, 11, 13, 2, 0, 0, 2}};
    /** The cases the (slow) PTX interpreter runs: everything up to two work-groups. */
    private static final int INTERPRETER_CASES = 5;

    @TestFactory
    List<DynamicNode> tiledVariantsOnEveryGpuBackend() {
        List<DynamicNode> nodes = new ArrayList<>();
        nodes.add(DynamicTest.dynamicTest("an OpenCL device is present", () -> {
            if (Devices.list().stream().anyMatch(d -> d.backend() == Backend.OPENCL)) return;
            String why = "no OpenCL device, so the tiled gemm did not run on OpenCL: " + Devices.unavailable();
            if ("true".equals(System.getenv("CI"))) Assertions.fail(why + " (CI=true: .ci/run installs PoCL)");
            Assumptions.abort(why);
        }));
        for (Device d : Devices.list()) {
            if (d.backend() == Backend.CPU) continue;
            nodes.add(DynamicContainer.dynamicContainer(d.id(), List.of(
                    DynamicTest.dynamicTest("GpuGemm.sgemm against the reference and float64", () -> sgemm(d)),
                    DynamicTest.dynamicTest("GpuGemm.dgemm against the reference and float64", () -> dgemm(d)))));
        }
        return nodes;
    }

    private static boolean slow(Device d) {
        return d.id().startsWith("ptx-interpreter");
    }

    private static GemmCheck check(int index, long seed) {
        double[] c = CASES[index];
        return new GemmCheck(seed + index, ((int) c[3] & 1) != 0, ((int) c[3] & 2) != 0, (int) c[0], (int) c[1], (int) c[2], (int) c[4],
                c[5], c[6]);
    }

    private static RunResult.TaskRun runSgemm(KilnRuntime runtime, Device d, GemmCheck g, float[] a, float[] b, float[] c) {
        try (ExecutionPlan plan = new TaskGraph("sgemm")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                .task("gemm", Gemm::sgemm, g.transA, g.transB, g.m, g.n, g.k, (float) g.alpha, a, g.lda, b, g.ldb, (float) g.beta, c, g.ldc)
                .transferToHost(Transfer.EVERY_RUN, c)
                .plan(runtime, runtime.device(d.id()))) {
            RunResult.TaskRun t = plan.run().task("gemm");
            assertEquals(d.id(), t.device().id(), "ran elsewhere: " + t.fallbackReason());
            return t;
        }
    }

    private static void sgemm(Device d) {
        long seed = 11_001;
        System.out.println("[gpu-gemm] sgemm on " + d.id() + " seed " + seed);
        double worst = 0;
        for (int i = 0; i < CASES.length; i++) {
            if (slow(d) && i >= INTERPRETER_CASES) continue;
            GemmCheck g = check(i, seed);
            float[] a = GemmCheck.floats(g.a), b = GemmCheck.floats(g.b), c = GemmCheck.floats(g.c0), ref = c.clone();
            if (g.beta == 0) {
                // beta == 0 must not read C: NaN there must not reach the result
                java.util.Arrays.fill(c, 0, g.n, Float.NaN);
                java.util.Arrays.fill(ref, 0, g.n, Float.NaN);
            }
            RunResult.TaskRun run = runSgemm(KilnRuntime.shared(), d, g, a, b, c);
            assertEquals("GpuGemm.sgemm (variant)", run.implementation(), d.id());
            assertTrue(run.ranVariant());
            RunResult.TaskRun refRun = runSgemm(OnDevices.reference(), d, g, a, b, ref);
            assertEquals("Gemm.sgemm", refRun.implementation());
            for (int e = 0; e < c.length; e++) {
                if (Float.floatToRawIntBits(c[e]) != Float.floatToRawIntBits(ref[e])) {
                    Assertions.fail("sgemm " + g + " on " + d.id() + ": element " + e + " is " + c[e] + ", the reference " + ref[e]);
                }
            }
            g.check(GemmCheck.doubles(c), 0x1p-24, "tiled sgemm on " + d.id());
            worst = Math.max(worst, g.worst);
        }
        System.out.printf("[gpu-gemm] sgemm on %s: worst error %.2f units of 2^-24 (|A||B| + |C|)%n", d.id(), worst);
    }

    private static void dgemm(Device d) {
        long seed = 11_002;
        System.out.println("[gpu-gemm] dgemm on " + d.id() + " seed " + seed);
        for (int i = 0; i < CASES.length; i++) {
            if (slow(d) && i >= INTERPRETER_CASES - 1) continue;
            GemmCheck g = check(i, seed);
            double[] c = g.c0.clone(), ref = g.c0.clone();
            RunResult.TaskRun[] runs = new RunResult.TaskRun[2];
            for (int r = 0; r < 2; r++) {
                KilnRuntime runtime = r == 0 ? KilnRuntime.shared() : OnDevices.reference();
                double[] out = r == 0 ? c : ref;
                try (ExecutionPlan plan = new TaskGraph("dgemm")
                        .transferToDevice(Transfer.EVERY_RUN, g.a, g.b, out)
                        .task("gemm", Gemm::dgemm, g.transA, g.transB, g.m, g.n, g.k, g.alpha, g.a, g.lda, g.b, g.ldb, g.beta, out, g.ldc)
                        .transferToHost(Transfer.EVERY_RUN, out)
                        .plan(runtime, runtime.device(d.id()))) {
                    runs[r] = plan.run().task("gemm");
                }
            }
            assertEquals("GpuGemm.dgemm (variant)", runs[0].implementation(), d.id());
            assertEquals("Gemm.dgemm", runs[1].implementation(), d.id());
            for (int e = 0; e < c.length; e++) {
                assertEquals(Double.doubleToRawLongBits(ref[e]), Double.doubleToRawLongBits(c[e]),
                        "dgemm " + g + " on " + d.id() + ": element " + e + " is " + c[e] + ", the reference " + ref[e]);
            }
            g.check(c, 0x1p-53, "tiled dgemm on " + d.id());
        }
    }

    @Test
    void theGridCoversCInWholeWorkGroups() {
        for (int[] s : new int[][] {{1, 1}, {64, 64}, {65, 1}, {1, 129}, {200, 300}, {0, 5}}) {
            Grid g = GpuGemm.sgemmGrid(false, false, s[0], s[1], 1, 1f, null, 1, null, 1, 0f, null, 1);
            long groupsX = (s[1] + 63) / 64, groupsY = (s[0] + 63) / 64;
            assertEquals(Grid.of(groupsX * 16, groupsY * 16).local(16, 16), g, s[0] + " x " + s[1]);
            assertTrue(g.global(0) * GpuGemm.BLOCK >= s[1] && g.global(1) * GpuGemm.BLOCK >= s[0], "covers C");
        }
    }

    @Test
    void thePtxAssemblesWithPtxas() {
        Assumptions.assumeTrue(Ptxas.available(), Ptxas.absentReason());
        for (String method : new String[] {"sgemm", "dgemm"}) {
            String ptx = KernelCompiler.emit(GpuGemm.class, method, Target.PTX);
            Ptxas.Outcome o = Ptxas.assemble(ptx);
            assertTrue(o.clean(), "ptxas on GpuGemm." + method + ": exit " + o.exitCode() + "\n" + o.output());
        }
    }
}
