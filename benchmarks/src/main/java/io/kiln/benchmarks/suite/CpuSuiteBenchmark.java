package io.kiln.benchmarks.suite;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
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
 * Steady state of the CPU kernel suite ({@link SuiteCase}): each kernel on {@code cpu}, on PoCL
 * ({@code opencl:0}, the same two cores) and as plain Java on one thread ({@code java}), inputs
 * resident, nothing copied back. Each (kernel, device) pair is verified against plain Java before it is
 * timed. Run: {@code java -jar benchmarks/target/benchmarks.jar CpuSuiteBenchmark -f 1} (see
 * docs/benchmarks.md, "CPU kernel suite"); compare the devices as ratios within one run.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--add-modules=jdk.incubator.vector", "-Xmx4g", "-Xss8m"})
@State(Scope.Benchmark)
public class CpuSuiteBenchmark {
    /** The seed of every input; verification prints it when a device differs. */
    static final long SEED = 20261201L;

    @Param({"SAXPY", "STENCIL_5_POINT", "STENCIL_5X5", "CONV2D_7X7", "MANDELBROT", "BLACK_SCHOLES", "NBODY", "HASH64",
            "BILINEAR", "SGEMM_NAIVE", "HISTOGRAM_ATOMIC", "REDUCE_SUM", "TRANSPOSE_TILED"})
    public String kernel;

    @Param({"cpu", "opencl:0", "java"})
    public String device;

    private ExecutionPlan plan;
    private Runnable java;

    @Setup(Level.Trial)
    public void setup() {
        SuiteCase c = SuiteCase.valueOf(kernel);
        SuiteCase.Instance inst = c.instance(SEED);
        if (device.equals("java")) {
            java = inst.java();
            return;
        }
        Device d = Devices.get(device);
        c.verify(d, SEED);
        plan = inst.plan(d);
        plan.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (plan != null) plan.close();
    }

    /** One run: the plan (kernel + dispatch, data resident) or the plain-Java baseline. */
    @Benchmark
    public void run() {
        if (plan != null) {
            plan.run();
        } else {
            java.run();
        }
    }
}
