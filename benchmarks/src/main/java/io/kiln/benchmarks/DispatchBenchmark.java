package io.kiln.benchmarks;

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

import java.util.concurrent.TimeUnit;

/**
 * The fixed cost of {@link ExecutionPlan#run()}: a one-element saxpy whose data stays on the device,
 * so the time is Kiln's host-side dispatch plus one launch and wait. This is what bounds the speed of
 * small task graphs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--enable-native-access=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow"})
@State(Scope.Benchmark)
public class DispatchBenchmark {
    @Param("opencl:0")
    public String device;

    ExecutionPlan plan;

    @Setup(Level.Trial)
    public void setup() {
        float[] x = {1f};
        float[] y = {0f};
        plan = new TaskGraph("dispatch")
                .transferToDevice(Transfer.FIRST_RUN, x, y)
                .task("saxpy", Blas::saxpy, 0.5f, x, y)
                .plan(BenchmarkDevices.get(device));
        plan.run();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        if (plan != null) plan.close();
    }

    /** One run of a one-task graph with resident data. */
    @Benchmark
    public void planRun() {
        plan.run();
    }
}
