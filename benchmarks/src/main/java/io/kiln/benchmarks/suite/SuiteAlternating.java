package io.kiln.benchmarks.suite;

import io.kiln.Devices;
import io.kiln.ExecutionPlan;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One suite kernel on several devices ({@code java}: the Java method on one thread), run by turns in one
 * process, so that every side sees the same load on a shared machine (JMH runs one fork after the other,
 * and a load spike then lands on one side only):
 * <pre>{@code
 * java --add-modules jdk.incubator.vector --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *     io.kiln.benchmarks.suite.SuiteAlternating TRANSPOSE_TILED cpu,opencl:0,java 15     # kernel, devices, rounds
 * }</pre>
 * Each device's plan is verified against plain Java first, then warmed up (2 s each); each round runs every
 * device 5 times and keeps the best. Prints the median and best of the rounds' times per device, and each
 * device's median time relative to the first device's (above 1: the first device is faster). For one thread
 * on each side, run with {@code -Dkiln.cpu.threads=1} and {@code POCL_MAX_PTHREAD_COUNT=1}.
 */
public final class SuiteAlternating {
    private SuiteAlternating() {
    }

    /**
     * Runs the comparison.
     *
     * @param args the {@link SuiteCase} name, a comma-separated list of device ids ({@code java} for the
     *             plain method), and the number of rounds (default 15)
     */
    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: SuiteAlternating KERNEL DEVICE[,DEVICE...] [ROUNDS]   e.g. TRANSPOSE_TILED cpu,opencl:0,java 15 (cpu/nochecks: bounds checks off)");
            System.exit(2);
        }
        SuiteCase c = SuiteCase.valueOf(args[0]);
        String[] devices = args[1].split(",");
        int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 15;
        long seed = CpuSuiteBenchmark.SEED;
        List<Runnable> runs = new ArrayList<>();
        List<ExecutionPlan> plans = new ArrayList<>();
        for (String d : devices) {
            SuiteCase.Instance inst = c.instance(seed);
            if (d.equals("java")) {
                runs.add(inst.java());
                continue;
            }
            // DEVICE/nochecks: the same device with Kiln's bounds checks off (withBoundsChecks(false)).
            boolean noChecks = d.endsWith("/nochecks");
            String id = noChecks ? d.substring(0, d.length() - "/nochecks".length()) : d;
            c.verify(Devices.get(id), seed);
            ExecutionPlan plan = inst.plan(Devices.get(id));
            if (noChecks) plan.withBoundsChecks(false);
            plans.add(plan);
            runs.add(plan::run);
        }
        try {
            for (Runnable r : runs) {
                long end = System.nanoTime() + 2_000_000_000L;
                while (System.nanoTime() < end) r.run();
            }
            double[][] ms = new double[devices.length][rounds];
            for (int round = 0; round < rounds; round++) {
                for (int d = 0; d < devices.length; d++) {
                    long best = Long.MAX_VALUE;
                    for (int k = 0; k < 5; k++) {
                        long t0 = System.nanoTime();
                        runs.get(d).run();
                        best = Math.min(best, System.nanoTime() - t0);
                    }
                    ms[d][round] = best / 1e6;
                }
            }
            double first = median(ms[0]);
            for (int d = 0; d < devices.length; d++) {
                double[] s = ms[d].clone();
                Arrays.sort(s);
                System.out.printf(java.util.Locale.ROOT, "%-16s %-10s median %9.3f ms  best %9.3f ms  median / %s's %6.2f%n",
                        c, devices[d], median(ms[d]), s[0], devices[0], median(ms[d]) / first);
            }
        } finally {
            for (ExecutionPlan p : plans) p.close();
        }
    }

    private static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
