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
