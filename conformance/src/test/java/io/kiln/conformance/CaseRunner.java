package io.kiln.conformance;

import io.kiln.cuda.PtxInterpreterProvider;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Runs a {@link KernelCase} on a device at each of its shapes and compares every array with the same
 * method run as plain Java on copies of the inputs.
 */
final class CaseRunner {
    private CaseRunner() {
    }

    /** At most this many mismatching elements are described per array. */
    private static final int SHOW = 6;

    /** The inputs of one run and Java's results for them. */
    private record Data(Object[] inputs, Object[] expected) {
    }

    /**
     * The inputs and Java's results of the last case, per shape. Tests run case by case, each on every
     * device in turn, so keeping the last case's data lets every device reuse it (the PTX interpreter
     * runs a subset of the shapes plus smaller ones, see {@link Shape#forInterpreter}).
     */
    private static KernelCase lastCase;
    private static final Map<Shape, Data> LAST = new HashMap<>();

    /** The shapes {@code c} runs at on {@code device}, with the seed index of each run. */
    private static List<Shape> shapes(KernelCase c, Device device) {
        Random r = new Random(Seeds.of(c.name(), -1));
        return PtxInterpreterProvider.isInterpreter(device) ? c.interpreterShapes(r) : c.shapes(r);
    }

    /**
     * The data of {@code c} at {@code shape}. A run's inputs depend only on the seed, the case and the
     * shape's position: in the standard list, or (shapes only the interpreter runs) 100 + its position
     * in the interpreter's list.
     */
    private static synchronized Data prepare(KernelCase c, Shape shape, List<Shape> shapes) {
        if (lastCase != c) {
            LAST.clear();
            lastCase = c;
        }
        return LAST.computeIfAbsent(shape, s -> {
            int si = c.shapes(new Random(Seeds.of(c.name(), -1))).indexOf(s);
            if (si < 0) si = 100 + shapes.indexOf(s);
            Object[] in = c.makeArgs(new Random(Seeds.of(c.name(), si)), s);
            Object[] java = copyAll(in);
            c.runJava(java, s);
            return new Data(in, java);
        });
    }

    static void run(KernelCase c, Device device) {
        long t0 = System.nanoTime();
        List<Shape> shapes = shapes(c, device);
        List<Data> data = new ArrayList<>();
        for (Shape s : shapes) data.add(prepare(c, s, shapes));
        long prepared = System.nanoTime() - t0;
        List<String> problems = new ArrayList<>();
        long deviceNanos = 0;
        for (int si = 0; si < shapes.size(); si++) {
            Shape shape = shapes.get(si);
            Object[] onDevice = copyAll(data.get(si).inputs());
            long t1 = System.nanoTime();
            try {
                runOnDevice(c, device, onDevice, shape);
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError(where(c, device, shape) + ": " + e + "\n" + Seeds.reproduce(), e);
            }
            deviceNanos += System.nanoTime() - t1;
            compare(c, device, shape, data.get(si).inputs(), data.get(si).expected(), onDevice, problems);
        }
        if (!Boolean.getBoolean("kiln.conformance.heapOnly")) {
            // The same kernel again with every array parameter off-heap (FloatArray for float[], ...).
            io.kiln.ir.KernelIR offHeap = OffHeapVariant.of(io.kiln.frontend.FrontEnd.compile(c.method()));
            for (int si = 0; si < shapes.size(); si++) {
                Shape shape = shapes.get(si);
                Object[] onDevice = copyAll(data.get(si).inputs());
                long t1 = System.nanoTime();
                try {
                    runOffHeapOnDevice(c, offHeap, device, onDevice, shape);
                } catch (RuntimeException | AssertionError e) {
                    throw new AssertionError(where(c, device, shape) + " (off-heap parameters): " + e + "\n" + Seeds.reproduce(), e);
                }
                deviceNanos += System.nanoTime() - t1;
                compare(c, device, shape, data.get(si).inputs(), data.get(si).expected(), onDevice, problems);
            }
        }
        if (Boolean.getBoolean("kiln.timing")) {
            System.out.printf("[kiln timing] %-45s prepare %6.1f ms, device %6.1f ms, total %6.1f ms%n", c.name() + " on " + device.id(),
                    prepared / 1e6, deviceNanos / 1e6, (System.nanoTime() - t0) / 1e6);
        }
        if (!problems.isEmpty()) {
            throw new AssertionError(c.name() + " on " + device.id() + " differs from Java:\n" + String.join("\n", problems)
                    + "\n" + Seeds.reproduce());
        }
    }

