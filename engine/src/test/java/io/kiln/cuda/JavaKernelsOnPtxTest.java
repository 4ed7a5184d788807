package io.kiln.cuda;

import io.kiln.KernelContext;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ptx.PtxAssembler;
import io.kiln.ptx.PtxEmitter;
import io.kiln.testing.RandomArrays;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * End to end without a GPU: Java kernel -> front end -> PTX -> ptxas (validity) and the PTX
 * interpreter (meaning), compared bit for bit with the same method run on the JVM.
 */
class JavaKernelsOnPtxTest {

    /** A kernel, how to make its arguments, and the grid for work-item kernels. */
    record Case(String method, Function<Random, Object[]> args, long[] grid, long[] local) {
        Case(String method, Function<Random, Object[]> args, long[] grid) {
            this(method, args, grid, null);
        }
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        c.add(new Case("intArith", r -> new Object[] {RandomArrays.ints(r, 300), RandomArrays.nonZero(RandomArrays.shuffle(r, RandomArrays.ints(r, 300))), new int[3600]}, null));
        c.add(new Case("longArith", r -> new Object[] {RandomArrays.longs(r, 300), RandomArrays.nonZero(RandomArrays.shuffle(r, RandomArrays.longs(r, 300))), new long[3600]}, null));
        c.add(new Case("floatArith", r -> new Object[] {RandomArrays.floats(r, 400), RandomArrays.shuffle(r, RandomArrays.floats(r, 400)), RandomArrays.floats(r, 400),
                new float[3200], new int[400]}, null));
        c.add(new Case("doubleArith", r -> new Object[] {RandomArrays.doubles(r, 400), RandomArrays.shuffle(r, RandomArrays.doubles(r, 400)), RandomArrays.doubles(r, 400),
                new double[3200], new int[400]}, null));
        c.add(new Case("conversions", r -> new Object[] {RandomArrays.floats(r, 300), RandomArrays.doubles(r, 300), new int[2400], new long[1200]}, null));
        c.add(new Case("narrow", r -> {
            int n = 300;
            byte[] b = new byte[n];
            short[] s = new short[n];
            int[] src = RandomArrays.ints(r, 2 * n);
            for (int i = 0; i < n; i++) {
                b[i] = (byte) src[i];
                s[i] = (short) src[n + i];
            }
            return new Object[] {b, s, new int[n]};
        }, null));
        c.add(new Case("scalars", r -> new Object[] {true, (byte) -7, (short) 300, 'x', -5, 1L << 40, 0.1f, 1e-3, new double[50]}, null));
        c.add(new Case("control", r -> new Object[] {RandomArrays.ints(r, 200), new int[200]}, null));
        c.add(new Case("tables", r -> new Object[] {RandomArrays.floats(r, 100), new double[100]}, null));
        c.add(new Case("matmul", r -> new Object[] {7, RandomArrays.floats(r, 49), RandomArrays.floats(r, 49), new float[49]}, null));
        c.add(new Case("dataDependentBound", r -> {
            int[] x = new int[1200];
            x[0] = 1100;
            return new Object[] {x};
        }, null));
        c.add(new Case("workItem2d", r -> new Object[] {new KernelContext(), 13, new int[13 * 5]}, new long[] {13, 5}));
        c.add(new Case("single", r -> new Object[] {RandomArrays.longs(r, 40)}, null));
        c.add(new Case("exactMath", r -> new Object[] {RandomArrays.floats(r, 200), RandomArrays.doubles(r, 200), new float[800], new double[1200],
                new int[400]}, null));
        c.add(new Case("atomics", r -> {
            float[] x = RandomArrays.floats(r, 300);
            float[] fmin = {Float.POSITIVE_INFINITY, Float.POSITIVE_INFINITY};
            float[] fmax = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
            return new Object[] {new KernelContext(), x, new int[9], fmin, fmax, new long[1]};
        }, new long[] {300}));
        c.add(new Case("localTile", r -> new Object[] {new KernelContext(), RandomArrays.ints(r, 256)}, new long[] {256}, new long[] {64}));
        c.add(new Case("sumInts", r -> new Object[] {RandomArrays.ints(r, 1000), new int[] {7}}, null));
        c.add(new Case("sumWholeFloats", r -> new Object[] {smallFloats(r, 3000), new float[] {0.5f}}, null));
        c.add(new Case("minFloat", r -> new Object[] {smallFloats(r, 777), new float[] {Float.POSITIVE_INFINITY}}, null));
        c.add(new Case("minFloat", r -> new Object[] {RandomArrays.floats(r, 300), new float[] {0f}}, null));
        c.add(new Case("maxDouble", r -> new Object[] {RandomArrays.doubles(r, 1500), new double[] {Double.NEGATIVE_INFINITY}}, null));
        c.add(new Case("productLong", r -> new Object[] {RandomArrays.longs(r, 600), new long[] {3}}, null));
        c.add(new Case("maxIndex2d", r -> new Object[] {37, RandomArrays.ints(r, 37 * 37), new long[] {Long.MIN_VALUE}}, null));
        c.add(new Case("bits", r -> new Object[] {RandomArrays.ints(r, 100), RandomArrays.longs(r, 100), new float[100], new double[100]}, null));
        return c;
    }

