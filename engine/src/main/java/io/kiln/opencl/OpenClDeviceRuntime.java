package io.kiln.opencl;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.DeviceType;
import io.kiln.KernelCompilationException;
import io.kiln.KilnException;
import io.kiln.ir.KernelIR;
import io.kiln.openclc.OpenClEmitter;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.HostAllocation;
import org.jocl.CL;
import org.jocl.CLException;
import org.jocl.cl_command_queue;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;
import org.jocl.cl_platform_id;
import org.jocl.cl_program;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * One OpenCL device. Holds the device's context (created on first use, kept for the life of the
 * process) and builds kernels; thread-safe.
 */
public final class OpenClDeviceRuntime implements DeviceRuntime {
    private final cl_platform_id platform;
    private final cl_device_id deviceId;
    private final Device device;
    private final String platformName;
    private final Set<String> extensions;
    private final boolean correctlyRoundedDivideSqrt;
    private final long maxWorkGroupSize;
    private final long maxAllocation;
    private final String version;
    private volatile cl_context context;
    /** The queue that maps and unmaps pinned host memory; created on first use, kept with the context. */
    private cl_command_queue hostQueue;

    OpenClDeviceRuntime(int index, cl_platform_id platform, String platformName, cl_device_id deviceId) {
        this.platform = platform;
        this.deviceId = deviceId;
        this.platformName = platformName;
        long type = ClInfo.deviceLong(deviceId, CL.CL_DEVICE_TYPE);
        DeviceType dt = (type & CL.CL_DEVICE_TYPE_GPU) != 0 ? DeviceType.GPU
                : (type & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? DeviceType.ACCELERATOR
                : (type & CL.CL_DEVICE_TYPE_CPU) != 0 ? DeviceType.CPU
                : DeviceType.OTHER;
        String name = ClInfo.deviceString(deviceId, CL.CL_DEVICE_NAME);
        String vendor = ClInfo.deviceString(deviceId, CL.CL_DEVICE_VENDOR);
        int units = ClInfo.deviceInt(deviceId, CL.CL_DEVICE_MAX_COMPUTE_UNITS);
        long memory = ClInfo.deviceLong(deviceId, CL.CL_DEVICE_GLOBAL_MEM_SIZE);
        this.device = new Device("opencl:" + index, Backend.OPENCL, dt, name, vendor.isEmpty() ? platformName : vendor, units, memory);
        this.extensions = Arrays.stream(ClInfo.deviceString(deviceId, CL.CL_DEVICE_EXTENSIONS).split("\\s+"))
                .filter(s -> !s.isEmpty()).collect(Collectors.toUnmodifiableSet());
        long fp32 = ClInfo.deviceLong(deviceId, CL.CL_DEVICE_SINGLE_FP_CONFIG);
        this.correctlyRoundedDivideSqrt = (fp32 & CL.CL_FP_CORRECTLY_ROUNDED_DIVIDE_SQRT) != 0;
        this.maxWorkGroupSize = ClInfo.deviceSize(deviceId, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE);
        this.maxAllocation = ClInfo.deviceLong(deviceId, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE);
        this.version = ClInfo.deviceString(deviceId, CL.CL_DEVICE_VERSION);
    }

    @Override
    public Device device() {
        return device;
    }

    /** The OpenCL platform's name. */
    public String platformName() {
        return platformName;
    }

    /** The device's OpenCL version string. */
    public String version() {
        return version;
    }

    /** Whether the device advertises {@code extension} in {@code CL_DEVICE_EXTENSIONS}. */
    public boolean hasExtension(String extension) {
        return extensions.contains(extension);
    }

    /**
     * The options passed to {@code clBuildProgram}. {@code -w}: the source is Kiln's, not the user's, so a
     * warning is nothing a user can act on, and some drivers (PoCL) print a "1 warning generated" line to
     * the process's stderr for each one (for example {@code Math.min(x, x)} becomes a self-comparison).
     * A failed build still reports its whole log.
     */
    public String buildOptions() {
        return correctlyRoundedDivideSqrt ? "-w -cl-fp32-correctly-rounded-divide-sqrt" : "-w";
    }

    long maxWorkGroupSize() {
        return maxWorkGroupSize;
    }

    long maxAllocation() {
        return maxAllocation;
    }

    cl_device_id id() {
        return deviceId;
    }

    cl_context context() {
        cl_context c = context;
        if (c == null) {
            synchronized (this) {
                c = context;
                if (c == null) {
                    cl_context_properties props = new cl_context_properties();
                    props.addProperty(CL.CL_CONTEXT_PLATFORM, platform);
                    try {
                        c = CL.clCreateContext(props, 1, new cl_device_id[] {deviceId}, null, null, null);
                    } catch (CLException e) {
                        throw new KilnException("creating an OpenCL context on " + device + " failed: " + ClInfo.error(e), e);
                    }
                    context = c;
                }
            }
        }
        return c;
    }

    @Override
    public CompiledKernel compile(KernelIR ir) {
        OpenClEmitter.Output out = OpenClEmitter.emit(ir);
        checkFeatures(ir, out, this::hasExtension, device);
        cl_context ctx = context();
        cl_program program;
        try {
            program = CL.clCreateProgramWithSource(ctx, 1, new String[] {out.source()}, null, null);
        } catch (CLException e) {
            throw new KilnException("creating the OpenCL program of " + ir.displayName() + " on " + device + " failed: " + ClInfo.error(e), e);
        }
        OpenClResources.created(OpenClResources.Kind.PROGRAM);
        try {
            try {
                CL.clBuildProgram(program, 1, new cl_device_id[] {deviceId}, buildOptions(), null, null);
            } finally {
                OpenClSignals.restoreAll(); // the driver's compiler may have taken the JVM's signal handlers
            }
        } catch (CLException e) {
            String log = ClInfo.buildLog(program, deviceId);
            releaseProgram(program);
            throw new KilnException("building the OpenCL C of " + ir.displayName() + " for " + device.id() + " (" + device.name()
                    + ") failed with " + ClInfo.error(e) + ". This is a bug in Kiln's OpenCL emitter or in the driver; "
                    + "please report it with the log and source below.\n--- build log ---\n" + log
                    + "\n--- OpenCL C source ---\n" + numbered(out.source()), e);
        }
        cl_kernel kernel;
        try {
            kernel = CL.clCreateKernel(program, out.kernelName(), null);
        } catch (CLException e) {
            releaseProgram(program);
            throw new KilnException("creating the kernel " + out.kernelName() + " of " + ir.displayName() + " on " + device
                    + " failed: " + ClInfo.error(e), e);
        }
        OpenClResources.created(OpenClResources.Kind.KERNEL);
        return new OpenClCompiledKernel(this, ir, out.source(), program, kernel);
    }

    /**
     * Refuses a kernel that needs a device feature ({@code cl_khr_fp64}, 64-bit atomics) the device
     * lacks, with a {@link KernelCompilationException} that says what to do instead.
     */
    static void checkFeatures(KernelIR ir, OpenClEmitter.Output out, java.util.function.Predicate<String> hasExtension, Device device) {
        if (out.fp64() && !hasExtension.test("cl_khr_fp64")) {
            throw new KernelCompilationException(ir.displayName() + " uses double, but " + device
                    + " has no double precision (cl_khr_fp64): use float in the kernel, or run it on another device");
        }
        if (out.int64Atomics() && !hasExtension.test("cl_khr_int64_base_atomics")) {
            throw new KernelCompilationException(ir.displayName() + " uses 64-bit atomics (long or double), but " + device
                    + " lacks cl_khr_int64_base_atomics: use int or float atomics, or run it on another device");
        }
        if (out.int64MinMaxAtomics() && !hasExtension.test("cl_khr_int64_extended_atomics")) {
            throw new KernelCompilationException(ir.displayName() + " uses atomic min/max on long, but " + device
                    + " lacks cl_khr_int64_extended_atomics: use int atomics, or run it on another device");
        }
    }

    private static void releaseProgram(cl_program program) {
        try {
            CL.clReleaseProgram(program);
        } finally {
            OpenClResources.released(OpenClResources.Kind.PROGRAM);
        }
    }

    /** {@code source} with right-aligned line numbers, for build error messages. */
    static String numbered(String source) {
        String[] lines = source.split("\n", -1);
        int width = Integer.toString(lines.length).length();
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < lines.length; i++) {
            if (i == lines.length - 1 && lines[i].isEmpty()) break;
            sb.append(String.format("%" + width + "d| ", i + 1)).append(lines[i]).append('\n');
        }
        return sb.toString();
    }