    static String where(KernelCase c, Device device, Shape shape) {
        return c.name() + " on " + device.id() + " at " + shape;
    }

    private static Object[] copyAll(Object[] a) {
        Object[] c = new Object[a.length];
        for (int i = 0; i < a.length; i++) {
            c[i] = Arg.copy(a[i]);
        }
        return c;
    }

    private static void runOnDevice(KernelCase c, Device device, Object[] args, Shape shape) {
        List<Object> arrays = new ArrayList<>();
        for (Object o : args) {
            if (o != null && o.getClass().isArray()) arrays.add(o);
        }
        TaskGraph graph = new TaskGraph(c.name());
        if (!arrays.isEmpty()) graph.transferToDevice(Transfer.EVERY_RUN, arrays.toArray());
        c.addTask(graph, "k", args);
        if (!arrays.isEmpty()) graph.transferToHost(Transfer.EVERY_RUN, arrays.toArray());
        try (ExecutionPlan plan = graph.plan(device)) {
            if (c.grid() != null) plan.withGrid("k", c.grid().apply(shape));
            RunResult result = plan.run();
            RunResult.TaskRun run = result.task("k");
            if (!run.device().id().equals(device.id()) || run.fallbackReason() != null) {
                throw new AssertionError("the task ran on " + run.device().id() + " instead of " + device.id()
                        + " (fallback: " + run.fallbackReason() + ")");
            }
        }
    }

    /**
     * Runs the off-heap form of {@code c} through the back end's own SPI (build, copy in, launch, copy
     * out) on off-heap copies of {@code args}, then copies the results back into {@code args}.
     */
    private static void runOffHeapOnDevice(KernelCase c, io.kiln.ir.KernelIR ir, Device device, Object[] args, Shape shape) {
        io.kiln.spi.LaunchGeometry geometry = switch (ir.kind()) {
            case WORK_ITEM -> {
                io.kiln.Grid g = c.grid().apply(shape);
                yield new io.kiln.spi.LaunchGeometry(g.globalSizes(), g.localSizes());
            }
            case LOOP_PARALLEL -> OffHeapVariant.loopGeometry(ir, args);
            case SINGLE -> new io.kiln.spi.LaunchGeometry(new long[] {1}, null);
        };
        OffHeapVariant.run(ir, device, args, geometry);
    }

    private static void compare(KernelCase c, Device device, Shape shape, Object[] inputs, Object[] expected, Object[] dev,
                                List<String> problems) {
        for (int k = 0; k < expected.length; k++) {
            Arg<?> arg = c.args().get(k);
            if (!arg.isArray()) continue;
            Object e = expected[k];
            Object a = dev[k];
            int n = java.lang.reflect.Array.getLength(e);
            int bad = 0;
            StringBuilder sb = new StringBuilder();
            String fn = arg.check instanceof Check.Ulp u ? u.function() : null;
            boolean f32 = e instanceof float[];
            double bound = fn == null ? 0 : UlpBounds.bound(fn, f32);
            double worst = 0;
            int worstAt = -1;
            if (fn == null && firstMismatch(e, a) < 0) continue;
            for (int i = 0; i < n; i++) {
                boolean ok;
                double ulps = 0;
                if (fn != null) {
                    ulps = f32 ? UlpBounds.ulps(((float[]) e)[i], ((float[]) a)[i]) : UlpBounds.ulps(((double[]) e)[i], ((double[]) a)[i]);
                    if (ulps > worst) {
                        worst = ulps;
                        worstAt = i;
                    }
                    ok = ulps <= bound;
                } else {
                    ok = same(e, a, i);
                }
                if (!ok) {
                    if (bad < SHOW) {
                        sb.append("\n    [").append(i).append("] expected ").append(show(e, i)).append(", got ").append(show(a, i));
                        if (fn != null) sb.append(String.format(" (%.3g ulp, bound %.1f)", ulps, bound));
                        sb.append("; inputs ").append(inputsAt(c, inputs, i));
                    }
                    bad++;
                }
            }
            if (fn != null) {
                UlpBounds.record(device.id(), fn, f32, worst, worstAt < 0 ? "" : c.name() + "[" + worstAt + "] inputs "
                        + inputsAt(c, inputs, worstAt) + " expected " + show(e, worstAt) + " got " + show(a, worstAt));
            }
            if (bad > 0) {
                problems.add("  " + where(c, device, shape) + ": argument " + k + " (" + c.method().getParameters()[k].getName()
                        + ", " + e.getClass().getComponentType() + "[" + n + "]) has " + bad + " mismatching element(s)" + sb);
            }
        }
    }

