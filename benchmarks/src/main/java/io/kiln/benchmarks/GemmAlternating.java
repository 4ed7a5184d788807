package io.kiln.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import io.kiln.kernels.linalg.CpuGemm;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas;

import java.io.IOException;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.management.ManagementFactory;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.ForkJoinPool;

/**
 * Kiln's cpu matrix product ({@link CpuGemm}, on a fork-join pool of {@code -Dt} threads, default 2)
 * and OpenBLAS's, alternated product by product in one process, so that both see the same load on a
 * shared machine (JMH runs one benchmark after the other, and a load spike then lands on one side):
 * <pre>{@code
 * OPENBLAS_NUM_THREADS=2 java --add-modules jdk.incubator.vector -cp benchmarks/target/benchmarks.jar \
 *     io.kiln.benchmarks.GemmAlternating 2048 s 12      # size, s or d, measured pairs
 * }</pre>
 * Prints the median and best GFLOP/s of each side and their ratios, and a second measure that a loaded
 * machine disturbs far less: the CPU time the process spent on each product (all its threads, from
 * {@code /proc/self/task/}<i>tid</i>{@code /schedstat} in nanoseconds; elsewhere the JVM's process CPU time,
 * in 10 ms ticks on Linux), as GFLOP per CPU-second. On a shared machine the wall clock mostly measures how much of the cores the
 * scheduler lent each product; CPU time measures the work. Run it with {@code OPENBLAS_THREAD_TIMEOUT=4},
 * or OpenBLAS's threads spin after each product (2^28 cycles by default) and bill their spinning to
 * Kiln's next product. It also prints which kernels OpenBLAS chose for this CPU ({@code DYNAMIC_ARCH}:
 * {@code openblas_get_corename}; {@code OPENBLAS_CORETYPE} overrides it), since a CPU that OpenBLAS does
 * not know runs an older kernel and the ratio then says little.
 */
public final class GemmAlternating {
    private GemmAlternating() {
    }

    /**
     * The CPU time of this process in nanoseconds: the sum over its threads (OpenBLAS's native ones too)
     * of the time each ran, from Linux's schedstat; elsewhere the JVM's figure, which Linux counts in
     * 10 ms ticks, too coarse for a product of 20 ms.
     */
    private static long cpuNanos(OperatingSystemMXBean os) {
        try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
            long sum = 0;
            for (Path t : tasks) {
                String line = Files.readString(t.resolve("schedstat"));
                sum += Long.parseLong(line.substring(0, line.indexOf(' ')));
            }
            return sum;
        } catch (IOException | RuntimeException e) {
            return os.getProcessCpuTime();
        }
    }

    /**
     * OpenBLAS's name for the kernels it chose ({@code openblas_get_corename}, which the JavaCPP preset does
     * not map), or why it is unknown. Call after OpenBLAS is loaded.
     */
    private static String openBlasCore() {
        try {
            MemorySegment f = SymbolLookup.loaderLookup().find("openblas_get_corename").orElse(null);
            if (f == null) return "unknown (openblas_get_corename not found)";
            MemorySegment name = (MemorySegment) Linker.nativeLinker().downcallHandle(f, FunctionDescriptor.of(ValueLayout.ADDRESS)).invoke();
            return name.reinterpret(64).getString(0);
        } catch (Throwable e) {
            return "unknown (" + e + ")";
        }
    }

    /** Runs {@code args = size [s|d] [pairs]}. */
    public static void main(String[] args) throws Exception {
        int n = Integer.parseInt(args[0]);
        boolean dbl = args.length > 1 && args[1].equals("d");
        int reps = args.length > 2 ? Integer.parseInt(args[2]) : 10;
        float[] a = SaxpyBenchmark.random(1, n * n), b = SaxpyBenchmark.random(2, n * n), c = new float[n * n];
        double[] ad = new double[n * n], bd = new double[n * n], cd = new double[n * n];
        for (int i = 0; i < n * n; i++) {
            ad[i] = a[i];
            bd[i] = b[i];
        }
        double flops = 2.0 * n * n * n;
        double[] kiln = new double[reps], blas = new double[reps], kilnCpu = new double[reps], blasCpu = new double[reps];
        OperatingSystemMXBean os =
                (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        ForkJoinPool pool = new ForkJoinPool(Integer.getInteger("t", 2));
        try (FloatPointer pa = new FloatPointer(a); FloatPointer pb = new FloatPointer(b); FloatPointer pc = new FloatPointer(c);
             DoublePointer pad = new DoublePointer(ad); DoublePointer pbd = new DoublePointer(bd); DoublePointer pcd = new DoublePointer(cd)) {
            for (int rep = -3; rep < reps; rep++) {
                long u0 = cpuNanos(os);
                long t0 = System.nanoTime();
                if (dbl) pool.submit(() -> CpuGemm.dgemm(false, false, n, n, n, 1, ad, n, bd, n, 0, cd, n)).get();
                else pool.submit(() -> CpuGemm.sgemm(false, false, n, n, n, 1f, a, n, b, n, 0f, c, n)).get();
                long t1 = System.nanoTime();
                long u1 = cpuNanos(os);
                if (dbl) {
                    openblas.cblas_dgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, n, n, 1, pad, n, pbd, n, 0, pcd, n);
                } else {
                    openblas.cblas_sgemm(openblas.CblasRowMajor, openblas.CblasNoTrans, openblas.CblasNoTrans, n, n, n, 1f, pa, n, pb, n, 0f, pc, n);
                }
                long t2 = System.nanoTime();
                long u2 = cpuNanos(os);
                if (rep >= 0) {
                    kiln[rep] = flops / (t1 - t0);
                    blas[rep] = flops / (t2 - t1);
                    kilnCpu[rep] = flops / Math.max(1, u1 - u0);
                    blasCpu[rep] = flops / Math.max(1, u2 - u1);
                }
            }
        } finally {
            pool.shutdown();
        }
        Arrays.sort(kiln);
        Arrays.sort(blas);
        Arrays.sort(kilnCpu);
        Arrays.sort(blasCpu);
        double km = kiln[reps / 2], bm = blas[reps / 2], kb = kiln[reps - 1], bb = blas[reps - 1];
        System.out.println("OpenBLAS kernels: " + openBlasCore() + ", " + System.getenv().getOrDefault("OPENBLAS_NUM_THREADS", "default") + " threads");
        System.out.printf("%sgemm n=%d (Vector API: %s): Kiln median %.1f best %.1f GFLOP/s | OpenBLAS median %.1f best %.1f |"
                + " ratio median %.2f best %.2f%n", dbl ? "d" : "s", n, CpuGemm.vectorized(), km, kb, bm, bb, km / bm, kb / bb);
        System.out.printf("%sgemm n=%d per CPU-second: Kiln median %.1f GFLOP | OpenBLAS median %.1f | ratio %.2f%n", dbl ? "d" : "s", n,
                kilnCpu[reps / 2], blasCpu[reps / 2], kilnCpu[reps / 2] / blasCpu[reps / 2]);
    }
}
