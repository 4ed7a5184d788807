package io.kiln.passes;

import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.IrPrinter;
import io.kiln.ir.KernelIR;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link RangeCheckElimination#assuming(KernelIR, long[])}: with the launch's work-group size known, the
 * local-tile indices of tiled kernels ({@code tile[ly * TILE + lx]}, {@code t[p * TILE + lx]} under
 * {@code p < Math.min(TILE, ...)}) are proven and lose their checks; with another size, or none, they keep
 * them; and a plan launched with the size runs the faster kernel and still computes Java's result, while a
 * real violation in the same kernel is still reported.
 */
class LocalSizeFactsTest {
    static final int TILE = 16;

    /** Kiln's Blas.sgemmTiled, copied so that the engine's tests do not depend on the kernels module. */
    public static void sgemmTiled(KernelContext ctx, int m, int n, int k, float[] a, float[] b, float[] c) {
        float[] ta = ctx.localFloats(TILE * TILE);
        float[] tb = ctx.localFloats(TILE * TILE);
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        int col = ctx.groupIdx() * TILE + lx;
        int row = ctx.groupIdy() * TILE + ly;
        float sum = 0f;
        for (int t = 0; t < k; t += TILE) {
            int ac = t + lx;
            int br = t + ly;
            ta[ly * TILE + lx] = row < m && ac < k ? a[row * k + ac] : 0f;
            tb[ly * TILE + lx] = br < k && col < n ? b[br * n + col] : 0f;
            ctx.barrier();
            int steps = Math.min(TILE, k - t);
            for (int p = 0; p < steps; p++) {
                sum += ta[ly * TILE + p] * tb[p * TILE + lx];
            }
            ctx.barrier();
        }
        if (row < m && col < n) {
            c[row * n + col] = sum;
        }
    }

    /** Kiln's Transpose.tiled (a padded tile). */
    public static void transpose(KernelContext ctx, float[] in, float[] out, int rows, int cols) {
        float[] tile = ctx.localFloats(TILE * (TILE + 1));
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        int c = ctx.groupIdx() * TILE + lx;
        int r = ctx.groupIdy() * TILE + ly;
        if (r < rows && c < cols) {
            tile[ly * (TILE + 1) + lx] = in[r * cols + c];
        }
        ctx.barrier();
        int oc = ctx.groupIdy() * TILE + lx;
        int or = ctx.groupIdx() * TILE + ly;
        if (or < cols && oc < rows) {
            out[or * rows + oc] = tile[lx * (TILE + 1) + ly];
        }
    }

    /** A tile index one too far: {@code tile[ly * TILE + lx + 1]} leaves a TILE x TILE tile at the last item. */
    public static void oneTooFar(KernelContext ctx, float[] out) {
        float[] tile = ctx.localFloats(TILE * TILE);
        int lx = ctx.localIdx();
        int ly = ctx.localIdy();
        tile[ly * TILE + lx] = lx;
        ctx.barrier();
        out[ctx.globalIdy() * ctx.globalSizeX() + ctx.globalIdx()] = tile[ly * TILE + lx + 1];
    }

    static KernelIR ir(String name) {
        Method m = Arrays.stream(LocalSizeFactsTest.class.getDeclaredMethods()).filter(x -> x.getName().equals(name)).findFirst().orElseThrow();
        return FrontEnd.compile(m);
    }

    static String localChecks(KernelIR ir) {
        StringBuilder sb = new StringBuilder();
        for (String line : IrPrinter.print(ir).split("\n")) {
            if (line.contains("check @ta[") || line.contains("check @tb[") || line.contains("check @tile[")) sb.append(line.trim()).append('\n');
        }
        return sb.toString();
    }

