package io.kiln.benchmarks;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
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

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;

/**
 * {@code y = a * x + y} on 2^24 floats (64 MiB per vector): {@link Blas#saxpy} on a Kiln device,
 * once with both vectors resident on the device (kernel and dispatch only) and once copying
 * {@code y} to the device and back on every run (what a one-off call costs), against the same
 * Java method on one JVM thread. Saxpy is memory-bound: expect the copies to dominate on a
 * discrete GPU.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow", "-Xmx4g"})
public class SaxpyBenchmark {
    static final float A = 1.0001f;

    static float[] random(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) rnd.nextDouble();
        return v;
    }

    /** The vectors, for the plain Java baseline. */
    @State(Scope.Benchmark)
    public static class JavaState {
        @Param("16777216")
        public int n;
        float[] x;
        float[] y;

        @Setup(Level.Trial)
        public void setup() {
            x = random(1, n);
            y = random(2, n);
        }
    }

    /** Two plans on the device named by {@code device}: resident data, and a copy each way per run. */
    @State(Scope.Benchmark)
    public static class KilnState {
        @Param("opencl:0")
        public String device;
        @Param("16777216")
        public int n;
        ExecutionPlan resident;
        ExecutionPlan roundTrip;

        @Setup(Level.Trial)
        public void setup() {
            Device d = BenchmarkDevices.get(device);
            float[] x = random(1, n);
            float[] y = random(2, n);
            float[] expected = y.clone();
            Blas.saxpy(A, x, expected);
            resident = new TaskGraph("saxpy-resident")
                    .transferToDevice(Transfer.FIRST_RUN, x, y)
                    .task("saxpy", Blas::saxpy, A, x, y)
                    .plan(d);
            resident.run();
            resident.transferToHost(y);
            if (!Arrays.equals(expected, y)) {
                throw new IllegalStateException("saxpy on " + device + " differs from plain Java: not benchmarking a wrong kernel");
            }
            float[] x2 = random(3, n);
            float[] y2 = random(4, n);
            roundTrip = new TaskGraph("saxpy-round-trip")
                    .transferToDevice(Transfer.FIRST_RUN, x2)
                    .transferToDevice(Transfer.EVERY_RUN, y2)
                    .task("saxpy", Blas::saxpy, A, x2, y2)
                    .transferToHost(Transfer.EVERY_RUN, y2)
                    .plan(d);
            roundTrip.run();
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            if (resident != null) resident.close();
            if (roundTrip != null) roundTrip.close();
        }
    }

    /** The kernel on the device, data already there: launch, compute, wait. */
    @Benchmark
    public void kilnResident(KilnState s) {
        s.resident.run();
    }

    /** Copy y to the device, compute, copy y back (x stays on the device). */
    @Benchmark
    public void kilnWithTransfers(KilnState s) {
        s.roundTrip.run();
    }

    /** A hand-written saxpy on two threads, each on one half: the machine's two-core memory bandwidth. */
    @State(Scope.Benchmark)
    public static class TriadState {
        @Param("16777216")
        public int n;
        float[] x;
        float[] y;
        JavaThreads threads;

        @Setup(Level.Trial)
        public void setup() {
            x = random(1, n);
            y = random(2, n);
            threads = new JavaThreads(2);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            threads.close();
        }
    }

    /** Hand-written two-thread triad: the bandwidth the cpu device should reach (issue target: 80%). */
    @Benchmark
    public void javaTwoThreadTriad(TriadState s) {
        float[] x = s.x;
        float[] y = s.y;
        int n = s.n;
        s.threads.run(p -> {
            int lo = p * (n / 2);
            int hi = p == 1 ? n : n / 2;
            for (int i = lo; i < hi; i++) {
                y[i] = A * x[i] + y[i];
            }
        });
    }

    /** The same Java method on one thread. Updates y in place, so nothing is dead code. */
    @Benchmark
    public void javaOneThread(JavaState s) {
        Blas.saxpy(A, s.x, s.y);
    }
}
