package io.kiln.kernels.linalg;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Linear algebra as calls rather than graphs: each call runs one operation on this facade's device
 * and returns what ran. Every operation takes its arrays first (inputs, then the output) and its shape
 * last, and {@code float[]} and {@code double[]} alike:
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
 * three arrays bound to each argument until {@link #close()}. On {@code cpu} the engine runs the operations' cpu variants
 * ({@link CpuGemm}); {@link RunResult.TaskRun#implementation()} says what ran.
 * <p><b>In task graphs</b> the same operations are the kernels of {@link Gemm}:
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

    /** One operation's plan and the arrays it was built with (bindings name them). */
    private record Cached(ExecutionPlan plan, Object a, Object b, Object c) {
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
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong
     */
    public RunResult.TaskRun matmul(float[] a, float[] b, float[] c, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        GemmShapes.check(options.transA(), options.transB(), m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
        return run("sgemm", a, b, c, () -> new TaskGraph("Linalg.sgemm")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                .task("gemm", Gemm::sgemm, options.transA(), options.transB(), m, n, k, (float) options.alpha(), a, lda, b, ldb,
                        (float) options.beta(), c, ldc)
                .transferToHost(Transfer.EVERY_RUN, c),
                new Object[] {options.transA(), options.transB(), m, n, k, (float) options.alpha(), lda, ldb, (float) options.beta(), ldc});
    }

    /**
     * {@code C = alpha * op(A) * op(B) + beta * C} in {@code double} ({@link Gemm#dgemm}'s contract).
     *
     * @throws IllegalArgumentException if a dimension, leading dimension or array length is wrong
     */
    public RunResult.TaskRun matmul(double[] a, double[] b, double[] c, int m, int n, int k, Matmul options) {
        int lda = options.lda(m, k), ldb = options.ldb(n, k), ldc = options.ldc(n);
        GemmShapes.check(options.transA(), options.transB(), m, n, k, a.length, lda, b.length, ldb, c.length, ldc);
        return run("dgemm", a, b, c, () -> new TaskGraph("Linalg.dgemm")
                .transferToDevice(Transfer.EVERY_RUN, a, b, c)
                .task("gemm", Gemm::dgemm, options.transA(), options.transB(), m, n, k, options.alpha(), a, lda, b, ldb,
                        options.beta(), c, ldc)
                .transferToHost(Transfer.EVERY_RUN, c),
                new Object[] {options.transA(), options.transB(), m, n, k, options.alpha(), lda, ldb, options.beta(), ldc});
    }

    /** The Java parameter positions of {@link Gemm#sgemm}'s scalars, in the order {@code matmul} passes them. */
    private static final int[] GEMM_SCALARS = {0, 1, 2, 3, 4, 5, 7, 9, 10, 12};

    private RunResult.TaskRun run(String op, Object a, Object b, Object c, java.util.function.Supplier<TaskGraph> graph, Object[] scalars) {
        Cached cached;
        boolean fresh = false;
        synchronized (plans) {
            if (closed) throw new IllegalStateException("this Linalg facade is closed: make a new one with Linalg.on(device)");
            cached = plans.get(op);
            if (cached == null) {
                cached = new Cached(graph.get().plan(runtime, device()), a, b, c);
                plans.put(op, cached);
                fresh = true;
            }
        }
        synchronized (cached) {
            if (fresh) return cached.plan().run().task("gemm");
            Bindings bind = Bindings.of().data(cached.a(), a).data(cached.b(), b).data(cached.c(), c);
            for (int i = 0; i < scalars.length; i++) bind.scalar("gemm", GEMM_SCALARS[i], scalars[i]);
            return cached.plan().run(bind).task("gemm");
        }
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
