package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
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

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code out[i] = Math.max(lo, Math.min(hi, in[i]))} on 2^24 floats (64 MiB in, 64 MiB out): the clip
 * that {@code Math.min}/{@code Math.max} as IR intrinsics were made for. On the {@code cpu} device the
 * kernel calls {@code Math.min/max} (HotSpot intrinsics, which C2 vectorises); before, the front end
 * inlined the JDK's branches. The same method as plain Java on one JVM thread is the reference.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 4, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx2g"})
public class ClipBenchmark {

    /** The kernel: a clip to {@code [lo, hi]} with Java's NaN rule (a NaN stays NaN). */
    public static void clip(float[] in, float[] out, float lo, float hi) {
        for (@Parallel int i = 0; i < in.length; i++) {
            out[i] = Math.max(lo, Math.min(hi, in[i]));
        }
    }

    static float[] random(int n) {
        SplittableRandom rnd = new SplittableRandom(7);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = rnd.nextInt(1000) == 0 ? Float.NaN : (float) (rnd.nextGaussian() * 4);
        return v;
    }

    /** Input and output arrays, and a plan running the clip on {@code device} with both resident. */
    @State(Scope.Benchmark)
    public static class S {
        @Param("cpu")
        public String device;
        @Param("16777216")
        public int n;
        float[] in;
        float[] out;
        ExecutionPlan plan;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchmarkDevices.get(device);
            in = random(n);
            out = new float[n];
            plan = new TaskGraph("clip").transferToDevice(Transfer.FIRST_RUN, in)
                    .task("clip", ClipBenchmark::clip, in, out, -1f, 1f)
                    .transferToHost(Transfer.EVERY_RUN, out).plan(d);
            plan.run();
            float[] expected = new float[n];
            clip(in, expected, -1f, 1f);
            if (!Arrays.equals(expected, out)) {
                throw new IllegalStateException("clip on " + device + " differs from plain Java: not benchmarking a wrong kernel");
            }
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (plan != null) plan.close();
        }
    }

    /** The kernel on the device (the cpu device shares the arrays, so nothing is copied). */
    @Benchmark
    public void kilnClip(S s) {
        s.plan.run();
    }

    /** The same method as plain Java, one thread. */
    @Benchmark
    public void javaOneThread(S s) {
        clip(s.in, s.out, -1f, 1f);
    }
}
