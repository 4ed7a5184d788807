package io.kiln.benchmarks.suite;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * One kernel of the CPU suite with its data: a task graph whose inputs stay on the device
 * ({@link Transfer#FIRST_RUN}), so that a run measures the kernel and its dispatch, and a one-thread
 * plain-Java baseline that computes the same output. Sizes are chosen so that one run takes a few to a
 * few tens of milliseconds on two cores. {@link #verify(Device)} checks the device against the baseline
 * before anything is timed: a fast wrong kernel is not a result.
 */
public enum SuiteCase {
    SAXPY(0) {
        @Override
        Instance create(long seed) {
            int n = 1 << 22;
            float[] x = floats(seed, n, -1, 1);
            float[] y = floats(seed + 1, n, -1, 1);
            float[] yJava = y.clone();
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, x, y)
                    .task(TASK, SuiteKernels::saxpy, 1.5f, x, y);
            return new Instance(g, null, () -> SuiteKernels.saxpy(1.5f, x, yJava), y, yJava);
        }
    },
    STENCIL_5_POINT(0) {
        @Override
        Instance create(long seed) {
            int w = 2048;
            int h = 2048;
            float[] in = floats(seed, w * h, 0, 1);
            float[] out = new float[w * h];
            float[] outJava = new float[w * h];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, in, out)
                    .task(TASK, SuiteKernels::stencil5, in, out, w, h);
            return new Instance(g, null, () -> SuiteKernels.stencil5(in, outJava, w, h), out, outJava);
        }
    },
    STENCIL_5X5(0) {
        @Override
        Instance create(long seed) {
            int w = 2048;
            int h = 2048;
            float[] in = floats(seed, w * h, 0, 1);
            float[] out = new float[w * h];
            float[] outJava = new float[w * h];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, in, out)
                    .task(TASK, SuiteKernels::stencil5x5, in, out, w, h);
            return new Instance(g, null, () -> SuiteKernels.stencil5x5(in, outJava, w, h), out, outJava);
        }
    },
    CONV2D_7X7(0) {
        @Override
        Instance create(long seed) {
            int w = 1024;
            int h = 1024;
            int k = 7;
            float[] in = floats(seed, w * h, 0, 1);
            float[] filter = floats(seed + 1, k * k, -1, 1);
            int outLen = (w - k + 1) * (h - k + 1);
            float[] out = new float[outLen];
            float[] outJava = new float[outLen];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, in, filter, out)
                    .task(TASK, SuiteKernels::conv2d, in, filter, out, w, h, k);
            return new Instance(g, null, () -> SuiteKernels.conv2d(in, filter, outJava, w, h, k), out, outJava);
        }
    },
    MANDELBROT(0) {
        @Override
        Instance create(long seed) {
            int w = 1024;
            int h = 1024;
            int[] it = new int[w * h];
            int[] itJava = new int[w * h];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, (Object) it)
                    .task(TASK, SuiteKernels::mandelbrot, it, w, h, 256);
            return new Instance(g, null, () -> SuiteKernels.mandelbrot(itJava, w, h, 256), it, itJava);
        }
    },
    /** Transcendentals: devices other than {@code cpu} may differ by their documented ulp bound. */
    BLACK_SCHOLES(1e-4) {
        @Override
        Instance create(long seed) {
            int n = 1 << 20;
            float[] s = floats(seed, n, 5, 30);
            float[] x = floats(seed + 1, n, 1, 100);
            float[] t = floats(seed + 2, n, 0.25f, 10);
            float[] call = new float[n];
            float[] put = new float[n];
            float[] callJava = new float[n];
            float[] putJava = new float[n];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, s, x, t, call, put)
                    .task(TASK, SuiteKernels::blackScholes, s, x, t, call, put, 0.02f, 0.3f);
            return new Instance(g, null, () -> SuiteKernels.blackScholes(s, x, t, callJava, putJava, 0.02f, 0.3f),
                    call, callJava);
        }
    },
    /** {@code 1 / sqrt}: exact on {@code cpu}; other devices within their sqrt/division bounds. */
    NBODY(1e-4) {
        @Override
        Instance create(long seed) {
            int n = 4096;
            float[] pos = floats(seed, n * 4, -1, 1);
            float[] acc = new float[n * 4];
            float[] accJava = new float[n * 4];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, pos, acc)
                    .task(TASK, SuiteKernels::nbody, pos, acc, n, 0.01f);
            return new Instance(g, null, () -> SuiteKernels.nbody(pos, accJava, n, 0.01f), acc, accJava);
        }
    },
    HASH64(0) {
        @Override
        Instance create(long seed) {
            int n = 1 << 20;
            long[] in = new SplittableRandom(seed).longs(n).toArray();
            long[] out = new long[n];
            long[] outJava = new long[n];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, in, out)
                    .task(TASK, SuiteKernels::hash64, in, out);
            return new Instance(g, null, () -> SuiteKernels.hash64(in, outJava), out, outJava);
        }
    },
    BILINEAR(0) {
        @Override
        Instance create(long seed) {
            int sw = 1920;
            int sh = 1080;
            int dw = 1280;
            int dh = 720;
            float[] src = floats(seed, sw * sh, 0, 255);
            float[] dst = new float[dw * dh];
            float[] dstJava = new float[dw * dh];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, src, dst)
                    .task(TASK, SuiteKernels::bilinear, src, sw, sh, dst, dw, dh);
            return new Instance(g, null, () -> SuiteKernels.bilinear(src, sw, sh, dstJava, dw, dh), dst, dstJava);
        }
    },
    SGEMM_NAIVE(0) {
        @Override
        Instance create(long seed) {
            int m = 256;
            int n = 256;
            int k = 256;
            float[] a = floats(seed, m * k, -1, 1);
            float[] b = floats(seed + 1, k * n, -1, 1);
            float[] c = new float[m * n];
            float[] cJava = new float[m * n];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, a, b, c)
                    .task(TASK, SuiteKernels::sgemm, a, b, c, m, n, k);
            return new Instance(g, null, () -> SuiteKernels.sgemm(a, b, cJava, m, n, k), c, cJava);
        }
    },
    /** Each run adds to the bins again: verified after exactly one run from zero. */
    HISTOGRAM_ATOMIC(0) {
        @Override
        Instance create(long seed) {
            int n = 1 << 24;
            byte[] data = new byte[n];
            new SplittableRandom(seed).nextBytes(data);
            int[] bins = new int[256];
            int[] binsJava = new int[256];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, data, bins)
                    .task(TASK, SuiteKernels::histogram, new KernelContext(), data, bins);
            return new Instance(g, Grid.of(n), () -> {
                for (byte v : data) binsJava[v & 0xFF]++;
            }, bins, binsJava);
        }
    },
    /** Reassociated float sum: within {@code n * 2^-24 * sum |x|} of the sequential one (relative 1e-3 here). */
    REDUCE_SUM(1e-3) {
        @Override
        Instance create(long seed) {
            int n = 1 << 22;
            float[] x = floats(seed, n, 0, 1);
            float[] total = new float[1];
            float[] totalJava = new float[1];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, x, total)
                    .task(TASK, SuiteKernels::sum, x, total);
            return new Instance(g, null, () -> {
                totalJava[0] = 0f;
                SuiteKernels.sum(x, totalJava);
            }, total, totalJava);
        }
    },
    TRANSPOSE_TILED(0) {
        @Override
        Instance create(long seed) {
            int rows = 2048;
            int cols = 2048;
            float[] in = floats(seed, rows * cols, -1, 1);
            float[] out = new float[rows * cols];
            float[] outJava = new float[rows * cols];
            TaskGraph g = new TaskGraph(name()).transferToDevice(Transfer.FIRST_RUN, in, out)
                    .task(TASK, SuiteKernels::transpose, new KernelContext(), in, out, rows, cols);
            Grid grid = Grid.of(Grid.roundUp(cols, SuiteKernels.TILE), Grid.roundUp(rows, SuiteKernels.TILE))
                    .local(SuiteKernels.TILE, SuiteKernels.TILE);
            return new Instance(g, grid, () -> {
                for (int r = 0; r < rows; r++) {
                    for (int c = 0; c < cols; c++) outJava[c * rows + r] = in[r * cols + c];
                }
            }, out, outJava);
        }
    };

    /** The task id of every case's single task. */
    public static final String TASK = "k";

    private final double tolerance;

    SuiteCase(double tolerance) {
        this.tolerance = tolerance;
    }

    /** Builds the data, the graph and the baseline; {@code seed} makes the inputs. */
    abstract Instance create(long seed);

    /** A case ready to plan: the graph, its grid (null for loop kernels), the baseline and the two outputs. */
    public record Instance(TaskGraph graph, Grid grid, Runnable java, Object deviceOutput, Object javaOutput) {
        /**
         * Plans the graph on {@code device} with the case's grid, with the profiler on: {@code run()}
         * otherwise returns while a launch whose results stay on the device may still be running, and
         * a benchmark would time only the enqueue on an OpenCL device.
         */
        public ExecutionPlan plan(Device device) {
            ExecutionPlan plan = graph.plan(device).withProfiler();
            if (grid != null) plan.withGrid(TASK, grid);
            return plan;
        }
    }

    /** A fresh instance of this case (inputs from {@code seed}). */
    public Instance instance(long seed) {
        return create(seed);
    }

    /**
     * Runs the kernel once on {@code device} and the baseline once, and throws if the outputs differ
     * (bit for bit, or beyond the case's relative tolerance where the device may legitimately differ).
     */
    public void verify(Device device, long seed) {
        Instance inst = create(seed);
        try (ExecutionPlan plan = inst.plan(device)) {
            plan.run();
            plan.transferToHost(inst.deviceOutput());
        }
        inst.java().run();
        String diff = compare(inst.deviceOutput(), inst.javaOutput(), tolerance);
        if (diff != null) {
            throw new IllegalStateException(name() + " on " + device.id() + " differs from plain Java (seed " + seed + "): " + diff);
        }
    }

    static String compare(Object got, Object want, double tolerance) {
        return switch (got) {
            case float[] g -> {
                float[] w = (float[]) want;
                for (int i = 0; i < g.length; i++) {
                    boolean same = Float.floatToIntBits(g[i]) == Float.floatToIntBits(w[i])
                            || Math.abs(g[i] - w[i]) <= tolerance * Math.max(1, Math.abs(w[i]));
                    if (!same) yield "element " + i + ": " + g[i] + " vs " + w[i];
                }
                yield null;
            }
            case int[] g -> Arrays.equals(g, (int[]) want) ? null : "int arrays differ at " + Arrays.mismatch(g, (int[]) want);
            case long[] g -> Arrays.equals(g, (long[]) want) ? null : "long arrays differ at " + Arrays.mismatch(g, (long[]) want);
            default -> throw new IllegalArgumentException("no comparison for " + got.getClass());
        };
    }

    static float[] floats(long seed, int n, float lo, float hi) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = lo + (hi - lo) * (float) r.nextDouble();
        return v;
    }
}
