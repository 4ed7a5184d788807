package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.kernels.Blas;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * Saxpy on off-heap {@link FloatArray}s against saxpy on {@code float[]}, through
 * {@code ExecutionPlan.run()} on one device (default {@code cpu}): what the off-heap path costs.
 * On the cpu back end both kernels compile to one counted loop; the {@code FloatArray} one reads and
 * writes the arrays' {@code MemorySegment}s, the {@code float[]} one the Java arrays. The issue's
 * target is the {@code FloatArray} kernel within 10% of the {@code float[]} kernel.
 * <p>The forked JVMs run the cpu device on one thread ({@code -Dkiln.cpu.threads=1}): the comparison
 * is of the generated loops, not of a shared machine's memory bandwidth. Run with
 * {@code -jvmArgsAppend -Dkiln.cpu.threads=N} to see N threads. Each Kiln state first checks that the
 * device's result equals plain Java's, so a wrong kernel is never timed.
 * <p>{@code vectorize} is the cpu back end's {@code -Dkiln.cpu.vectorize}, set before the plans are
 * built: {@code auto} (the default) runs the off-heap loops as Vector API loops ({@code io.kiln.cpu.VectorLoops};
 * the forks resolve {@code jdk.incubator.vector}), {@code false} as the scalar loops Kiln generated
 * before them, so one run measures both. JMH forks a JVM per parameter set, so each kernel is compiled
 * under its own setting.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx4g",
        "-Dkiln.cpu.threads=1", "--add-modules=jdk.incubator.vector"})
public class OffHeapSaxpyBenchmark {
    static final float A = 1.0001f;

