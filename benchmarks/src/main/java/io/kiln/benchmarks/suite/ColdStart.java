package io.kiln.benchmarks.suite;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;

import java.util.Arrays;
import java.util.Locale;

/**
 * What a user feels first: in a fresh JVM, the time of a new plan's first run (compile included),
 * second and tenth run, against the median of runs 31-50 (steady state). One case per JVM, so that
 * nothing is warm: {@code benchmarks/cold-start.sh} starts one JVM per (kernel, device).
 *
 * <p>Usage: {@code java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar
 * io.kiln.benchmarks.suite.ColdStart KERNEL DEVICE}; prints one line
 * {@code kernel device first (compile) second tenth steady (ms) second/steady}.
 */
public final class ColdStart {
    private ColdStart() {
    }

    public static void main(String[] args) {
        if (args.length != 2) {
            System.err.println("usage: ColdStart KERNEL DEVICE   (KERNEL one of " + Arrays.toString(SuiteCase.values()) + ")");
            System.exit(2);
        }
        SuiteCase c = SuiteCase.valueOf(args[0]);
        Device device = Devices.get(args[1]);
        SuiteCase.Instance inst = c.instance(CpuSuiteBenchmark.SEED);
        double[] ms = new double[50];
        double compileMs = 0;
        long t0 = System.nanoTime();
        try (ExecutionPlan plan = inst.plan(device)) {
            for (int r = 0; r < ms.length; r++) {
                long start = r == 0 ? t0 : System.nanoTime();
                io.kiln.RunResult result = plan.run();
                ms[r] = (System.nanoTime() - start) / 1e6;
                if (r == 0) compileMs = result.tasks().stream().mapToLong(io.kiln.RunResult.TaskRun::compileNanos).sum() / 1e6;
            }
        }
        double[] tail = Arrays.copyOfRange(ms, 30, 50);
        Arrays.sort(tail);
        double steady = (tail[9] + tail[10]) / 2;
        System.out.println(String.format(Locale.ROOT, "%-17s %-9s first %7.1f (compile %6.1f)  second %8.2f  tenth %8.2f  steady %8.2f ms  second/steady %5.2f",
                c, device.id(), ms[0], compileMs, ms[1], ms[9], steady, ms[1] / steady));
    }
}
