package io.kiln.benchmarks;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
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

import java.util.concurrent.TimeUnit;

/**
 * Whether a plan overlaps copies with kernels when it streams over several buffer sets (issue 9).
 * Two independent tasks:
 * <ul>
 *   <li><b>copy-bound</b>: a large off-heap upload ({@code transferToDevice(EVERY_RUN)} of a
 *       {@link FloatArray} of {@value #UPLOAD} floats, 32 MiB) and a trivial kernel reading one element
 *       in 4096 of it;</li>
 *   <li><b>compute-bound</b>: a long kernel on 256 work-items whose result stays on the device,
 *       calibrated at setup so that it takes about as long as the copy-bound task.</li>
 * </ul>
 * Each benchmark call is a batch of {@value #BATCH} runs, each rebinding the copy-bound task to the next
 * of {@code sets} buffer sets ({@link Bindings#data}), then waits for everything
 * ({@code plan.transferToHost}). {@code copyOnly} and {@code computeOnly} run one task alone,
 * {@code pipelined} both in one plan. The <b>overlap ratio</b> is
 * {@code pipelined / (copyOnly + computeOnly)}: 1 means no overlap, 0.5 perfect overlap of equal parts.
 * With one buffer set the next upload must wait for the kernel that reads the previous one (which the
 * in-order compute queue runs after the long kernel), so little can overlap; with two or three it
 * need not. On {@code cpu} there is no copy (the device shares host memory), so the ratio shows only
 * how the two kernels share the cores. See {@code docs/memory.md}, "Copy/compute overlap across buffer sets".
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx2g"})
public class OverlapBenchmark {
    /** Floats uploaded per run: 32 MiB. */
    static final int UPLOAD = 8 << 20;
    /** Elements of the trivial kernel's output: one per 4096 uploaded. */
    static final int TOUCHED = UPLOAD / 4096;
    /** Runs per benchmark call: a multiple of 1, 2 and 3, so that every buffer set is used equally. */
    static final int BATCH = 6;

    /** The copy-bound task's kernel: reads one uploaded element in 4096. */
    public static void touch(FloatArray in, FloatArray out) {
        for (@Parallel long i = 0; i < out.length(); i++) {
            out.set(i, in.get(i * 4096) + 1f);
        }
    }

    /** The compute-bound task's kernel: a dependent chain of {@code iterations} multiply-adds per element. */
    public static void spin(float[] acc, int iterations) {
        for (@Parallel int i = 0; i < acc.length; i++) {
            float x = acc[i];
            for (int s = 0; s < iterations; s++) {
                x = x * 0.999f + 1f;
            }
            acc[i] = x;
        }
    }

    /** The three plans on one device, and {@code sets} upload buffer sets. */
    @State(Scope.Benchmark)
    public static class Plans {
        @Param({"opencl:0", "cpu"})
        public String device;
        @Param({"1", "2", "3"})
        public int sets;
        FloatArray[] in;
        FloatArray[] out;
        float[] acc;
        float[] acc2;
        Bindings[] bind;
        ExecutionPlan copyOnly;
        ExecutionPlan computeOnly;
        ExecutionPlan pipelined;
        int iterations;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchmarkDevices.get(device);
            in = new FloatArray[sets];
            out = new FloatArray[sets];
            bind = new Bindings[sets];
            for (int s = 0; s < sets; s++) {
                in[s] = FloatArray.allocate(UPLOAD);
                for (long i = 0; i < UPLOAD; i += 4096) in[s].set(i, s * 1000 + i / 4096);
                out[s] = FloatArray.allocate(TOUCHED);
                bind[s] = Bindings.of().data(in[0], in[s]).data(out[0], out[s]);
            }
            acc = new float[256];
            acc2 = new float[256];
            copyOnly = new TaskGraph("copy").transferToDevice(Transfer.EVERY_RUN, in[0])
                    .task("touch", OverlapBenchmark::touch, in[0], out[0]).plan(d);
            iterations = calibrate(d);
            computeOnly = new TaskGraph("compute").task("spin", OverlapBenchmark::spin, acc, iterations).plan(d);
            // the long kernel first: the in-order compute queue then runs it before the trivial kernel
            pipelined = new TaskGraph("both").task("spin", OverlapBenchmark::spin, acc2, iterations)
                    .transferToDevice(Transfer.EVERY_RUN, in[0]).task("touch", OverlapBenchmark::touch, in[0], out[0]).plan(d);
            batch(copyOnly, true, null);
            batch(computeOnly, false, acc);
            batch(pipelined, true, acc2);
            for (int s = 0; s < sets; s++) {
                for (long i = 0; i < TOUCHED; i += 97) {
                    if (out[s].get(i) != s * 1000 + i + 1f) {
                        throw new IllegalStateException("set " + s + " element " + i + ": " + out[s].get(i));
                    }
                }
            }
            System.out.printf("%n%s, %d set(s): %d iterations in the compute-bound kernel%n", device, sets, iterations);
        }

        /** The iteration count that makes the compute-bound task take about as long as the copy-bound one. */
        private int calibrate(Device d) {
            int probe = 20_000;
            float[] a = new float[256];
            try (ExecutionPlan p = new TaskGraph("calibrate").task("spin", OverlapBenchmark::spin, a, probe).plan(d)) {
                batch(copyOnly, true, null); // warm-up: kernels built, buffers allocated
                batch(p, false, a);
                long c = Long.MAX_VALUE, k = Long.MAX_VALUE;
                for (int r = 0; r < 3; r++) {
                    long t0 = System.nanoTime();
                    batch(copyOnly, true, null);
                    long t1 = System.nanoTime();
                    batch(p, false, a);
                    long t2 = System.nanoTime();
                    c = Math.min(c, t1 - t0);
                    k = Math.min(k, t2 - t1);
                }
                return (int) Math.max(1_000, Math.min(50_000_000, (double) probe * c / Math.max(1, k)));
            }
        }

        /** {@value #BATCH} runs, rebinding the upload, then waits for the results. */
        Object batch(ExecutionPlan plan, boolean rebind, float[] result) {
            Object last = null;
            for (int r = 0; r < BATCH; r++) {
                last = rebind ? plan.run(bind[r % sets]) : plan.run();
            }
            if (rebind) {
                for (FloatArray o : out) plan.transferToHost(o);
            }
            if (result != null) plan.transferToHost(result);
            return last;
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            for (ExecutionPlan p : new ExecutionPlan[] {copyOnly, computeOnly, pipelined}) {
                if (p != null) p.close();
            }
            for (int s = 0; s < sets; s++) {
                in[s].close();
                out[s].close();
            }
        }
    }

    /** The copy-bound task alone. */
    @Benchmark
    public Object copyOnly(Plans p) {
        return p.batch(p.copyOnly, true, null);
    }

    /** The compute-bound task alone. */
    @Benchmark
    public Object computeOnly(Plans p) {
        return p.batch(p.computeOnly, false, p.acc);
    }

    /** Both tasks in one plan: the upload of one run can overlap the long kernel of the previous. */
    @Benchmark
    public Object pipelined(Plans p) {
        return p.batch(p.pipelined, true, p.acc2);
    }
}
