package io.kiln.kernels.linalg;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.DoubleArray;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Linear algebra and tensor operations as calls rather than graphs: each call runs one operation on this
 * facade's device and returns what ran. Every operation takes its arrays first (inputs, then the output),
 * then its shape, then its options: {@code matmul(a, b, c, m, n, k[, options])},
 * {@code matmulBatched(a, b, c, batch, m, n, k[, options])}, {@code matvec(a, x, y, m, n[, options])},
 * {@code outer(x, y, a, m, n, alpha)}, {@code unary(x, y, n, op, params...)},
 * {@code binary(a, b, y, rows, cols, broadcast, op)}, {@code reduce(x, y, rows, cols, axis, op)},
 * {@code argmax(x, y, rows, cols, axis)}, {@code conv2d(x, w, bias, y, n, c, h, wd, k, r, s, options)},
 * {@code softmax(x, y, rows, cols)}, {@code layerNorm(x, gamma, beta, y, rows, cols, eps)}:
 * <pre>{@code
 * Linalg.shared().matmul(a, b, c, m, n, k);                          // C = A * B on Devices.auto()
 * try (Linalg gpu = Linalg.on(Devices.get("opencl:0"))) {
 *     RunResult.TaskRun run = gpu.matmul(a, b, c, m, n, k, Matmul.DEFAULT.transposeA().scale(2, 1));
 * }
 * }</pre>
 * <b>Plans.</b> The first call of each operation builds one plan (its kernel compiled for the device)
 * and later calls bind their arrays and scalars to it ({@link Bindings}): no recompilation, and on a
 * device with memory of its own the inputs are copied in and C copied back on every call. A plan keeps
 * references to (and on such devices the device copies of) the arrays of its first call and the last
 * three arrays bound to each argument until {@link #close()}. Calls on off-heap arrays ({@link FloatArray},
 * {@link IntArray}: every operation has an overload taking them) have plans of their own, cached the same
 * way; an off-heap array may be closed after its call (a plan forgets the closed arrays it remembers), but
 * never during one. {@code conv2d} builds a plan per call (kernels stay built). On {@code cpu} the engine runs the operations' cpu variants
 * ({@link CpuGemm}); {@link RunResult.TaskRun#implementation()} says what ran.
 * <p><b>In task graphs</b> the same operations are the kernels of {@link Gemm}, {@link MatVec},
 * {@link Elementwise}, {@link AxisReductions}, {@link Conv} and {@link RowOps}, e.g.
 * {@code graph.task("mm", Gemm::sgemm, false, false, m, n, k, 1f, a, k, b, n, 0f, c, n)}.
 * <p>Calls are thread-safe; calls of one operation on one facade run one at a time.
 */
public final class Linalg implements AutoCloseable {
    private static final Linalg SHARED = new Linalg(KilnRuntime.shared(), null, true);

    private final KilnRuntime runtime;
    private volatile Device device;
    private final boolean shared;
    private final Map<String, Cached> plans = new HashMap<>();
    private boolean closed;

    /** The id of the one task of each operation's graph. */
    private static final String TASK = "op";

    /** One operation's plan and the arrays it was built with (bindings name them). */
    private record Cached(ExecutionPlan plan, Object[] data) {
    }

    private Linalg(KilnRuntime runtime, Device device, boolean shared) {
        this.runtime = runtime;
        this.device = device;
        this.shared = shared;
    }

    /** The process-wide facade on {@link Devices#auto()} (shared runtime); it cannot be closed. */
    public static Linalg shared() {
        return SHARED;
    }

    /** A facade on {@code device} in the shared runtime. */
    public static Linalg on(Device device) {
        return new Linalg(KilnRuntime.shared(), Objects.requireNonNull(device, "device"), false);
    }

    /** A facade on {@code device} in {@code runtime} (e.g. one with variants off, for the references). */
    public static Linalg on(KilnRuntime runtime, Device device) {
        return new Linalg(Objects.requireNonNull(runtime, "runtime"), Objects.requireNonNull(device, "device"), false);
    }

    /** The device the operations run on. */
    public Device device() {
        Device d = device;
        if (d == null) device = d = Devices.auto();
        return d;
    }

    /** {@code C = A * B}: A is {@code m x k}, B is {@code k x n}, C is {@code m x n}, all row-major and packed. */
    public RunResult.TaskRun matmul(float[] a, float[] b, float[] c, int m, int n, int k) {
        return matmul(a, b, c, m, n, k, Matmul.DEFAULT);
    }

    /** {@code C = A * B} in {@code double}; see {@link #matmul(float[], float[], float[], int, int, int)}. */
    public RunResult.TaskRun matmul(double[] a, double[] b, double[] c, int m, int n, int k) {
        return matmul(a, b, c, m, n, k, Matmul.DEFAULT);
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} with the transposes, scales and leading dimensions of
     * {@code options} ({@link Gemm#sgemm}'s contract; alpha and beta are rounded to {@code float}).
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong, or C shares elements with A or B
     */
    public RunResult.TaskRun matmul(float[] a, float[] b, float[] c, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        GemmShapes.check(options.transA(), options.transB(), m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
        GemmShapes.checkDisjoint("matmul", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, ONE_PRODUCT, 1);
        return run("sgemm", a, b, c, () -> new TaskGraph("Linalg.sgemm")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                .task(TASK, Gemm::sgemm, options.transA(), options.transB(), m, n, k, (float) options.alpha(), a, lda, b, ldb,
                        (float) options.beta(), c, ldc)
                .transferToHost(Transfer.EVERY_RUN, c),
                new Object[] {options.transA(), options.transB(), m, n, k, (float) options.alpha(), lda, ldb, (float) options.beta(), ldc});
    }

    /** {@code C = A * B} on off-heap matrices; see {@link #matmul(float[], float[], float[], int, int, int)}. */
    public RunResult.TaskRun matmul(FloatArray a, FloatArray b, FloatArray c, int m, int n, int k) {
        return matmul(a, b, c, m, n, k, Matmul.DEFAULT);
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} on off-heap matrices (an array's elements are its
     * {@code get(i)}); otherwise as {@link #matmul(float[], float[], float[], int, int, int, Matmul)}.
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong, or C shares elements with A or B
     */
    public RunResult.TaskRun matmul(FloatArray a, FloatArray b, FloatArray c, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        GemmShapes.check(options.transA(), options.transB(), m, n, k, (int) Math.min(a.length(), Integer.MAX_VALUE), lda,
                (int) Math.min(b.length(), Integer.MAX_VALUE), ldb, (int) Math.min(c.length(), Integer.MAX_VALUE), ldc);
        GemmShapes.checkDisjoint("matmul", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, ONE_PRODUCT, 1);
        // A cached plan like the Java-array calls': a run forgets the arrays among its recent bindings that
        // their owners have closed (io.kiln.runtime.PlanExecutor), so arrays that live for one call are fine.
        return run("sgemm-off-heap", a, b, c, () -> new TaskGraph("Linalg.sgemm")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                .task(TASK, Gemm::sgemm, options.transA(), options.transB(), m, n, k, (float) options.alpha(), a, lda, b, ldb,
                        (float) options.beta(), c, ldc)
                .transferToHost(Transfer.EVERY_RUN, c),
                new Object[] {options.transA(), options.transB(), m, n, k, (float) options.alpha(), lda, ldb, (float) options.beta(), ldc});
    }

    private void checkOpen() {
        synchronized (plans) {
            if (closed) throw new IllegalStateException("this Linalg facade is closed: make a new one with Linalg.on(device)");
        }
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} in {@code double} ({@link Gemm#dgemm}'s contract).
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong, or C shares elements with A or B
     */
    public RunResult.TaskRun matmul(double[] a, double[] b, double[] c, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        GemmShapes.check(options.transA(), options.transB(), m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
        GemmShapes.checkDisjoint("matmul", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, ONE_PRODUCT, 1);
        return run("dgemm", a, b, c, () -> new TaskGraph("Linalg.dgemm")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                .task(TASK, Gemm::dgemm, options.transA(), options.transB(), m, n, k, options.alpha(), a, lda, b, ldb,
                        options.beta(), c, ldc)
                .transferToHost(Transfer.EVERY_RUN, c),
                new Object[] {options.transA(), options.transB(), m, n, k, options.alpha(), lda, ldb, options.beta(), ldc});
    }

    /** {@code C = A * B} on off-heap {@code double} matrices; see {@link #matmul(float[], float[], float[], int, int, int)}. */
    public RunResult.TaskRun matmul(DoubleArray a, DoubleArray b, DoubleArray c, int m, int n, int k) {
        return matmul(a, b, c, m, n, k, Matmul.DEFAULT);
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} on off-heap {@code double} matrices ({@link Gemm#dgemm}'s
     * contract); otherwise as {@link #matmul(double[], double[], double[], int, int, int, Matmul)}.
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong, or C shares elements with A or B
     */
    public RunResult.TaskRun matmul(DoubleArray a, DoubleArray b, DoubleArray c, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        GemmShapes.check(options.transA(), options.transB(), m, n, k, len(a.length()), lda, len(b.length()), ldb, len(c.length()), ldc);
        GemmShapes.checkDisjoint("matmul", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, ONE_PRODUCT, 1);
        return run("dgemm-off-heap", a, b, c, () -> new TaskGraph("Linalg.dgemm")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                .task(TASK, Gemm::dgemm, options.transA(), options.transB(), m, n, k, options.alpha(), a, lda, b, ldb,
                        options.beta(), c, ldc)
                .transferToHost(Transfer.EVERY_RUN, c),
                new Object[] {options.transA(), options.transB(), m, n, k, options.alpha(), lda, ldb, options.beta(), ldc});
    }

    /** An off-heap length as the int that index arithmetic can reach (the shape checks then see what kernels can address). */
    private static int len(long length) {
        return (int) Math.min(length, Integer.MAX_VALUE);
    }

    /** The Java parameter positions of {@link Gemm#sgemm}'s scalars, in the order {@code matmul} passes them. */
    /** A convolution's output must not share elements with an input (each output element reads many inputs). */
    private static void convDisjoint(Object x, Object w, Object b, Object y, long xs, long ws, long bs, long ys) {
        GemmShapes.checkDisjoint("conv2d", "y", y, ys, "x", x, xs);
        GemmShapes.checkDisjoint("conv2d", "y", y, ys, "w", w, ws);
        GemmShapes.checkDisjoint("conv2d", "y", y, ys, "bias", b, bs);
    }

    /** The offsets of a single product for {@link GemmShapes#checkDisjoint}. */
    private static final int[] ONE_PRODUCT = {0, 0, 0};

    private static final int[] GEMM_SCALARS = {0, 1, 2, 3, 4, 5, 7, 9, 10, 12};

    private RunResult.TaskRun run(String op, Object a, Object b, Object c, Supplier<TaskGraph> graph, Object[] scalars) {
        return run(op, new Object[] {a, b, c}, graph, GEMM_SCALARS, scalars);
    }

    /**
     * Runs operation {@code op}: builds its plan with {@code graph} (one task, {@code "op"}) on first use,
     * else binds {@code data} (in the order the graph was built with) and the scalars at Java parameter
     * positions {@code positions} to it.
     */
    private RunResult.TaskRun run(String op, Object[] data, Supplier<TaskGraph> graph, int[] positions, Object[] scalars) {
        Cached cached;
        boolean fresh = false;
        synchronized (plans) {
            checkOpen();
            cached = plans.get(op);
            if (cached == null) {
                cached = new Cached(graph.get().plan(runtime, device()), data.clone());
                plans.put(op, cached);
                fresh = true;
            }
        }
        synchronized (cached) {
            if (fresh) return cached.plan().run().task(TASK);
            Bindings bind = Bindings.of();
            for (int i = 0; i < data.length; i++) bind.data(cached.data()[i], data[i]);
            for (int i = 0; i < scalars.length; i++) bind.scalar(TASK, positions[i], scalars[i]);
            return cached.plan().run(bind).task(TASK);
        }
    }

    // ---- batched products, matrix-vector ------------------------------------------------------------------

    private static final int[] BATCH_SCALARS = {0, 1, 2, 3, 4, 5, 7, 9, 10, 12, 14};

    /**
     * A strided batch in one launch: {@code C[q] = alpha * op(A[q]) * op(B[q]) + beta * C[q]} for
     * {@code q < batch}, matrix {@code q} of each array at {@code q * stride} ({@link Matmul#batchStrides};
     * by default the stored matrices follow each other). {@link Gemm#sgemmStridedBatched}'s contract;
     * each product has {@link Gemm#sgemm}'s precision.
     *
     * @throws IllegalArgumentException if a shape, stride or array length is wrong, or two C matrices overlap, or a C shares elements with an A or B
     */
    public RunResult.TaskRun matmulBatched(float[] a, float[] b, float[] c, int batch, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        int[] strides = options.strides(m, n, k);
        int[] offsets = GemmShapes.stridedOffsets(strides, batch);
        GemmShapes.checkBatched(options.transA(), options.transB(), m, n, k, a.length, lda, b.length, ldb, c.length, ldc,
                offsets, batch);
        GemmShapes.checkDisjoint("matmulBatched", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, offsets, batch);
        return run("sgemmStridedBatched", new Object[] {a, b, c, strides}, () -> new TaskGraph("Linalg.sgemmStridedBatched")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c, strides)
                .task(TASK, Gemm::sgemmStridedBatched, options.transA(), options.transB(), m, n, k, (float) options.alpha(), a, lda,
                        b, ldb, (float) options.beta(), c, ldc, strides, batch)
                .transferToHost(Transfer.EVERY_RUN, c), BATCH_SCALARS,
                new Object[] {options.transA(), options.transB(), m, n, k, (float) options.alpha(), lda, ldb, (float) options.beta(), ldc, batch});
    }

    /** {@code C[q] = A[q] * B[q]} for {@code q < batch}, the packed matrices one after another in each array. */
    public RunResult.TaskRun matmulBatched(float[] a, float[] b, float[] c, int batch, int m, int n, int k) {
        return matmulBatched(a, b, c, batch, m, n, k, Matmul.DEFAULT);
    }

    /**
     * A batch with each matrix at its own offset, in one launch: product {@code q} reads A at
     * {@code offsets[3q]}, B at {@code offsets[3q + 1]} and updates C at {@code offsets[3q + 2]}
     * ({@link Gemm#sgemmBatched}; batch strides in {@code options} are ignored).
     *
     * @throws IllegalArgumentException if a shape, offset or array length is wrong, or two C matrices overlap, or a C shares elements with an A or B
     */
    public RunResult.TaskRun matmulBatched(float[] a, float[] b, float[] c, int[] offsets, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        int batch = offsets.length / 3;
        if (offsets.length % 3 != 0) {
            throw new IllegalArgumentException("matmulBatched: offsets holds A, B and C of each product, 3 per product; got " + offsets.length);
        }
        GemmShapes.checkBatched(options.transA(), options.transB(), m, n, k, a.length, lda, b.length, ldb, c.length, ldc, offsets, batch);
        GemmShapes.checkDisjoint("matmulBatched", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, offsets, batch);
        return run("sgemmBatched", new Object[] {a, b, c, offsets}, () -> new TaskGraph("Linalg.sgemmBatched")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c, offsets)
                .task(TASK, Gemm::sgemmBatched, options.transA(), options.transB(), m, n, k, (float) options.alpha(), a, lda,
                        b, ldb, (float) options.beta(), c, ldc, offsets, batch)
                .transferToHost(Transfer.EVERY_RUN, c), BATCH_SCALARS,
                new Object[] {options.transA(), options.transB(), m, n, k, (float) options.alpha(), lda, ldb, (float) options.beta(), ldc, batch});
    }

    /** The scalars of a batched call, in {@link #BATCH_SCALARS}' order. */
    private static Object[] batchScalars(Matmul o, int m, int n, int k, int lda, int ldb, int ldc, int batch, boolean single) {
        Object alpha = single ? (Object) (float) o.alpha() : (Object) o.alpha(), beta = single ? (Object) (float) o.beta() : (Object) o.beta();
        return new Object[] {o.transA(), o.transB(), m, n, k, alpha, lda, ldb, beta, ldc, batch};
    }

    /** The number of products that {@code offsets} describes (three offsets each). */
    private static int productsOf(int[] offsets) {
        if (offsets.length % 3 != 0) {
            throw new IllegalArgumentException("matmulBatched: offsets holds A, B and C of each product, 3 per product; got " + offsets.length);
        }
        return offsets.length / 3;
    }

    /** A strided batch on off-heap matrices; otherwise as {@link #matmulBatched(float[], float[], float[], int, int, int, int, Matmul)}. */
    public RunResult.TaskRun matmulBatched(FloatArray a, FloatArray b, FloatArray c, int batch, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        int[] strides = options.strides(m, n, k);
        int[] offsets = GemmShapes.stridedOffsets(strides, batch);
        GemmShapes.checkBatched(options.transA(), options.transB(), m, n, k, len(a.length()), lda, len(b.length()), ldb, len(c.length()), ldc,
                offsets, batch);
        GemmShapes.checkDisjoint("matmulBatched", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, offsets, batch);
        return run("sgemmStridedBatched-off-heap", new Object[] {a, b, c, strides}, () -> new TaskGraph("Linalg.sgemmStridedBatched")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c, strides)
                .task(TASK, Gemm::sgemmStridedBatched, options.transA(), options.transB(), m, n, k, (float) options.alpha(), a, lda,
                        b, ldb, (float) options.beta(), c, ldc, strides, batch)
                .transferToHost(Transfer.EVERY_RUN, c), BATCH_SCALARS, batchScalars(options, m, n, k, lda, ldb, ldc, batch, true));
    }

    /** {@code C[q] = A[q] * B[q]} on off-heap matrices, one after another in each array. */
    public RunResult.TaskRun matmulBatched(FloatArray a, FloatArray b, FloatArray c, int batch, int m, int n, int k) {
        return matmulBatched(a, b, c, batch, m, n, k, Matmul.DEFAULT);
    }

    /** A batch at offsets on off-heap matrices; otherwise as {@link #matmulBatched(float[], float[], float[], int[], int, int, int, Matmul)}. */
    public RunResult.TaskRun matmulBatched(FloatArray a, FloatArray b, FloatArray c, int[] offsets, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        int batch = productsOf(offsets);
        GemmShapes.checkBatched(options.transA(), options.transB(), m, n, k, len(a.length()), lda, len(b.length()), ldb, len(c.length()), ldc,
                offsets, batch);
        GemmShapes.checkDisjoint("matmulBatched", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, offsets, batch);
        return run("sgemmBatched-off-heap", new Object[] {a, b, c, offsets}, () -> new TaskGraph("Linalg.sgemmBatched")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c, offsets)
                .task(TASK, Gemm::sgemmBatched, options.transA(), options.transB(), m, n, k, (float) options.alpha(), a, lda,
                        b, ldb, (float) options.beta(), c, ldc, offsets, batch)
                .transferToHost(Transfer.EVERY_RUN, c), BATCH_SCALARS, batchScalars(options, m, n, k, lda, ldb, ldc, batch, true));
    }

    /** A strided batch in {@code double} ({@link Gemm#dgemmStridedBatched}); otherwise as the {@code float[]} form. */
    public RunResult.TaskRun matmulBatched(double[] a, double[] b, double[] c, int batch, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        int[] strides = options.strides(m, n, k);
        int[] offsets = GemmShapes.stridedOffsets(strides, batch);
        GemmShapes.checkBatched(options.transA(), options.transB(), m, n, k, a.length, lda, b.length, ldb, c.length, ldc,
                offsets, batch);
        GemmShapes.checkDisjoint("matmulBatched", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, offsets, batch);
        return run("dgemmStridedBatched", new Object[] {a, b, c, strides}, () -> new TaskGraph("Linalg.dgemmStridedBatched")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c, strides)
                .task(TASK, Gemm::dgemmStridedBatched, options.transA(), options.transB(), m, n, k, options.alpha(), a, lda,
                        b, ldb, options.beta(), c, ldc, strides, batch)
                .transferToHost(Transfer.EVERY_RUN, c), BATCH_SCALARS, batchScalars(options, m, n, k, lda, ldb, ldc, batch, false));
    }

    /** {@code C[q] = A[q] * B[q]} in {@code double}, the packed matrices one after another in each array. */
    public RunResult.TaskRun matmulBatched(double[] a, double[] b, double[] c, int batch, int m, int n, int k) {
        return matmulBatched(a, b, c, batch, m, n, k, Matmul.DEFAULT);
    }

    /** A batch at offsets in {@code double} ({@link Gemm#dgemmBatched}); otherwise as the {@code float[]} form. */
    public RunResult.TaskRun matmulBatched(double[] a, double[] b, double[] c, int[] offsets, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        int batch = productsOf(offsets);
        GemmShapes.checkBatched(options.transA(), options.transB(), m, n, k, a.length, lda, b.length, ldb, c.length, ldc, offsets, batch);
        GemmShapes.checkDisjoint("matmulBatched", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, offsets, batch);
        return run("dgemmBatched", new Object[] {a, b, c, offsets}, () -> new TaskGraph("Linalg.dgemmBatched")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c, offsets)
                .task(TASK, Gemm::dgemmBatched, options.transA(), options.transB(), m, n, k, options.alpha(), a, lda,
                        b, ldb, options.beta(), c, ldc, offsets, batch)
                .transferToHost(Transfer.EVERY_RUN, c), BATCH_SCALARS, batchScalars(options, m, n, k, lda, ldb, ldc, batch, false));
    }

    /** A strided batch on off-heap {@code double} matrices. */
    public RunResult.TaskRun matmulBatched(DoubleArray a, DoubleArray b, DoubleArray c, int batch, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        int[] strides = options.strides(m, n, k);
        int[] offsets = GemmShapes.stridedOffsets(strides, batch);
        GemmShapes.checkBatched(options.transA(), options.transB(), m, n, k, len(a.length()), lda, len(b.length()), ldb, len(c.length()), ldc,
                offsets, batch);
        GemmShapes.checkDisjoint("matmulBatched", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, offsets, batch);
        return run("dgemmStridedBatched-off-heap", new Object[] {a, b, c, strides}, () -> new TaskGraph("Linalg.dgemmStridedBatched")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c, strides)
                .task(TASK, Gemm::dgemmStridedBatched, options.transA(), options.transB(), m, n, k, options.alpha(), a, lda,
                        b, ldb, options.beta(), c, ldc, strides, batch)
                .transferToHost(Transfer.EVERY_RUN, c), BATCH_SCALARS, batchScalars(options, m, n, k, lda, ldb, ldc, batch, false));
    }

    /** A batch at offsets on off-heap {@code double} matrices. */
    public RunResult.TaskRun matmulBatched(DoubleArray a, DoubleArray b, DoubleArray c, int[] offsets, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        int batch = productsOf(offsets);
        GemmShapes.checkBatched(options.transA(), options.transB(), m, n, k, len(a.length()), lda, len(b.length()), ldb, len(c.length()), ldc,
                offsets, batch);
        GemmShapes.checkDisjoint("matmulBatched", a, b, c, options.transA(), options.transB(), m, n, k, lda, ldb, ldc, offsets, batch);
        return run("dgemmBatched-off-heap", new Object[] {a, b, c, offsets}, () -> new TaskGraph("Linalg.dgemmBatched")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c, offsets)
                .task(TASK, Gemm::dgemmBatched, options.transA(), options.transB(), m, n, k, options.alpha(), a, lda,
                        b, ldb, options.beta(), c, ldc, offsets, batch)
                .transferToHost(Transfer.EVERY_RUN, c), BATCH_SCALARS, batchScalars(options, m, n, k, lda, ldb, ldc, batch, false));
    }

    /** {@code y = A * x}: A is {@code m x n} row-major and packed, x has {@code n} elements, y has {@code m}. */
    public RunResult.TaskRun matvec(float[] a, float[] x, float[] y, int m, int n) {
        return matvec(a, x, y, m, n, Matmul.DEFAULT);
    }

    /**
     * {@code y = alpha * op(A) * x + beta * y} ({@link MatVec#sgemv}) with the transpose of A, the scales and
     * A's leading dimension from {@code options}: A is stored {@code m x n}; op(A) = A^T
     * ({@link Matmul#transposeA()}) takes {@code m} elements of x and gives {@code n} of y.
     *
     * @throws IllegalArgumentException if a shape or array length is wrong, or {@code options} transposes B, or y shares elements with A or x
     */
    public RunResult.TaskRun matvec(float[] a, float[] x, float[] y, int m, int n, Matmul options) {
        boolean trans = gemvTranspose(options);
        int lda = options.lda() != 0 ? options.lda() : Math.max(1, n);
        GemmShapes.checkGemv(trans, m, n, a.length, lda, x.length, 1, y.length, 1);
        GemmShapes.checkDisjoint("matvec", "y", y, trans ? n : m, "A", a, GemmShapes.span(m, n, lda));
        GemmShapes.checkDisjoint("matvec", "y", y, trans ? n : m, "x", x, trans ? m : n);
        float alpha = (float) options.alpha(), beta = (float) options.beta();
        return run("sgemv", new Object[] {a, x, y}, () -> new TaskGraph("Linalg.sgemv")
                .transferToDevice(Transfer.EVERY_RUN, a, x, y)
                .task(TASK, MatVec::sgemv, trans, m, n, alpha, a, lda, x, 1, beta, y, 1)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 1, 2, 3, 5, 8}, new Object[] {trans, m, n, alpha, lda, beta});
    }

    /** {@code y = A * x} in double; see {@link #matvec(float[], float[], float[], int, int)}. */
    public RunResult.TaskRun matvec(double[] a, double[] x, double[] y, int m, int n) {
        return matvec(a, x, y, m, n, Matmul.DEFAULT);
    }

    /**
     * {@code y = alpha * op(A) * x + beta * y} in double ({@link MatVec#dgemv}); otherwise as
     * {@link #matvec(float[], float[], float[], int, int, Matmul)}.
     *
     * @throws IllegalArgumentException if a shape or array length is wrong, or {@code options} transposes B, or y shares elements with A or x
     */
    public RunResult.TaskRun matvec(double[] a, double[] x, double[] y, int m, int n, Matmul options) {
        boolean trans = gemvTranspose(options);
        int lda = options.lda() != 0 ? options.lda() : Math.max(1, n);
        GemmShapes.checkGemv(trans, m, n, a.length, lda, x.length, 1, y.length, 1);
        GemmShapes.checkDisjoint("matvec", "y", y, trans ? n : m, "A", a, GemmShapes.span(m, n, lda));
        GemmShapes.checkDisjoint("matvec", "y", y, trans ? n : m, "x", x, trans ? m : n);
        return run("dgemv", new Object[] {a, x, y}, () -> new TaskGraph("Linalg.dgemv")
                .transferToDevice(Transfer.EVERY_RUN, a, x, y)
                .task(TASK, MatVec::dgemv, trans, m, n, options.alpha(), a, lda, x, 1, options.beta(), y, 1)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 1, 2, 3, 5, 8}, new Object[] {trans, m, n, options.alpha(), lda, options.beta()});
    }

    /**
     * The outer-product update {@code A += alpha * x * y^T} ({@link MatVec#sger}): x has {@code m} elements,
     * y has {@code n}, A is {@code m x n} row-major and packed.
     *
     * @throws IllegalArgumentException if an array is too short, or A shares elements with x or y
     */
    public RunResult.TaskRun outer(float[] x, float[] y, float[] a, int m, int n, float alpha) {
        int lda = Math.max(1, n);
        GemmShapes.checkGer(m, n, x.length, 1, y.length, 1, a.length, lda);
        GemmShapes.checkDisjoint("outer", "A", a, GemmShapes.span(m, n, lda), "x", x, m);
        GemmShapes.checkDisjoint("outer", "A", a, GemmShapes.span(m, n, lda), "y", y, n);
        return run("sger", new Object[] {x, y, a}, () -> new TaskGraph("Linalg.sger")
                .transferToDevice(Transfer.EVERY_RUN, x, y, a)
                .task(TASK, MatVec::sger, m, n, alpha, x, 1, y, 1, a, lda)
                .transferToHost(Transfer.EVERY_RUN, a), new int[] {0, 1, 2, 8}, new Object[] {m, n, alpha, lda});
    }

    /** {@code y = A * x} on off-heap arrays; see {@link #matvec(float[], float[], float[], int, int)}. */
    public RunResult.TaskRun matvec(FloatArray a, FloatArray x, FloatArray y, int m, int n) {
        return matvec(a, x, y, m, n, Matmul.DEFAULT);
    }

    /**
     * {@code y = alpha * op(A) * x + beta * y} on off-heap arrays; otherwise as
     * {@link #matvec(float[], float[], float[], int, int, Matmul)} (bit for bit its results).
     *
     * @throws IllegalArgumentException if a shape or array length is wrong, or {@code options} transposes B, or y shares elements with A or x
     */
    public RunResult.TaskRun matvec(FloatArray a, FloatArray x, FloatArray y, int m, int n, Matmul options) {
        boolean trans = gemvTranspose(options);
        int lda = options.lda() != 0 ? options.lda() : Math.max(1, n);
        GemmShapes.checkGemv(trans, m, n, clamp(a), lda, clamp(x), 1, clamp(y), 1);
        GemmShapes.checkDisjoint("matvec", "y", y, trans ? n : m, "A", a, GemmShapes.span(m, n, lda));
        GemmShapes.checkDisjoint("matvec", "y", y, trans ? n : m, "x", x, trans ? m : n);
        float alpha = (float) options.alpha(), beta = (float) options.beta();
        return run("sgemv-off-heap", new Object[] {a, x, y}, () -> new TaskGraph("Linalg.sgemv")
                .transferToDevice(Transfer.EVERY_RUN, a, x, y)
                .task(TASK, MatVec::sgemv, trans, m, n, alpha, a, lda, x, 1, beta, y, 1)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 1, 2, 3, 5, 8}, new Object[] {trans, m, n, alpha, lda, beta});
    }

    /** {@code y = A * x} in double on off-heap arrays; see {@link #matvec(float[], float[], float[], int, int)}. */
    public RunResult.TaskRun matvec(DoubleArray a, DoubleArray x, DoubleArray y, int m, int n) {
        return matvec(a, x, y, m, n, Matmul.DEFAULT);
    }

    /**
     * {@code y = alpha * op(A) * x + beta * y} in double on off-heap arrays; otherwise as
     * {@link #matvec(double[], double[], double[], int, int, Matmul)} (bit for bit its results).
     *
     * @throws IllegalArgumentException if a shape or array length is wrong, or {@code options} transposes B, or y shares elements with A or x
     */
    public RunResult.TaskRun matvec(DoubleArray a, DoubleArray x, DoubleArray y, int m, int n, Matmul options) {
        boolean trans = gemvTranspose(options);
        int lda = options.lda() != 0 ? options.lda() : Math.max(1, n);
        GemmShapes.checkGemv(trans, m, n, len(a.length()), lda, len(x.length()), 1, len(y.length()), 1);
        GemmShapes.checkDisjoint("matvec", "y", y, trans ? n : m, "A", a, GemmShapes.span(m, n, lda));
        GemmShapes.checkDisjoint("matvec", "y", y, trans ? n : m, "x", x, trans ? m : n);
        return run("dgemv-off-heap", new Object[] {a, x, y}, () -> new TaskGraph("Linalg.dgemv")
                .transferToDevice(Transfer.EVERY_RUN, a, x, y)
                .task(TASK, MatVec::dgemv, trans, m, n, options.alpha(), a, lda, x, 1, options.beta(), y, 1)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 1, 2, 3, 5, 8}, new Object[] {trans, m, n, options.alpha(), lda, options.beta()});
    }

    /** Whether a matvec's options transpose A; refuses a transpose of B (x is a vector). */
    private static boolean gemvTranspose(Matmul options) {
        if (options.transB()) throw new IllegalArgumentException("matvec: x is a vector, it has no transpose; use transposeA() for y = A^T x");
        return options.transA();
    }

    /** {@code A += alpha * x * y^T} on off-heap arrays; otherwise as {@link #outer(float[], float[], float[], int, int, float)}. */
    public RunResult.TaskRun outer(FloatArray x, FloatArray y, FloatArray a, int m, int n, float alpha) {
        int lda = Math.max(1, n);
        GemmShapes.checkGer(m, n, clamp(x), 1, clamp(y), 1, clamp(a), lda);
        GemmShapes.checkDisjoint("outer", "A", a, GemmShapes.span(m, n, lda), "x", x, m);
        GemmShapes.checkDisjoint("outer", "A", a, GemmShapes.span(m, n, lda), "y", y, n);
        return run("sger-off-heap", new Object[] {x, y, a}, () -> new TaskGraph("Linalg.sger")
                .transferToDevice(Transfer.EVERY_RUN, x, y, a)
                .task(TASK, MatVec::sger, m, n, alpha, x, 1, y, 1, a, lda)
                .transferToHost(Transfer.EVERY_RUN, a), new int[] {0, 1, 2, 8}, new Object[] {m, n, alpha, lda});
    }

    /**
     * An off-heap array's length for the shape checks, which take {@code int} lengths: shapes are {@code int}
     * products, so a longer array is as good as one of {@code Integer.MAX_VALUE} elements to them.
     */
    private static int clamp(io.kiln.OffHeapArray array) {
        return (int) Math.min(array.length(), Integer.MAX_VALUE);
    }

    // ---- elementwise --------------------------------------------------------------------------------------

    /**
     * {@code y[i] = op(x[i])} for {@code i < n} ({@link Elementwise#unary}): {@code args} are the op's
     * {@link Unary#arity()} parameters, e.g. {@code unary(x, y, n, Unary.CLAMP, 0, 6)} or
     * {@code unary(x, y, n, Unary.RELU)}. {@code y} may be {@code x}. Precision: {@link Elementwise}.
     *
     * @throws IllegalArgumentException if an array is shorter than {@code n} or {@code args} has the wrong count
     */
    public RunResult.TaskRun unary(float[] x, float[] y, int n, Unary op, float... args) {
        float[] pq = parameters(op, args);
        if (n < 0 || x.length < n || y.length < n) {
            throw new IllegalArgumentException("unary " + op + ": n=" + n + " elements, x has " + x.length + ", y has " + y.length);
        }
        int code = op.code();
        float p = pq[0], q = pq[1];
        // In place (y == x) is its own plan: a plan's bindings name each array it was built with once.
        return run(inPlace("unary", x, y), distinct(x, y), () -> new TaskGraph("Linalg.unary")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task(TASK, Elementwise::unary, code, p, q, x, y, n)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 1, 2, 5}, new Object[] {code, p, q, n});
    }

    /**
     * {@code y[i] = op(x[i])} on off-heap arrays; otherwise as {@link #unary(float[], float[], int, Unary, float...)}.
     *
     * @throws IllegalArgumentException if an array is shorter than {@code n} or {@code args} has the wrong count
     */
    public RunResult.TaskRun unary(FloatArray x, FloatArray y, long n, Unary op, float... args) {
        float[] pq = parameters(op, args);
        if (n < 0 || x.length() < n || y.length() < n) {
            throw new IllegalArgumentException("unary " + op + ": n=" + n + " elements, x has " + x.length() + ", y has " + y.length());
        }
        int code = op.code();
        float p = pq[0], q = pq[1];
        return run(inPlace("unary-off-heap", x, y), distinct(x, y),
                () -> new TaskGraph("Linalg.unary")
                        .transferToDevice(Transfer.EVERY_RUN, x)
                        .task(TASK, Elementwise::unary, code, p, q, x, y, n)
                        .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 1, 2, 5}, new Object[] {code, p, q, n});
    }

    /**
     * {@code y = op(a, b)} elementwise on a {@code rows x cols} tensor, b broadcast as {@code broadcast}
     * says ({@link Elementwise#binary}): e.g. {@code binary(x, bias, y, rows, cols, Broadcast.ROW, Binary.ADD)}.
     * {@code y} may be {@code a}. Bit for bit Java's float arithmetic on every device.
     *
     * @throws IllegalArgumentException if an array is too short for the shape and broadcast
     */
    public RunResult.TaskRun binary(float[] a, float[] b, float[] y, int rows, int cols, Broadcast broadcast, Binary op) {
        checkBinary(op, broadcast, rows, cols, a.length, b.length, y.length);
        int code = op.code(), bc = broadcast.code();
        boolean inPlace = y == a || y == b || a == b;
        Object[] data = inPlace ? distinct(a, b, y) : new Object[] {a, b, y};
        return run(inPlace ? "binary-aliased-" + aliasing(a, b, y) : "binary", data, () -> new TaskGraph("Linalg.binary")
                .transferToDevice(Transfer.EVERY_RUN, distinct(a, b))
                .task(TASK, Elementwise::binary, code, a, b, y, rows, cols, bc)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 4, 5, 6}, new Object[] {code, rows, cols, bc});
    }

    /**
     * {@code y = op(a, b)} on off-heap tensors; otherwise as
     * {@link #binary(float[], float[], float[], int, int, Broadcast, Binary)}.
     *
     * @throws IllegalArgumentException if an array is too short for the shape and broadcast
     */
    public RunResult.TaskRun binary(FloatArray a, FloatArray b, FloatArray y, int rows, int cols, Broadcast broadcast, Binary op) {
        checkBinary(op, broadcast, rows, cols, a.length(), b.length(), y.length());
        int code = op.code(), bc = broadcast.code();
        boolean inPlace = y == a || y == b || a == b;
        Object[] data = inPlace ? distinct(a, b, y) : new Object[] {a, b, y};
        return run(inPlace ? "binary-off-heap-aliased-" + aliasing(a, b, y) : "binary-off-heap", data, () -> new TaskGraph("Linalg.binary")
                .transferToDevice(Transfer.EVERY_RUN, distinct(a, b))
                .task(TASK, Elementwise::binary, code, a, b, y, rows, cols, bc)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 4, 5, 6}, new Object[] {code, rows, cols, bc});
    }

    /**
     * The cache key of operation {@code op} for output {@code y} of input {@code x}: an in-place call is a
     * plan of its own, because a plan's bindings name each array it was built with once.
     */
    private static String inPlace(String op, Object x, Object y) {
        return x == y ? op + "-in-place" : op;
    }

    /** The parameters {@code {p, q}} of {@code op}, checked against its arity. */
    private static float[] parameters(Unary op, float[] args) {
        if (args.length != op.arity()) {
            throw new IllegalArgumentException("unary " + op + " takes " + op.arity() + " parameter(s), got " + args.length
                    + (op == Unary.CLAMP ? " (CLAMP: lo, hi)" : op == Unary.SCALE ? " (SCALE: the factor)" : op == Unary.LEAKY_RELU ? " (LEAKY_RELU: the slope)" : ""));
        }
        return new float[] {args.length > 0 ? args[0] : 0f, args.length > 1 ? args[1] : 0f};
    }

    private static void checkBinary(Binary op, Broadcast broadcast, int rows, int cols, long a, long b, long y) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("binary " + op + ": rows and cols must not be negative, got " + rows + " x " + cols);
        long n = (long) rows * cols, nb = broadcast.length(rows, cols);
        if (a < n || y < n || (n > 0 && b < nb)) {
            throw new IllegalArgumentException("binary " + op + ": a " + rows + " x " + cols + " tensor needs " + n + " elements in a and y and "
                    + nb + " in b (broadcast " + broadcast + "); they have " + a + ", " + y + " and " + b);
        }
    }

    /** The arrays among {@code arrays}, each once, in order. */
    private static Object[] distinct(Object... arrays) {
        java.util.List<Object> out = new java.util.ArrayList<>();
        for (Object o : arrays) {
            boolean seen = false;
            for (Object p : out) seen |= p == o;
            if (!seen) out.add(o);
        }
        return out.toArray();
    }

    /** Which of a, b, y are the same array, as a cache key suffix. */
    private static String aliasing(Object a, Object b, Object y) {
        return (a == b ? "ab" : "") + (y == a ? "ya" : "") + (y == b ? "yb" : "");
    }

    /** Runs a one-task graph once in a plan of its own (off-heap arrays: see the class comment). */
    private RunResult.TaskRun runOnce(TaskGraph graph) {
        checkOpen();
        try (ExecutionPlan plan = graph.plan(runtime, device())) {
            return plan.run().task(TASK);
        }
    }

    // ---- reductions along an axis ------------------------------------------------------------------------

    /**
     * {@code y = op(x)} along {@code axis} of a {@code rows x cols} tensor ({@link AxisReductions#reduce}):
     * axis 1 reduces each row ({@code rows} outputs), axis 0 each column ({@code cols} outputs), e.g.
     * {@code reduce(x, colMeans, rows, cols, 0, Reduction.MEAN)}. Precision and NaN rules:
     * {@link AxisReductions}.
     *
     * @throws IllegalArgumentException if the axis is not 0 or 1 or an array is too short
     */
    public RunResult.TaskRun reduce(float[] x, float[] y, int rows, int cols, int axis, Reduction op) {
        CpuAxisReductions.check(op.code(), x.length, y.length, rows, cols, axis);
        int code = op.code();
        return run("reduce", new Object[] {x, y}, () -> new TaskGraph("Linalg.reduce")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task(TASK, AxisReductions::reduce, code, x, y, rows, cols, axis)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 3, 4, 5}, new Object[] {code, rows, cols, axis});
    }

    /**
     * {@code y} = the index of the largest element along {@code axis} ({@link AxisReductions#argmax}): the
     * first on ties, the first NaN if there is one.
     *
     * @throws IllegalArgumentException if the axis is not 0 or 1 or an array is too short
     */
    public RunResult.TaskRun argmax(float[] x, int[] y, int rows, int cols, int axis) {
        CpuAxisReductions.check(0, x.length, y.length, rows, cols, axis);
        return run("argmax", new Object[] {x, y}, () -> new TaskGraph("Linalg.argmax")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task(TASK, AxisReductions::argmax, x, y, rows, cols, axis)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {2, 3, 4}, new Object[] {rows, cols, axis});
    }

    /**
     * {@code y = op(x)} along {@code axis} on off-heap tensors; otherwise as
     * {@link #reduce(float[], float[], int, int, int, Reduction)} (bit for bit its results).
     *
     * @throws IllegalArgumentException if the axis is not 0 or 1 or an array is too short
     */
    public RunResult.TaskRun reduce(FloatArray x, FloatArray y, int rows, int cols, int axis, Reduction op) {
        CpuAxisReductions.check(op.code(), x.length(), y.length(), rows, cols, axis);
        int code = op.code();
        return run("reduce-off-heap", new Object[] {x, y}, () -> new TaskGraph("Linalg.reduce")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task(TASK, AxisReductions::reduce, code, x, y, rows, cols, axis)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {0, 3, 4, 5}, new Object[] {code, rows, cols, axis});
    }

    /** The argmax along {@code axis} on off-heap arrays; otherwise as {@link #argmax(float[], int[], int, int, int)}. */
    public RunResult.TaskRun argmax(FloatArray x, IntArray y, int rows, int cols, int axis) {
        CpuAxisReductions.check(0, x.length(), y.length(), rows, cols, axis);
        return run("argmax-off-heap", new Object[] {x, y}, () -> new TaskGraph("Linalg.argmax")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task(TASK, AxisReductions::argmax, x, y, rows, cols, axis)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {2, 3, 4}, new Object[] {rows, cols, axis});
    }

    // ---- convolution --------------------------------------------------------------------------------------

    /**
     * 2-D convolution of NCHW tensors ({@link Conv}): x is {@code n x c x h x wd}, w is {@code k x c x r x s},
     * bias has {@code k} elements ({@code null}: none), y is {@code n x k x p x q} with p and q from
     * {@link Conv2d#outHeight}/{@link Conv2d#outWidth}. {@link Conv2d.Algorithm#AUTO} runs the unrolled
     * direct kernel for 3 x 3 and im2col + gemm otherwise. Each call builds its plan (kernels stay built).
     *
     * @return the task that did the arithmetic: the direct kernel, or the batched product of the im2col path
     * @throws IllegalArgumentException if a shape, option or array length is wrong, or y shares elements with x, w or bias
     */
    public RunResult.TaskRun conv2d(float[] x, float[] w, float[] bias, float[] y, int n, int c, int h, int wd, int k, int r, int s,
                                    Conv2d options) {
        float[] b = bias != null ? bias : new float[Math.max(1, k)];
        options.check(n, c, h, wd, k, r, s, x.length, w.length, b.length, y.length);
        convDisjoint(x, w, b, y, x.length, w.length, b.length, y.length);
        int p = options.outHeight(h, r), q = options.outWidth(wd, s);
        int[] g = options.geometry(r, s);
        Conv2d.Algorithm algorithm = options.algorithm() == Conv2d.Algorithm.AUTO
                ? (r == 3 && s == 3 ? Conv2d.Algorithm.DIRECT : Conv2d.Algorithm.IM2COL) : options.algorithm();
        TaskGraph graph = new TaskGraph("Linalg.conv2d").transferToDevice(Transfer.EVERY_RUN, x, w, b, g);
        if (algorithm == Conv2d.Algorithm.DIRECT) {
            if (r == 3 && s == 3) graph.task(TASK, Conv::conv2d3x3, x, w, b, y, n, c, h, wd, k, p, q, g);
            else graph.task(TASK, Conv::conv2d, x, w, b, y, n, c, h, wd, k, p, q, g);
        } else {
            int crs = c * r * s, pq = p * q;
            float[] patches = new float[Math.max(1, n * crs * pq)];
            int[] strides = {0, crs * pq, k * pq};
            graph.transferToDevice(Transfer.EVERY_RUN, strides)
                    .task("im2col", Conv::im2col, x, patches, n, c, h, wd, r, s, p, q, g)
                    .task("bias", Conv::fillBias, b, y, n, k, pq)
                    .task(TASK, Gemm::sgemmStridedBatched, false, false, k, pq, crs, 1f, w, crs, patches, pq, 1f, y, pq,
                            strides, n);
        }
        return runOnce(graph.transferToHost(Transfer.EVERY_RUN, y));
    }

    /**
     * 2-D convolution of off-heap NCHW tensors; otherwise as
     * {@link #conv2d(float[], float[], float[], float[], int, int, int, int, int, int, int, Conv2d)}. It runs
     * the direct kernel for every filter size ({@link Conv2d.Algorithm#AUTO} and {@code DIRECT}), bit for
     * bit the Java-array direct kernels' results; {@code IM2COL} is refused (its patch matrix is a Java array).
     *
     * @throws IllegalArgumentException if a shape, option or array length is wrong, y shares elements with x, w or bias, or the algorithm is {@code IM2COL}
     */
    public RunResult.TaskRun conv2d(FloatArray x, FloatArray w, FloatArray bias, FloatArray y, int n, int c, int h, int wd, int k,
                                    int r, int s, Conv2d options) {
        if (options.algorithm() == Conv2d.Algorithm.IM2COL) {
            throw new IllegalArgumentException("conv2d: the IM2COL algorithm takes Java arrays (float[]); off-heap tensors run the "
                    + "direct kernel: use Conv2d.Algorithm.AUTO or DIRECT");
        }
        FloatArray b = bias != null ? bias : FloatArray.allocate(Math.max(1, k));
        try {
            options.check(n, c, h, wd, k, r, s, x.length(), w.length(), b.length(), y.length());
            convDisjoint(x, w, b, y, x.length(), w.length(), b.length(), y.length());
            int p = options.outHeight(h, r), q = options.outWidth(wd, s);
            int[] g = options.geometry(r, s);
            return runOnce(new TaskGraph("Linalg.conv2d")
                    .transferToDevice(Transfer.EVERY_RUN, x, w, b, g)
                    .task(TASK, Conv::conv2d, x, w, b, y, n, c, h, wd, k, p, q, g)
                    .transferToHost(Transfer.EVERY_RUN, y));
        } finally {
            if (b != bias) b.close();
        }
    }

    // ---- row-wise operations ------------------------------------------------------------------------------

    private static final int[] ROW_SCALARS = {2, 3};

    /**
     * {@code y = softmax(x)} along each row of a {@code rows x cols} matrix ({@link RowOps#softmax}:
     * stable, reduced in double, within one float ulp of float64).
     *
     * @throws IllegalArgumentException if an array is shorter than {@code rows * cols}
     */
    public RunResult.TaskRun softmax(float[] x, float[] y, int rows, int cols) {
        checkRows("softmax", x, y, rows, cols);
        return run("softmax", new Object[] {x, y}, () -> new TaskGraph("Linalg.softmax")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task(TASK, RowOps::softmax, x, y, rows, cols)
                .transferToHost(Transfer.EVERY_RUN, y), ROW_SCALARS, new Object[] {rows, cols});
    }

    /** {@code y = log(softmax(x))} along each row ({@link RowOps#logSoftmax}); as {@link #softmax}. */
    public RunResult.TaskRun logSoftmax(float[] x, float[] y, int rows, int cols) {
        checkRows("logSoftmax", x, y, rows, cols);
        return run("logSoftmax", new Object[] {x, y}, () -> new TaskGraph("Linalg.logSoftmax")
                .transferToDevice(Transfer.EVERY_RUN, x)
                .task(TASK, RowOps::logSoftmax, x, y, rows, cols)
                .transferToHost(Transfer.EVERY_RUN, y), ROW_SCALARS, new Object[] {rows, cols});
    }

    /**
     * Layer normalisation of each row ({@link RowOps#layerNorm}); {@code gamma} and {@code beta}
     * ({@code cols} elements each) may be {@code null} for no scale or no shift.
     *
     * @throws IllegalArgumentException if an array is too short
     */
    public RunResult.TaskRun layerNorm(float[] x, float[] gamma, float[] beta, float[] y, int rows, int cols, float eps) {
        checkRows("layerNorm", x, y, rows, cols);
        float[] g = weights("layerNorm", "gamma", gamma, cols, 1f), b = weights("layerNorm", "beta", beta, cols, 0f);
        return run("layerNorm", new Object[] {x, g, b, y}, () -> new TaskGraph("Linalg.layerNorm")
                .transferToDevice(Transfer.EVERY_RUN, x, g, b)
                .task(TASK, RowOps::layerNorm, x, g, b, y, rows, cols, eps)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {4, 5, 6}, new Object[] {rows, cols, eps});
    }

    /**
     * RMS normalisation of each row ({@link RowOps#rmsNorm}); {@code gamma} may be {@code null}.
     *
     * @throws IllegalArgumentException if an array is too short
     */
    public RunResult.TaskRun rmsNorm(float[] x, float[] gamma, float[] y, int rows, int cols, float eps) {
        checkRows("rmsNorm", x, y, rows, cols);
        float[] g = weights("rmsNorm", "gamma", gamma, cols, 1f);
        return run("rmsNorm", new Object[] {x, g, y}, () -> new TaskGraph("Linalg.rmsNorm")
                .transferToDevice(Transfer.EVERY_RUN, x, g)
                .task(TASK, RowOps::rmsNorm, x, g, y, rows, cols, eps)
                .transferToHost(Transfer.EVERY_RUN, y), new int[] {3, 4, 5}, new Object[] {rows, cols, eps});
    }

    // ---- row-wise operations on off-heap matrices (the weights stay Java arrays) ----------------------------

    /** {@code y = softmax(x)} along each row of off-heap matrices; otherwise as {@link #softmax(float[], float[], int, int)}. */
    public RunResult.TaskRun softmax(FloatArray x, FloatArray y, int rows, int cols) {
        checkRows("softmax", x.length(), y.length(), rows, cols);
        return run(inPlace("softmax-off-heap", x, y), distinct(x, y),
                () -> new TaskGraph("Linalg.softmax")
                        .transferToDevice(Transfer.EVERY_RUN, x)
                        .task(TASK, RowOps::softmax, x, y, rows, cols)
                        .transferToHost(Transfer.EVERY_RUN, y), ROW_SCALARS, new Object[] {rows, cols});
    }

    /** {@code y = log(softmax(x))} on off-heap matrices; otherwise as {@link #logSoftmax(float[], float[], int, int)}. */
    public RunResult.TaskRun logSoftmax(FloatArray x, FloatArray y, int rows, int cols) {
        checkRows("logSoftmax", x.length(), y.length(), rows, cols);
        return run(inPlace("logSoftmax-off-heap", x, y), distinct(x, y),
                () -> new TaskGraph("Linalg.logSoftmax")
                        .transferToDevice(Transfer.EVERY_RUN, x)
                        .task(TASK, RowOps::logSoftmax, x, y, rows, cols)
                        .transferToHost(Transfer.EVERY_RUN, y), ROW_SCALARS, new Object[] {rows, cols});
    }

    /** Layer normalisation of off-heap matrices; otherwise as {@link #layerNorm(float[], float[], float[], float[], int, int, float)}. */
    public RunResult.TaskRun layerNorm(FloatArray x, float[] gamma, float[] beta, FloatArray y, int rows, int cols, float eps) {
        checkRows("layerNorm", x.length(), y.length(), rows, cols);
        float[] g = weights("layerNorm", "gamma", gamma, cols, 1f), b = weights("layerNorm", "beta", beta, cols, 0f);
        return run(inPlace("layerNorm-off-heap", x, y), x == y ? new Object[] {x, g, b} : new Object[] {x, g, b, y},
                () -> new TaskGraph("Linalg.layerNorm")
                        .transferToDevice(Transfer.EVERY_RUN, x, g, b)
                        .task(TASK, RowOps::layerNorm, x, g, b, y, rows, cols, eps)
                        .transferToHost(Transfer.EVERY_RUN, y), new int[] {4, 5, 6}, new Object[] {rows, cols, eps});
    }

    /** RMS normalisation of off-heap matrices; otherwise as {@link #rmsNorm(float[], float[], float[], int, int, float)}. */
    public RunResult.TaskRun rmsNorm(FloatArray x, float[] gamma, FloatArray y, int rows, int cols, float eps) {
        checkRows("rmsNorm", x.length(), y.length(), rows, cols);
        float[] g = weights("rmsNorm", "gamma", gamma, cols, 1f);
        return run(inPlace("rmsNorm-off-heap", x, y), distinct(x, g, y),
                () -> new TaskGraph("Linalg.rmsNorm")
                        .transferToDevice(Transfer.EVERY_RUN, x, g)
                        .task(TASK, RowOps::rmsNorm, x, g, y, rows, cols, eps)
                        .transferToHost(Transfer.EVERY_RUN, y), new int[] {3, 4, 5}, new Object[] {rows, cols, eps});
    }

    private static void checkRows(String op, float[] x, float[] y, int rows, int cols) {
        checkRows(op, x.length, y.length, rows, cols);
    }

    private static void checkRows(String op, long xLength, long yLength, int rows, int cols) {
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException(op + ": rows and cols must not be negative, got " + rows + " x " + cols);
        }
        long need = (long) rows * cols;
        if (xLength < need || yLength < need) {
            throw new IllegalArgumentException(op + ": a " + rows + " x " + cols + " matrix needs " + need + " elements; x has "
                    + xLength + ", y has " + yLength);
        }
    }

    /** {@code w}, checked to have {@code cols} elements, or (for {@code null}) {@code cols} copies of {@code fill}. */
    private float[] weights(String op, String name, float[] w, int cols, float fill) {
        if (w == null) {
            float[] ones = new float[Math.max(1, cols)];
            java.util.Arrays.fill(ones, fill);
            return ones;
        }
        if (w.length < cols) {
            throw new IllegalArgumentException(op + ": " + name + " has " + w.length + " elements, the rows have " + cols);
        }
        return w;
    }

    /**
     * Closes the plans this facade built (their kernels stay in the runtime's cache).
     *
     * @throws UnsupportedOperationException for {@link #shared()}
     */
    @Override
    public void close() {
        if (shared) throw new UnsupportedOperationException("Linalg.shared() lives as long as the process; close facades made with Linalg.on");
        synchronized (plans) {
            closed = true;
            for (Cached c : plans.values()) c.plan().close();
            plans.clear();
        }
    }
}