    /** The input values at index {@code i} (arrays long enough) and every scalar. */
    private static String inputsAt(KernelCase c, Object[] inputs, int i) {
        StringBuilder sb = new StringBuilder("(");
        for (int k = 0; k < inputs.length; k++) {
            Arg<?> arg = c.args().get(k);
            if (k > 0) sb.append(", ");
            Object o = inputs[k];
            if (arg.kind == Arg.Kind.IN || arg.kind == Arg.Kind.INOUT) {
                sb.append(i < java.lang.reflect.Array.getLength(o) ? show(o, i) : "-");
            } else if (arg.kind == Arg.Kind.OUT) {
                sb.append("out");
            } else if (arg.kind == Arg.Kind.CONTEXT) {
                sb.append("ctx");
            } else {
                sb.append(o instanceof Float f ? Gen.show(f) : o instanceof Double d ? Gen.show(d) : String.valueOf(o));
            }
        }
        return sb.append(")").toString();
    }

    /** The first index where the arrays differ (floats compared as in {@link #same}), or -1. */
    static int firstMismatch(Object e, Object a) {
        return switch (e) {
            case float[] x -> {
                float[] y = (float[]) a;
                for (int i = 0; i < x.length; i++) {
                    if (Float.floatToIntBits(x[i]) != Float.floatToIntBits(y[i])) yield i;
                }
                yield -1;
            }
            case double[] x -> {
                double[] y = (double[]) a;
                for (int i = 0; i < x.length; i++) {
                    if (Double.doubleToLongBits(x[i]) != Double.doubleToLongBits(y[i])) yield i;
                }
                yield -1;
            }
            case int[] x -> java.util.Arrays.mismatch(x, (int[]) a);
            case long[] x -> java.util.Arrays.mismatch(x, (long[]) a);
            case short[] x -> java.util.Arrays.mismatch(x, (short[]) a);
            case byte[] x -> java.util.Arrays.mismatch(x, (byte[]) a);
            case char[] x -> java.util.Arrays.mismatch(x, (char[]) a);
            default -> throw new IllegalArgumentException(e.getClass().toString());
        };
    }

    static boolean same(Object e, Object a, int i) {
        return switch (e) {
            case float[] x -> Float.floatToIntBits(x[i]) == Float.floatToIntBits(((float[]) a)[i]);
            case double[] x -> Double.doubleToLongBits(x[i]) == Double.doubleToLongBits(((double[]) a)[i]);
            case int[] x -> x[i] == ((int[]) a)[i];
            case long[] x -> x[i] == ((long[]) a)[i];
            case short[] x -> x[i] == ((short[]) a)[i];
            case byte[] x -> x[i] == ((byte[]) a)[i];
            case char[] x -> x[i] == ((char[]) a)[i];
            default -> throw new IllegalArgumentException(e.getClass().toString());
        };
    }

    static String show(Object array, int i) {
        return switch (array) {
            case float[] x -> Gen.show(x[i]);
            case double[] x -> Gen.show(x[i]);
            case int[] x -> x[i] + " (0x" + Integer.toHexString(x[i]) + ")";
            case long[] x -> x[i] + "L (0x" + Long.toHexString(x[i]) + ")";
            case short[] x -> x[i] + " (0x" + Integer.toHexString(x[i] & 0xffff) + ")";
            case byte[] x -> x[i] + " (0x" + Integer.toHexString(x[i] & 0xff) + ")";
            case char[] x -> (int) x[i] + " (char)";
            default -> String.valueOf(array);
        };
    }
}