    @Test
    void aKnownGroupSizeProvesTheTileIndices() {
        for (String k : new String[] {"sgemmTiled", "transpose"}) {
            KernelIR ir = ir(k);
            assertFalse(localChecks(ir).isEmpty(), k + ": without the group size the tile indices are checked");
            RangeCheckElimination.Assumed a = RangeCheckElimination.assuming(ir, new long[] {TILE, TILE});
            assertTrue(a != null && localChecks(a.ir()).isEmpty(), k + ": every tile index is proven:\n" + (a == null ? "" : IrPrinter.print(a.ir())));
            // the same proof does not hold for a larger group: ly * 16 + lx reaches 16 * 16 + 15
            RangeCheckElimination.Assumed wide = RangeCheckElimination.assuming(ir, new long[] {TILE, TILE + 1});
            assertFalse(wide != null && localChecks(wide.ir()).isEmpty(), k + ": a 16 x 17 group keeps checks");
            RangeCheckElimination.Assumed none = RangeCheckElimination.assuming(ir, null);
            assertFalse(none != null && localChecks(none.ir()).isEmpty(), k + ": an unknown group keeps them");
        }
        // with the group size, the transpose's global accesses go too, under rows * cols <= length facts
        RangeCheckElimination.Assumed t = RangeCheckElimination.assuming(ir("transpose"), new long[] {TILE, TILE});
        assertEquals(0, RangeCheckElimination.checks(t.ir()), IrPrinter.print(t.ir()));
        assertEquals(java.util.List.of(new RangeCheckElimination.ProductFact(3, 4, 1), new RangeCheckElimination.ProductFact(4, 3, 2)),
                t.facts());
        RangeCheckElimination.Assumed far = RangeCheckElimination.assuming(ir("oneTooFar"), new long[] {TILE, TILE});
        String left = far == null ? localChecks(ir("oneTooFar")) : localChecks(far.ir());
        assertEquals(1, left.lines().count(), "tile[ly * TILE + lx + 1] keeps its check, the store is proven:\n" + left);
    }

    @Test
    void plansRunTheFasterKernelAndStillComputeJavasResult() {
        Assumptions.assumeTrue(Devices.list().stream().anyMatch(d -> d.id().equals("opencl:0")),
                () -> "no OpenCL device: " + Devices.unavailable() + " (CI installs PoCL)");
        long seed = 0x4C4F43414CL;
        System.out.println("LocalSizeFactsTest seed=" + seed);
        Random r = new Random(seed);
        int m = 37, n = 45, k = 29;
        float[] a = new float[m * k], b = new float[k * n];
        for (int i = 0; i < a.length; i++) a[i] = (float) r.nextGaussian();
        for (int i = 0; i < b.length; i++) b[i] = (float) r.nextGaussian();
        a[3] = Float.NaN;
        b[5] = -0f;
        float[] expected = new float[m * n];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0f;
                for (int p = 0; p < k; p++) s += a[i * k + p] * b[p * n + j];
                expected[i * n + j] = s;
            }
        }
        float[] c = new float[m * n];
        Grid grid = Grid.of(((n + TILE - 1) / TILE) * TILE, ((m + TILE - 1) / TILE) * TILE).local(TILE, TILE);
        TaskGraph g = new TaskGraph("sgemm").transferToDevice(Transfer.EVERY_RUN, a, b, c)
                .task("t", LocalSizeFactsTest::sgemmTiled, new KernelContext(), m, n, k, a, b, c).transferToHost(Transfer.EVERY_RUN, c);
        try (ExecutionPlan plan = g.plan(Devices.get("opencl:0"))) {
            plan.withGrid("t", grid).run();
        }
        for (int i = 0; i < expected.length; i++) {
            assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(c[i]), "c[" + i + "]");
        }
        float[] in = new float[m * n], out = new float[m * n], want = new float[m * n];
        for (int i = 0; i < in.length; i++) in[i] = r.nextFloat();
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) want[j * m + i] = in[i * n + j];
        }
        TaskGraph t = new TaskGraph("transpose").transferToDevice(Transfer.EVERY_RUN, in, out)
                .task("t", LocalSizeFactsTest::transpose, new KernelContext(), in, out, m, n).transferToHost(Transfer.EVERY_RUN, out);
        try (ExecutionPlan plan = t.plan(Devices.get("opencl:0"))) {
            plan.withGrid("t", grid).run();
        }
        assertArrayEquals(want, out);
        // rows * cols <= length(in) is the host fact of the transpose's global accesses: break it and the
        // checked build runs, and reports the first access past the array
        float[] shortIn = new float[m * n - 1];
        TaskGraph t2 = new TaskGraph("transpose-short").transferToDevice(Transfer.EVERY_RUN, shortIn, out)
                .task("t", LocalSizeFactsTest::transpose, new KernelContext(), shortIn, out, m, n);
        try (ExecutionPlan plan = t2.plan(Devices.get("opencl:0"))) {
            plan.withGrid("t", grid);
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertEquals("in", e.arrayName());
            assertEquals(m * n - 1, e.index());
        }
        // a real violation under the same group size is still reported, with Java's line
        float[] o = new float[TILE * TILE];
        TaskGraph bad = new TaskGraph("far").transferToDevice(Transfer.EVERY_RUN, o).task("t", LocalSizeFactsTest::oneTooFar, new KernelContext(), o);
        try (ExecutionPlan plan = bad.plan(Devices.get("opencl:0"))) {
            plan.withGrid("t", Grid.of(TILE, TILE).local(TILE, TILE));
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, plan::run);
            assertEquals(TILE * TILE, e.index());
            assertEquals("tile", e.arrayName());
        }
    }
}
