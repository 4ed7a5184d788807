package io.kiln.cli;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.KilnException;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.Blas;
import io.kiln.kernels.ImageOps;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code kiln demo}: runs three library kernels through a task graph on one device and checks each
 * result against the same method run as plain Java. Ends with one line, {@code demo: PASS (...)} or
 * {@code demo: FAIL (...)}.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, versionProvider = KilnCli.Version.class,
        description = {"Run three library kernels on a device and check them against plain Java.",
                "Runs Blas.saxpy, Blas.sgemm and ImageOps.resizeBilinearU8 through a task graph, compares each result",
                "bit for bit with the same method run on the JVM and prints compile, transfer and kernel times.",
                "The last line is 'demo: PASS (...)' (exit 0) or 'demo: FAIL (...)' (exit 1)."})
final class DemoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--device"}, paramLabel = "ID",
            description = "Device id as 'kiln devices' lists it (cpu, opencl:N, cuda:N) or 'auto' (the default).")
    String deviceId = "auto";

    /** One kernel's demo: runs it on a device and says whether it matched plain Java. */
    private interface Check {
        Outcome run(Device device);
    }

    private record Outcome(RunResult.TaskRun run, String mismatch) {
    }

    private record Demo(String name, String size, Check check) {
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        Device device;
        try {
            device = "auto".equals(deviceId) ? Devices.auto() : Devices.get(deviceId);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage() + " (see 'kiln devices')");
        } catch (KilnException e) {
            out.println("demo: FAIL (" + e.getMessage() + ")");
            out.flush();
            return KilnCli.FAILURE;
        }
        out.println("Device: " + device.id() + " - " + device.name() + " (" + device.vendor() + "; " + device.type()
                + ", " + device.computeUnits() + " compute units, " + DevicesCommand.formatBytes(device.memoryBytes()) + ")");
        out.println();

        List<Demo> demos = List.of(
                new Demo("Blas.saxpy", "n = 1048576", DemoCommand::saxpy),
                new Demo("Blas.sgemm", "192x128 * 128x160", DemoCommand::sgemm),
                new Demo("ImageOps.resizeBilinearU8", "640x480x3 -> 299x217", DemoCommand::resize));
        List<String[]> rows = new ArrayList<>();
        rows.add(new String[] {"KERNEL", "SIZE", "COMPILE", "TRANSFER", "KERNEL TIME", "RESULT"});
        List<String> failures = new ArrayList<>();
        int passed = 0;
        for (Demo demo : demos) {
            String compile = "-", transfer = "-", kernel = "-", result;
            try {
                Outcome o = demo.check().run(device);
                compile = millis(o.run().compileNanos());
                transfer = millis(o.run().transferNanos());
                kernel = millis(o.run().kernelNanos());
                if (!o.run().device().id().equals(device.id())) {
                    result = "ran on " + o.run().device().id();
                    failures.add(demo.name() + " ran on " + o.run().device().id() + " instead: " + o.run().fallbackReason());
                } else if (o.mismatch() != null) {
                    result = "MISMATCH";
                    failures.add(demo.name() + ": " + o.mismatch());
                } else {
                    result = "matches Java";
                    passed++;
                }
            } catch (RuntimeException e) {
                result = "ERROR";
                String message = e.getMessage() == null ? e.toString() : e.getMessage();
                failures.add(demo.name() + ": " + message);
            }
            rows.add(new String[] {demo.name(), demo.size(), compile, transfer, kernel, result});
        }
        DevicesCommand.printTable(out, rows, new boolean[] {false, false, true, true, true, false});
        out.println("(compile: bytecode to device code, first run; transfer: host to device; kernel: launch to completion)");
        if (!failures.isEmpty()) {
            out.println();
            for (String f : failures) out.println("  " + f);
            out.println();
        }
        boolean pass = passed == demos.size();
        out.println("demo: " + (pass ? "PASS" : "FAIL") + " (" + passed + "/" + demos.size()
                + " kernels match plain Java on " + device.id() + ")");
        out.flush();
        return pass ? 0 : KilnCli.FAILURE;
    }

    private static String millis(long nanos) {
        return String.format(Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    private static RunResult.TaskRun runOnce(TaskGraph graph, Device device, String task) {
        try (ExecutionPlan plan = graph.plan(device).withProfiler()) {
            return plan.run().task(task);
        }
    }

    private static float[] randomFloats(SplittableRandom rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextDouble() * 2 - 1);
        return v;
    }

    private static String compare(float[] expected, float[] actual) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                int wrong = 0;
                for (int j = i; j < expected.length; j++) {
                    if (Float.floatToRawIntBits(expected[j]) != Float.floatToRawIntBits(actual[j])) wrong++;
                }
                return wrong + " of " + expected.length + " elements differ; first at index " + i + ": device " + actual[i]
                        + ", Java " + expected[i];
            }
        }
        return null;
    }

    private static Outcome saxpy(Device device) {
        SplittableRandom rnd = new SplittableRandom(42);
        int n = 1 << 20;
        float a = 2.5f;
        float[] x = randomFloats(rnd, n);
        float[] y = randomFloats(rnd, n);
        float[] expected = y.clone();
        Blas.saxpy(a, x, expected);
        RunResult.TaskRun run = runOnce(new TaskGraph("demo-saxpy")
                .transferToDevice(Transfer.FIRST_RUN, x, y)
                .task("saxpy", Blas::saxpy, a, x, y)
                .transferToHost(Transfer.EVERY_RUN, y), device, "saxpy");
        return new Outcome(run, compare(expected, y));
    }

    private static Outcome sgemm(Device device) {
        SplittableRandom rnd = new SplittableRandom(43);
        int m = 192, n = 160, k = 128;
        float[] a = randomFloats(rnd, m * k);
        float[] b = randomFloats(rnd, k * n);
        float[] c = new float[m * n];
        float[] expected = new float[m * n];
        Blas.sgemm(m, n, k, a, b, expected);
        RunResult.TaskRun run = runOnce(new TaskGraph("demo-sgemm")
                .transferToDevice(Transfer.FIRST_RUN, a, b)
                .task("sgemm", Blas::sgemm, m, n, k, a, b, c)
                .transferToHost(Transfer.EVERY_RUN, c), device, "sgemm");
        return new Outcome(run, compare(expected, c));
    }

    private static Outcome resize(Device device) {
        int sw = 640, sh = 480, ch = 3, dw = 299, dh = 217;
        byte[] src = new byte[sw * sh * ch];
        // A gradient with noise, so that interpolation errors would show.
        SplittableRandom rnd = new SplittableRandom(44);
        for (int y = 0; y < sh; y++) {
            for (int x = 0; x < sw; x++) {
                for (int c = 0; c < ch; c++) {
                    src[(y * sw + x) * ch + c] = (byte) ((x * 255 / sw + y * (c + 1) + rnd.nextInt(16)) & 0xFF);
                }
            }
        }
        byte[] dst = new byte[dw * dh * ch];
        byte[] expected = new byte[dw * dh * ch];
        ImageOps.resizeBilinearU8(src, sw, sh, ch, expected, dw, dh);
        RunResult.TaskRun run = runOnce(new TaskGraph("demo-resize")
                .transferToDevice(Transfer.FIRST_RUN, src)
                .task("resize", ImageOps::resizeBilinearU8, src, sw, sh, ch, dst, dw, dh)
                .transferToHost(Transfer.EVERY_RUN, dst), device, "resize");
        String mismatch = null;
        int i = java.util.Arrays.mismatch(expected, dst);
        if (i >= 0) {
            int wrong = 0;
            for (int j = i; j < dst.length; j++) if (expected[j] != dst[j]) wrong++;
            mismatch = wrong + " of " + dst.length + " bytes differ; first at index " + i + ": device " + (dst[i] & 0xFF)
                    + ", Java " + (expected[i] & 0xFF);
        }
        return new Outcome(run, mismatch);
    }
}
