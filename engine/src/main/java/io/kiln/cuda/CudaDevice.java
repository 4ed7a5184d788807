package io.kiln.cuda;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.ir.KernelIR;
import io.kiln.ptx.PtxEmitter;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.HostAllocation;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * One CUDA GPU: its primary context (retained for the life of the process, as the CUDA runtime
 * does) and its limits. Every operation first makes the context current on the calling thread,
 * because CUDA contexts are per thread and Kiln may be called from any thread.
 */
final class CudaDevice implements DeviceRuntime {
    private final CudaDriver driver;
    private final int handle;
    private final Device device;
    private final MemorySegment context;
    private final LaunchConfig.Limits limits;

    CudaDevice(CudaDriver driver, int index, int handle) {
        this.driver = driver;
        this.handle = handle;
        int multiprocessors = driver.attribute(handle, CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
        this.device = new Device("cuda:" + index, Backend.CUDA, DeviceType.GPU, driver.deviceName(handle), "NVIDIA",
                multiprocessors, driver.totalMemory(handle));
        int[] maxBlock = new int[3];
        int[] maxGrid = new int[3];
        for (int a = 0; a < 3; a++) {
            maxBlock[a] = driver.attribute(handle, CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X + a);
            maxGrid[a] = driver.attribute(handle, CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X + a);
        }
        // enough threads to fill every multiprocessor (2048 resident threads each) when a trip count is unknown
        this.limits = new LaunchConfig.Limits(driver.attribute(handle, CudaDriver.CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK),
                maxBlock, maxGrid, Math.max(1, multiprocessors) * 2048L);
        this.context = driver.primaryContextRetain(handle);
    }

    CudaDriver driver() {
        return driver;
    }

    LaunchConfig.Limits limits() {
        return limits;
    }

    /** Makes this device's context current on the calling thread. */
    void makeCurrent() {
        driver.setCurrent(context);
    }

    @Override
    public Device device() {
        return device;
    }

    @Override
    public CompiledKernel compile(KernelIR ir) {
        String ptx = PtxEmitter.emit(ir);
        makeCurrent();
        MemorySegment module = driver.loadModule(ptx);
        try {
            return new CudaKernel(this, ir, ptx, module, driver.function(module, ir.symbolName()));
        } catch (RuntimeException e) {
            driver.unloadModule(module);
            throw e;
        }
    }

    @Override
    public boolean supportsReductions() {
        return true;
    }

    /**
     * Page-locked host memory from {@code cuMemHostAlloc} ({@code CU_MEMHOSTALLOC_PORTABLE}, so every
     * context may copy from it asynchronously), zero-filled, as a segment of exactly {@code bytes} bytes in
     * an arena of its own. The driver returns page-aligned memory; where that does not meet
     * {@code alignment}, the allocation is made {@code alignment - 1} bytes larger and the segment starts
     * at the first aligned byte. The release closes the segment (later accesses throw
     * {@link IllegalStateException}), then calls {@code cuMemFreeHost}; it runs once.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative or {@code alignment} is not a positive power of two
     */
    @Override
    public HostAllocation allocateHost(long bytes, long alignment) {
        if (bytes < 0) throw new IllegalArgumentException("cannot allocate " + bytes + " bytes: the size must not be negative");
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("the alignment " + alignment + " is not a positive power of two");
        }
        makeCurrent();
        long size = Math.max(1, bytes);
        MemorySegment raw = driver.hostAlloc(size);
        long offset = -raw.address() & (alignment - 1);
        if (offset != 0) {
            driver.hostFree(raw);
            raw = driver.hostAlloc(size + alignment - 1);
            offset = -raw.address() & (alignment - 1);
        }
        Arena arena = Arena.ofShared();
        @SuppressWarnings("restricted") // the allocation is at least offset + bytes long and lives until the release
        MemorySegment segment = MemorySegment.ofAddress(raw.address() + offset).reinterpret(bytes, arena, null);
        segment.fill((byte) 0);
        MemorySegment allocation = raw;
        Runnable release = new Runnable() {
            private boolean done;

            @Override
            public void run() {
                synchronized (this) {
                    if (done) return;
                    done = true;
                }
                arena.close(); // first: nothing can reach the memory through the segment once it is freed
                makeCurrent();
                driver.hostFree(allocation);
            }
        };
        return new HostAllocation(segment, true, release);
    }

    @Override
    public DeviceSession openSession() {
        makeCurrent();
        return new CudaSession(this);
    }

    @Override
    public String toString() {
        return device.toString();
    }
}