    /** The off-heap saxpy: a {@code @Parallel long} loop over {@code y.length()}. */
    public static void saxpy(float a, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < y.length(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** The same with an {@code int} loop and length: {@code x.get(i)} widens {@code i}. */
    public static void saxpyInt(float a, FloatArray x, FloatArray y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** An int "saxpy" on {@code int[]}: the control for {@link #iaxpyOffHeap}. */
    public static void iaxpyHeap(int a, int[] x, int[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    /**
     * The same on {@code IntArray}s. JDK 25's C2 vectorises int accesses to a MemorySegment but not
     * float ones (its float var handles read the int bits and convert them), so this pair shows what
     * the off-heap path costs where the JIT can vectorise it.
     */
    public static void iaxpyOffHeap(int a, IntArray x, IntArray y) {
        for (@Parallel long i = 0; i < y.length(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /**
     * {@link #saxpy} under another name: the kernel cache keys kernels by method, so this one is built
     * again, here with {@code -Dkiln.cpu.vectorize=false}, in the same JVM as the vectorised one ({@link #main}).
     */
    public static void saxpyScalar(float a, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < y.length(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /** {@link #saxpyInt} under another name, for {@link #main}. */
    public static void saxpyIntScalar(float a, FloatArray x, FloatArray y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    /**
     * The same comparison without JMH, for a loaded machine: one JVM, the five plans run in turn
     * ({@code float[]}; {@code FloatArray} long and int loops, each vectorised and with
     * {@code -Dkiln.cpu.vectorize=false}), {@code rounds} times after a warm-up, and the minimum and
     * median of each printed with their ratios to {@code float[]}. Interleaving puts the same load on
     * every plan; the minimum is the least disturbed run.
     * <pre>
     * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -Dkiln.cpu.threads=1 \
     *     -cp benchmarks/target/benchmarks.jar io.kiln.benchmarks.OffHeapSaxpyBenchmark 1048576 600
     * </pre>
     */
    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 1 << 20;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 500;
        Device d = BenchmarkDevices.get(args.length > 2 ? args[2] : "cpu");
        float[] x = random(1, n);
        float[] y = random(2, n);
        float[] expected = y.clone();
        Blas.saxpy(A, x, expected);
        String[] names = {"float[] (Blas.saxpy)", "FloatArray long loop", "FloatArray int loop", "FloatArray long, scalar",
                "FloatArray int, scalar"};
        FloatArray ox = FloatArray.allocate(n).copyFrom(x);
        FloatArray[] oy = new FloatArray[4];
        for (int k = 0; k < 4; k++) oy[k] = FloatArray.allocate(n).copyFrom(y);
        ExecutionPlan[] plans = new ExecutionPlan[5];
        plans[0] = new TaskGraph("saxpy-float[]").task("saxpy", Blas::saxpy, A, x, y).plan(d);
        plans[1] = new TaskGraph("saxpy-FloatArray").task("saxpy", OffHeapSaxpyBenchmark::saxpy, A, ox, oy[0]).plan(d);
        plans[2] = new TaskGraph("saxpy-FloatArray-int").task("saxpy", OffHeapSaxpyBenchmark::saxpyInt, A, ox, oy[1], n).plan(d);
        // Kernels are compiled at their first run: these three under the JVM's own setting.
        for (int k = 0; k < 3; k++) plans[k].run();
        String before = System.getProperty("kiln.cpu.vectorize");
        System.setProperty("kiln.cpu.vectorize", "false");
        try {
            plans[3] = new TaskGraph("saxpy-scalar").task("saxpy", OffHeapSaxpyBenchmark::saxpyScalar, A, ox, oy[2]).plan(d);
            plans[4] = new TaskGraph("saxpy-int-scalar").task("saxpy", OffHeapSaxpyBenchmark::saxpyIntScalar, A, ox, oy[3], n).plan(d);
            plans[3].run();
            plans[4].run();
        } finally {
            if (before == null) System.clearProperty("kiln.cpu.vectorize");
            else System.setProperty("kiln.cpu.vectorize", before);
        }
        for (int i = 0; i < n; i++) {
            int bits = Float.floatToIntBits(expected[i]);
            boolean same = bits == Float.floatToIntBits(y[i]);
            for (FloatArray o : oy) same &= bits == Float.floatToIntBits(o.get(i));
            if (!same) throw new IllegalStateException("saxpy differs from plain Java at element " + i);
        }
        for (int w = 0; w < rounds / 4 + 50; w++) {
            for (ExecutionPlan p : plans) p.run();
        }
        long[][] t = new long[plans.length][rounds];
        for (int r = 0; r < rounds; r++) {
            for (int k = 0; k < plans.length; k++) {
                long t0 = System.nanoTime();
                plans[k].run();
                t[k][r] = System.nanoTime() - t0;
            }
        }
        System.out.printf("saxpy, n = %d, %d interleaved rounds, device %s%n", n, rounds, d.id());
        for (int k = 0; k < plans.length; k++) java.util.Arrays.sort(t[k]);
        for (int k = 0; k < plans.length; k++) {
            System.out.printf("  %-26s min %10.1f us  median %10.1f us   ratio to float[]: min %.2f, median %.2f%n", names[k],
                    t[k][0] / 1e3, t[k][rounds / 2] / 1e3, t[k][0] / (double) t[0][0], t[k][rounds / 2] / (double) t[0][rounds / 2]);
        }
        for (ExecutionPlan p : plans) p.close();
        ox.close();
        for (FloatArray o : oy) o.close();
    }

    static float[] random(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble();
        return v;
    }

    /** Three plans on {@code device}: float[], FloatArray with a long loop, FloatArray with an int loop. */
    @State(Scope.Benchmark)
    public static class Plans {
        @Param("cpu")
        public String device;
        @Param({"1048576", "16777216"})
        public int n;
        @Param({"auto", "false"})
        public String vectorize;
        float[] x;
        float[] y;
        FloatArray ox;
        FloatArray oy;
        FloatArray oy2;
        ExecutionPlan heap;
        ExecutionPlan offHeap;
        ExecutionPlan offHeapInt;
        int[] ix;
        int[] iy;
        IntArray oix;
        IntArray oiy;
        ExecutionPlan heapInts;
        ExecutionPlan offHeapInts;

        @Setup(Level.Trial)
        public void setup() {
            System.setProperty("kiln.cpu.vectorize", vectorize);
            Device d = BenchmarkDevices.get(device);
            x = random(1, n);
            y = random(2, n);
            ox = FloatArray.allocate(n).copyFrom(x);
            oy = FloatArray.allocate(n).copyFrom(y);
            oy2 = FloatArray.allocate(n).copyFrom(y);
            heap = new TaskGraph("saxpy-float[]").task("saxpy", Blas::saxpy, A, x, y).plan(d);
            offHeap = new TaskGraph("saxpy-FloatArray").task("saxpy", OffHeapSaxpyBenchmark::saxpy, A, ox, oy).plan(d);
            offHeapInt = new TaskGraph("saxpy-FloatArray-int").task("saxpy", OffHeapSaxpyBenchmark::saxpyInt, A, ox, oy2, n).plan(d);
            ix = new int[n];
            iy = new int[n];
            SplittableRandom rnd = new SplittableRandom(5);
            for (int i = 0; i < n; i++) {
                ix[i] = rnd.nextInt();
                iy[i] = rnd.nextInt();
            }
            oix = IntArray.allocate(n).copyFrom(ix);
            oiy = IntArray.allocate(n).copyFrom(iy);
            int[] iexpected = iy.clone();
            iaxpyHeap(3, ix, iexpected);
            heapInts = new TaskGraph("iaxpy-int[]").task("iaxpy", OffHeapSaxpyBenchmark::iaxpyHeap, 3, ix, iy).plan(d);
            offHeapInts = new TaskGraph("iaxpy-IntArray").task("iaxpy", OffHeapSaxpyBenchmark::iaxpyOffHeap, 3, oix, oiy).plan(d);
            heapInts.run();
            offHeapInts.run();
            for (int i = 0; i < n; i++) {
                if (iexpected[i] != iy[i] || iexpected[i] != oiy.get(i)) {
                    throw new IllegalStateException("iaxpy on " + device + " differs from plain Java at element " + i);
                }
            }
            float[] expected = y.clone();
            Blas.saxpy(A, x, expected);
            heap.run();
            offHeap.run();
            offHeapInt.run();
            for (int i = 0; i < n; i++) {
                if (Float.floatToIntBits(expected[i]) != Float.floatToIntBits(y[i])
                        || Float.floatToIntBits(expected[i]) != Float.floatToIntBits(oy.get(i))
                        || Float.floatToIntBits(expected[i]) != Float.floatToIntBits(oy2.get(i))) {
                    throw new IllegalStateException("saxpy on " + device + " differs from plain Java at element " + i
                            + ": not benchmarking a wrong kernel");
                }
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (AutoCloseable c : new AutoCloseable[] {heap, offHeap, offHeapInt, heapInts, offHeapInts, ox, oy, oy2, oix, oiy}) {
                try {
                    if (c != null) c.close();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        }
    }

    /** {@code Blas.saxpy} on {@code float[]}: the reference the off-heap kernels are held to. */
    @Benchmark
    public void heapFloats(Plans s) {
        s.heap.run();
    }

    /** {@link #saxpy} on {@code FloatArray}s (long loop). */
    @Benchmark
    public void offHeapFloats(Plans s) {
        s.offHeap.run();
    }

    /** {@link #iaxpyHeap} on {@code int[]}. */
    @Benchmark
    public void heapInts(Plans s) {
        s.heapInts.run();
    }

    /** {@link #iaxpyOffHeap} on {@code IntArray}s. */
    @Benchmark
    public void offHeapInts(Plans s) {
        s.offHeapInts.run();
    }

    /** {@link #saxpyInt} on {@code FloatArray}s (int loop, widened indices). */
    @Benchmark
    public void offHeapFloatsIntLoop(Plans s) {
        s.offHeapInt.run();
    }
}
