package io.kiln.spark;

import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.KilnRuntime;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Kiln inside one Spark executor JVM: the runtime (devices, the kernel cache), which device a task
 * runs on, and counters of what happened. Built lazily by the first task that needs it
 * ({@link #get()}), reused by every later task and stage of the JVM (and by every {@code SparkSession}
 * of it, as in {@code local} mode where driver and executor share a JVM), closed by a shutdown hook
 * when the executor exits.
 *
 * <p>The runtime is the engine's process-wide one ({@link KilnRuntime#shared()}): the library's
 * tabular and image kernels build their plans there. Its kernel cache is bounded (1024 kernels) and
 * keys kernels without holding their classes, so a job run again and again in one JVM does not grow
 * it; this object adds nothing static beyond one reference to itself.
 *
 * <p>A stage's {@code device} parameter picks the device: {@value #AUTO} (the default) takes the
 * GPU Spark's resource scheduler gave the task ({@code spark.task.resource.gpu.amount}): address
 * {@code N} is {@code cuda:N} when Kiln has that CUDA device, else the N-th OpenCL GPU; a task given no
 * GPU runs on {@code cpu}. A task that was given a GPU Kiln cannot use runs on {@code cpu} with a WARN
 * line saying why, and {@link #gpuFallbacks()} counts it. Any other value is a Kiln device id
 * ({@code cpu}, {@code opencl:0}, {@code cuda:1}) used as is.
 */
public final class KilnExecutor implements AutoCloseable {
    /** The device parameter value that follows Spark's GPU scheduling. */
    public static final String AUTO = "auto";

    /** The Spark resource name Kiln reads: {@code spark.task.resource.gpu.amount}. */
    public static final String GPU_RESOURCE = "gpu";

    private static final Logger LOG = LoggerFactory.getLogger(KilnExecutor.class);
    private static final Object LOCK = new Object();
    private static KilnExecutor current;
    private static boolean hookAdded;

    private final KilnRuntime runtime;
    private final AtomicLong tasks = new AtomicLong();
    private final AtomicLong gpuTasks = new AtomicLong();
    private final AtomicLong gpuFallbacks = new AtomicLong();
    private volatile boolean closed;

    private KilnExecutor(KilnRuntime runtime) {
        this.runtime = runtime;
    }

    /**
     * This JVM's executor runtime, built on first use (device discovery happens then) and rebuilt if it
     * was closed. Thread-safe: Spark runs several tasks of one executor at once.
     */
    public static KilnExecutor get() {
        synchronized (LOCK) {
            if (current == null || current.closed) {
                current = new KilnExecutor(KilnRuntime.shared());
                if (!hookAdded) {
                    // One hook per loaded copy of this class: it closes whichever runtime is current at exit.
                    Runtime.getRuntime().addShutdownHook(new Thread(KilnExecutor::closeCurrent, "kiln-executor-shutdown"));
                    hookAdded = true;
                }
                LOG.info("Kiln executor runtime started; devices: {}", current.runtime.devices());
            }
            return current;
        }
    }

    private static void closeCurrent() {
        synchronized (LOCK) {
            if (current != null) current.close();
        }
    }

    /** The Kiln runtime of this executor. */
    public KilnRuntime runtime() {
        return runtime;
    }

    /**
     * The device for the running task: see the class comment for {@code requested}. Outside a task (on
     * the driver) {@value #AUTO} means {@code cpu}.
     *
     * @throws IllegalArgumentException if {@code requested} names a device this JVM does not have
     * @throws IllegalStateException    if this runtime was closed
     */
    public Device deviceFor(String requested) {
        Objects.requireNonNull(requested, "requested");
        if (closed) throw new IllegalStateException("the Kiln executor runtime is closed; call KilnExecutor.get() again");
        tasks.incrementAndGet();
        if (!AUTO.equals(requested)) return runtime.device(requested);
        TaskContext task = TaskContext.get();
        String[] gpus = new String[0];
        if (task != null) {
            Map<String, ResourceInformation> resources = task.resourcesJMap();
            ResourceInformation gpu = resources.get(GPU_RESOURCE);
            if (gpu != null) gpus = gpu.addresses();
        }
        if (gpus.length > 0) gpuTasks.incrementAndGet();
        Choice choice = choose(gpus, runtime.devices());
        if (choice.fallback() != null) {
            gpuFallbacks.incrementAndGet();
            LOG.warn("KILN GPU FALLBACK: task {} was given GPU {} by Spark but runs on cpu: {}",
                    task == null ? "(none)" : task.taskAttemptId(), String.join(",", gpus), choice.fallback());
        }
        return choice.device();
    }

    /**
     * A device choice: the device, and why it is {@code cpu} although a GPU was given ({@code null}
     * when it is not a fallback).
     *
     * @param device   the device to run on
     * @param fallback the reason of a GPU-to-cpu fallback, or {@code null}
     */
    public record Choice(Device device, String fallback) {
    }

    /**
     * The device for a task given the GPU addresses {@code gpus} (empty: none), among {@code devices}:
     * address {@code N} (the first one; a task uses one device) is {@code cuda:N}, else the N-th OpenCL
     * GPU, else {@code cpu} with the reason. Addresses that are not numbers are matched by position 0.
     *
     * @throws IllegalStateException if there is no {@code cpu} device among {@code devices}
     */
    public static Choice choose(String[] gpus, List<Device> devices) {
        Device cpu = devices.stream().filter(d -> d.id().equals("cpu")).findFirst().orElseThrow(
                () -> new IllegalStateException("Kiln found no cpu device: put kiln-cpu-fallback on the executors' class path"));
        if (gpus.length == 0) return new Choice(cpu, null);
        int n;
        try {
            n = Integer.parseInt(gpus[0].trim());
        } catch (NumberFormatException e) {
            n = 0;
        }
        String cuda = "cuda:" + n;
        for (Device d : devices) {
            if (d.id().equals(cuda)) return new Choice(d, null);
        }
        List<Device> openclGpus = devices.stream().filter(d -> d.id().startsWith("opencl:") && d.type() == DeviceType.GPU).toList();
        if (n < openclGpus.size()) return new Choice(openclGpus.get(n), null);
        return new Choice(cpu, "Kiln has neither " + cuda + " nor OpenCL GPU number " + n + " (devices: "
                + devices.stream().map(Device::id).toList() + "); install the CUDA driver or an OpenCL GPU driver on the"
                + " executors, or give tasks no GPU");
    }

    /** Devices asked for by tasks so far ({@link #deviceFor} calls). */
    public long tasks() {
        return tasks.get();
    }

    /** Calls of {@link #deviceFor} whose task Spark had given a GPU. */
    public long gpuTasks() {
        return gpuTasks.get();
    }

    /** Tasks given a GPU that ran on {@code cpu} because Kiln could not use it (each logged at WARN). */
    public long gpuFallbacks() {
        return gpuFallbacks.get();
    }

    /** Built kernels held by the runtime now (bounded by {@link KilnRuntime#kernelLimit()}). */
    public int kernelCount() {
        return runtime.kernelCount();
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /**
     * Ends this executor runtime: later {@link #deviceFor} calls are refused and {@link #get()} builds a
     * new one. The shared engine runtime stays (it cannot be closed); its kernel cache is bounded.
     * Idempotent.
     */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        LOG.info("Kiln executor runtime closed: {} device choices, {} with a GPU, {} GPU fallbacks, {} kernels cached",
                tasks.get(), gpuTasks.get(), gpuFallbacks.get(), runtime.kernelCount());
    }

    @Override
    public String toString() {
        return "KilnExecutor[tasks " + tasks + ", gpu tasks " + gpuTasks + ", gpu fallbacks " + gpuFallbacks
                + (closed ? ", closed" : "") + "]";
    }
}
