package io.kiln.cpu;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.ir.KernelIR;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The {@code cpu} device: kernels compiled to JVM bytecode and run on a dedicated fork-join pool of
 * daemon threads, one per available processor (override with {@code -Dkiln.cpu.threads=N}). The
 * thread that launches a kernel works on it too. Shared by every plan in the process; thread-safe.
 */
final class CpuDeviceRuntime implements DeviceRuntime {
    /** System property that sets the number of threads kernels run on. */
    static final String THREADS_PROPERTY = "kiln.cpu.threads";

    private final Device device;
    private final int parallelism;
    private final ForkJoinPool pool;
    /** The id of the one device this back end offers. */
    static final String DEVICE_ID = "cpu";

    CpuDeviceRuntime(int parallelism) {
        if (parallelism < 1) {
            throw new IllegalArgumentException("the cpu device needs at least one thread, got " + parallelism);
        }
        this.parallelism = parallelism;
        String vendor = System.getProperty("java.vm.vendor", "JVM") + " " + System.getProperty("java.vm.name", "")
                + " " + System.getProperty("java.version", "");
        this.device = new Device(DEVICE_ID, Backend.CPU, DeviceType.CPU,
                "JVM fork-join pool (" + parallelism + (parallelism == 1 ? " thread)" : " threads)"),
                vendor.strip(), parallelism, Runtime.getRuntime().maxMemory());
        // Named from a counter: getPoolIndex() is not yet set when the factory runs (every worker was
        // named kiln-cpu-0), and distinct names are what thread dumps and profiles need.
        AtomicInteger workers = new AtomicInteger();
        this.pool = new ForkJoinPool(parallelism, p -> {
            ForkJoinWorkerThread t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(p);
            t.setName("kiln-cpu-" + workers.getAndIncrement());
            t.setDaemon(true);
            return t;
        }, null, false);
    }

    /** The number of threads from {@code -Dkiln.cpu.threads}, else the available processors. */
    static int defaultParallelism() {
        String s = System.getProperty(THREADS_PROPERTY);
        if (s != null && !s.isBlank()) {
            try {
                int n = Integer.parseInt(s.strip());
                if (n >= 1) return n;
            } catch (NumberFormatException e) {
                // fall through to the warning below
            }
            java.util.logging.Logger.getLogger("io.kiln").warning("-D" + THREADS_PROPERTY + "=" + s
                    + " is not a positive number; the cpu device uses every available processor");
        }
        return Runtime.getRuntime().availableProcessors();
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public CompiledKernel compile(KernelIR ir) {
        return CpuKernel.build(ir);
    }

    /** {@code @Reduce} kernels combine one partial per chunk (see {@link CpuKernel}). */
    @Override
    public boolean supportsReductions() {
        return true;
    }

    @Override
    public DeviceSession openSession() {
        return new CpuSession(this);
    }

    ForkJoinPool pool() {
        return pool;
    }

    int parallelism() {
        return parallelism;
    }
}