    /**
     * Pinned host memory: a {@code CL_MEM_ALLOC_HOST_PTR} buffer, which the driver places in page-locked
     * memory it can copy from directly, mapped for the host and wrapped as a segment of exactly
     * {@code bytes} bytes, zero-filled. Where the mapped pointer is not aligned as asked, the buffer is made
     * {@code alignment - 1} bytes larger and the segment starts at the first aligned byte. The release
     * closes the segment (later accesses throw {@link IllegalStateException}), unmaps and frees the buffer.
     * Copies from and to this memory are asynchronous, like those of every off-heap array in an OpenCL
     * session; pinned memory lets the driver skip a staging copy.
     *
     * @throws IllegalArgumentException if {@code bytes} is negative or over 2 GiB (JOCL maps at most that
     *                                  much), or {@code alignment} is not a positive power of two
     */
    @Override
    public HostAllocation allocateHost(long bytes, long alignment) {
        if (bytes < 0) throw new IllegalArgumentException("cannot allocate " + bytes + " bytes: the size must not be negative");
        if (alignment <= 0 || Long.bitCount(alignment) != 1) {
            throw new IllegalArgumentException("the alignment " + alignment + " is not a positive power of two");
        }
        if (bytes > Integer.MAX_VALUE - alignment) {
            throw new IllegalArgumentException("pinned memory on " + device.id() + " is limited to " + (Integer.MAX_VALUE - alignment)
                    + " bytes (JOCL maps at most 2 GiB at once), " + bytes + " were asked for: use allocate(n) instead, whose "
                    + "copies are asynchronous on OpenCL too, or split the data");
        }
        long size = Math.max(1, bytes);
        synchronized (this) {
            Mapped m = map(size);
            long offset = -m.address() & (alignment - 1);
            if (offset != 0) {
                m.unmapAndFree(this);
                m = map(size + alignment - 1);
                offset = -m.address() & (alignment - 1);
            }
            Arena arena = Arena.ofShared();
            @SuppressWarnings("restricted") // the mapping is exactly this big and lives until the release below
            MemorySegment segment = MemorySegment.ofAddress(m.address() + offset).reinterpret(bytes, arena, null);
            segment.fill((byte) 0);
            Mapped mapped = m;
            Runnable release = new Runnable() {
                private boolean done;

                @Override
                public void run() {
                    synchronized (this) {
                        if (done) return;
                        done = true;
                    }
                    arena.close(); // first: no access through the segment can reach the memory once it is unmapped
                    synchronized (OpenClDeviceRuntime.this) {
                        mapped.unmapAndFree(OpenClDeviceRuntime.this);
                    }
                }
            };
            return new HostAllocation(segment, true, release);
        }
    }

