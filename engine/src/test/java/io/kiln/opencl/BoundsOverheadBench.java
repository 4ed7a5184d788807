package io.kiln.opencl;

import io.kiln.Parallel;
import io.kiln.compiler.BoundsChecks;
import io.kiln.compiler.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.passes.RangeCheckElimination;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;

/**
 * The cost of bounds checks on {@code opencl:0}: each kernel built three ways (no checks, every check,
 * checks left by {@link RangeCheckElimination}) and timed as the median of repeated launch+finish on one
 * session. Not part of the suite: {@code -Dkiln.boundsBench=true} runs it.
 */
class BoundsOverheadBench {

    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    public static void stencil(float[] in, float[] out) {
        for (@Parallel int i = 1; i < in.length - 1; i++) {
            out[i] = (in[i - 1] + in[i] + in[i + 1]) * (1f / 3f);
        }
    }

    public static void sgemm(int n, float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < n; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += a[i * n + k] * b[k * n + j];
                }
                c[i * n + j] = sum;
            }
        }
    }

    @Test
    void measure() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("kiln.boundsBench"), "run with -Dkiln.boundsBench=true");
        OpenClDeviceRuntime device = ClTest.device();
        int n = 1 << 22;
        int m = 384;
        float[] x = new float[n];
        float[] y = new float[n];
        float[] a = new float[m * m];
        float[] b = new float[m * m];
        float[] c = new float[m * m];
        Arrays.fill(x, 1f);
        Arrays.fill(a, 0.5f);
        Arrays.fill(b, 2f);
        time(device, "saxpy", new Object[] {2f, x, y}, new long[] {n});
        time(device, "stencil", new Object[] {x, y}, new long[] {n});
        time(device, "sgemm", new Object[] {m, a, b, c}, new long[] {m, m});
    }

    private static void time(OpenClDeviceRuntime device, String name, Object[] args, long[] sizes) throws Exception {
        Method method = Arrays.stream(BoundsOverheadBench.class.getDeclaredMethods()).filter(k -> k.getName().equals(name)).findFirst().orElseThrow();
        System.setProperty("kiln.rangeCheckElimination", "false");
        KernelIR all = FrontEnd.compile(method);
        System.clearProperty("kiln.rangeCheckElimination");
        KernelIR eliminated = new RangeCheckElimination().run(all);
        KernelIR none = BoundsChecks.strip(all);
        StringBuilder line = new StringBuilder(name);
        double base = 0;
        for (KernelIR ir : eliminated == all ? new KernelIR[] {none, all} : new KernelIR[] {none, all, eliminated}) {
            try (OpenClCompiledKernel k = (OpenClCompiledKernel) device.compile(ir); OpenClSession s = (OpenClSession) device.openSession()) {
                for (Object o : args) if (o != null && o.getClass().isArray()) s.toDevice(o);
                LaunchGeometry g = new LaunchGeometry(sizes, null);
                long[] t = new long[41];
                for (int r = -5; r < t.length; r++) {
                    long t0 = System.nanoTime();
                    s.launch(k, args, g);
                    s.finish();
                    if (r >= 0) t[r] = System.nanoTime() - t0;
                }
                Arrays.sort(t);
                double ms = t[t.length / 2] / 1e6;
                if (ir == none) base = ms;
                line.append(String.format("  %s %.3f ms (%+.1f%%, %d checks)", ir == none ? "off" : ir == all && eliminated != all ? "all" : ir == all ? "all(=eliminated)" : "eliminated",
                        ms, 100 * (ms / base - 1), RangeCheckEliminationCount.of(ir)));
            }
        }
        System.out.println("BOUNDS " + line);
    }

    /** Checks left in a kernel. */
    static final class RangeCheckEliminationCount {
        static long of(KernelIR ir) {
            return ir.blocks().stream().flatMap(bl -> bl.instrs().stream()).filter(i -> i instanceof io.kiln.ir.Instr.CheckIndex).count();
        }
    }
}