    /** Floats without NaN, infinities or huge magnitudes: sums of their whole hundredths are exact in any order. */
    static float[] smallFloats(Random r, int n) {
        float[] x = new float[n];
        for (int i = 0; i < n; i++) x[i] = (r.nextFloat() - 0.5f) * 200;
        return x;
    }

    static Method method(String name) {
        return Arrays.stream(JavaKernels.class.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    /** Runs the kernel as plain Java: a loop over the ids for work-item kernels, one call otherwise. */
    static void runOnJvm(Method m, KernelIR ir, Object[] args, long[] grid, long[] local) throws Exception {
        try {
            if (ir.kind() == KernelKind.WORK_ITEM) {
                long nx = grid[0];
                long ny = grid.length > 1 ? grid[1] : 1;
                long nz = grid.length > 2 ? grid[2] : 1;
                KernelContext ctx = (KernelContext) args[0];
                if (local != null) ctx.setLocalSize((int) local[0], local.length > 1 ? (int) local[1] : 1, local.length > 2 ? (int) local[2] : 1);
                for (int z = 0; z < nz; z++) {
                    for (int y = 0; y < ny; y++) {
                        for (int x = 0; x < nx; x++) {
                            ctx.setGlobalId(x, y, z, (int) nx, (int) ny, (int) nz);
                            m.invoke(null, args);
                        }
                    }
                }
            } else {
                m.invoke(null, args);
            }
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    @TestFactory
    List<DynamicTest> kernelsAgreeWithTheJvm() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.method(), () -> {
            Method m = method(c.method());
            KernelIR ir = FrontEnd.compile(m);
            String ptx = PtxEmitter.emit(ir);
            Object[] args = c.args().apply(new Random(c.method().hashCode()));
            Object[] jvm = Inputs.copy(args);
            runOnJvm(m, ir, jvm, c.grid(), c.local());
            PtxRunner.run(ir, ptx, args, PtxRunner.geometry(ir, args, c.grid(), c.local()));
            String diff = Inputs.firstDifference(jvm, args);
            assertNull(diff, () -> c.method() + ": " + diff + "\n" + ptx);
        })).toList();
    }

    @TestFactory
    List<DynamicTest> ptxasAcceptsEveryKernel() {
        return cases().stream().map(c -> DynamicTest.dynamicTest(c.method(), () -> {
            Assumptions.assumeTrue(PtxAssembler.find() != null, "ptxas is not on the PATH: PTX validity not checked");
            String ptx = PtxEmitter.emit(FrontEnd.compile(method(c.method())));
            PtxAssembler.Result r = PtxAssembler.assemble(ptx, PtxEmitter.PTX_TARGET);
            assertEquals(0, r.exitCode(), () -> r.output() + "\n" + ptx);
            assertTrue(r.clean(), () -> "ptxas warned: " + r.output());
        })).toList();
    }
}