    /** A mapped {@code CL_MEM_ALLOC_HOST_PTR} buffer. */
    private record Mapped(cl_mem mem, ByteBuffer view, long address) {
        void unmapAndFree(OpenClDeviceRuntime rt) {
            try {
                CL.clEnqueueUnmapMemObject(rt.hostQueue, mem, view, 0, null, null);
                CL.clFinish(rt.hostQueue);
            } finally {
                try {
                    CL.clReleaseMemObject(mem);
                } finally {
                    OpenClResources.released(OpenClResources.Kind.MEM);
                }
            }
        }
    }

    /** Allocates and maps {@code size} bytes; call holding this object's lock. */
    private Mapped map(long size) {
        if (hostQueue == null) hostQueue = OpenClQueues.createUncountedQueue(this); // lives as long as the context
        cl_mem mem;
        try {
            mem = CL.clCreateBuffer(context(), CL.CL_MEM_READ_WRITE | CL.CL_MEM_ALLOC_HOST_PTR, size, null, null);
        } catch (CLException e) {
            throw new KilnException("allocating " + size + " bytes of pinned host memory for " + device + " failed: " + ClInfo.error(e), e);
        }
        OpenClResources.created(OpenClResources.Kind.MEM);
        try {
            ByteBuffer view = CL.clEnqueueMapBuffer(hostQueue, mem, true, CL.CL_MAP_READ | CL.CL_MAP_WRITE, 0, size, 0, null, null, null);
            return new Mapped(mem, view, MemorySegment.ofBuffer(view).address());
        } catch (CLException e) {
            try {
                CL.clReleaseMemObject(mem);
            } finally {
                OpenClResources.released(OpenClResources.Kind.MEM);
            }
            throw new KilnException("mapping " + size + " bytes of pinned host memory for " + device + " failed: " + ClInfo.error(e), e);
        }
    }

    @Override
    public DeviceSession openSession() {
        return new OpenClSession(this);
    }

    @Override
    public String toString() {
        return device.toString();
    }

    @Override
    public boolean supportsReductions() {
        return true;
    }
}
