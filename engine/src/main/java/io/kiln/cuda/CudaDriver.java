package io.kiln.cuda;

import io.kiln.KilnException;

import io.kiln.ptx.KernelSignature;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.util.Optional;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The CUDA driver API ({@code libcuda.so.1}) through the Foreign Function and Memory API: no JNI
 * library to ship and no CUDA toolkit needed at run time. Each method wraps one driver call and
 * turns a failing {@code CUresult} into a {@link KilnException} naming the call and the driver's
 * error name and description. Handles ({@code CUcontext}, {@code CUmodule}, ...) are opaque
 * {@link MemorySegment} addresses; device pointers are {@code long}s. Thread-safe: the driver is.
 */
@SuppressWarnings("restricted") // binding a native library is what this class is for
final class CudaDriver {
    /** The driver library Kiln looks for. */
    static final String LIBRARY = "libcuda.so.1";

    static final int CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK = 1;
    static final int CU_DEVICE_ATTRIBUTE_MAX_BLOCK_DIM_X = 2;
    static final int CU_DEVICE_ATTRIBUTE_MAX_GRID_DIM_X = 5;
    static final int CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT = 16;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR = 75;
    static final int CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR = 76;
    static final int CU_JIT_INFO_LOG_BUFFER = 3;
    static final int CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES = 4;
    static final int CU_JIT_ERROR_LOG_BUFFER = 5;
    static final int CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES = 6;
    static final int CUDA_ERROR_NO_DEVICE = 100;
    static final int CU_STREAM_NON_BLOCKING = 1;
    static final int CU_MEMHOSTALLOC_PORTABLE = 1;
    static final int JIT_LOG_BYTES = 16 * 1024;
    /** {@code cuEventQuery}'s answer for an event whose work has not completed yet. */
    static final int CUDA_ERROR_NOT_READY = 600;

    private final String library;
    private final MethodHandle cuGetErrorName;
    private final MethodHandle cuGetErrorString;
    private final MethodHandle cuInit;
    private final MethodHandle cuDriverGetVersion;
    private final MethodHandle cuDeviceGetCount;
    private final MethodHandle cuDeviceGet;
    private final MethodHandle cuDeviceGetName;
    private final MethodHandle cuDeviceGetAttribute;
    private final MethodHandle cuDeviceTotalMem;
    private final MethodHandle cuDevicePrimaryCtxRetain;
    private final MethodHandle cuDevicePrimaryCtxRelease;
    private final MethodHandle cuCtxSetCurrent;
    private final MethodHandle cuModuleLoadDataEx;
    private final MethodHandle cuModuleUnload;
    private final MethodHandle cuModuleGetFunction;
    private final MethodHandle cuMemAlloc;
    private final MethodHandle cuMemFree;
    private final MethodHandle cuMemHostAlloc;
    private final MethodHandle cuMemFreeHost;
    private final MethodHandle cuMemcpyHtoDAsync;
    private final MethodHandle cuMemcpyDtoHAsync;
    private final MethodHandle cuStreamCreate;
    private final MethodHandle cuStreamSynchronize;
    private final MethodHandle cuStreamDestroy;
    private final MethodHandle cuEventCreate;
    private final MethodHandle cuEventRecord;
    private final MethodHandle cuEventSynchronize;
    private final MethodHandle cuEventElapsedTime;
    private final MethodHandle cuEventDestroy;
    private final MethodHandle cuEventQuery;
    private final MethodHandle cuStreamWaitEvent;
    private final MethodHandle cuLaunchKernel;

    /** Why the driver could not be loaded. */
    static final class UnavailableException extends Exception {
        UnavailableException(String message) {
            super(message);
        }
    }

    private CudaDriver(String library, SymbolLookup lookup) throws UnavailableException {
        this.library = library;
        cuGetErrorName = bind(lookup, "cuGetErrorName", JAVA_INT, JAVA_INT, ADDRESS);
        cuGetErrorString = bind(lookup, "cuGetErrorString", JAVA_INT, JAVA_INT, ADDRESS);
        cuInit = bind(lookup, "cuInit", JAVA_INT, JAVA_INT);
        cuDriverGetVersion = bind(lookup, "cuDriverGetVersion", JAVA_INT, ADDRESS);
        cuDeviceGetCount = bind(lookup, "cuDeviceGetCount", JAVA_INT, ADDRESS);
        cuDeviceGet = bind(lookup, "cuDeviceGet", JAVA_INT, ADDRESS, JAVA_INT);
        cuDeviceGetName = bind(lookup, "cuDeviceGetName", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceGetAttribute = bind(lookup, "cuDeviceGetAttribute", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
        cuDeviceTotalMem = bind(lookup, "cuDeviceTotalMem_v2", JAVA_INT, ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRetain = bind(lookup, "cuDevicePrimaryCtxRetain", JAVA_INT, ADDRESS, JAVA_INT);
        cuDevicePrimaryCtxRelease = bind(lookup, "cuDevicePrimaryCtxRelease_v2", JAVA_INT, JAVA_INT);
        cuCtxSetCurrent = bind(lookup, "cuCtxSetCurrent", JAVA_INT, ADDRESS);
        cuModuleLoadDataEx = bind(lookup, "cuModuleLoadDataEx", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT, ADDRESS, ADDRESS);
        cuModuleUnload = bind(lookup, "cuModuleUnload", JAVA_INT, ADDRESS);
        cuModuleGetFunction = bind(lookup, "cuModuleGetFunction", JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuMemAlloc = bind(lookup, "cuMemAlloc_v2", JAVA_INT, ADDRESS, JAVA_LONG);
        cuMemFree = bind(lookup, "cuMemFree_v2", JAVA_INT, JAVA_LONG);
        cuMemHostAlloc = bind(lookup, "cuMemHostAlloc", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
        cuMemFreeHost = bind(lookup, "cuMemFreeHost", JAVA_INT, ADDRESS);
        cuMemcpyHtoDAsync = bind(lookup, "cuMemcpyHtoDAsync_v2", JAVA_INT, JAVA_LONG, ADDRESS, JAVA_LONG, ADDRESS);
        cuMemcpyDtoHAsync = bind(lookup, "cuMemcpyDtoHAsync_v2", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_LONG, ADDRESS);
        cuStreamCreate = bind(lookup, "cuStreamCreate", JAVA_INT, ADDRESS, JAVA_INT);
        cuStreamSynchronize = bind(lookup, "cuStreamSynchronize", JAVA_INT, ADDRESS);
        cuStreamDestroy = bind(lookup, "cuStreamDestroy_v2", JAVA_INT, ADDRESS);
        cuEventCreate = bind(lookup, "cuEventCreate", JAVA_INT, ADDRESS, JAVA_INT);
        cuEventRecord = bind(lookup, "cuEventRecord", JAVA_INT, ADDRESS, ADDRESS);
        cuEventSynchronize = bind(lookup, "cuEventSynchronize", JAVA_INT, ADDRESS);
        // CUDA 12.8 added cuEventElapsedTime_v2; older drivers only have the first version
        cuEventElapsedTime = lookup.find("cuEventElapsedTime_v2").isPresent()
                ? bind(lookup, "cuEventElapsedTime_v2", JAVA_INT, ADDRESS, ADDRESS, ADDRESS)
                : bind(lookup, "cuEventElapsedTime", JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
        cuEventDestroy = bind(lookup, "cuEventDestroy_v2", JAVA_INT, ADDRESS);
        cuEventQuery = bind(lookup, "cuEventQuery", JAVA_INT, ADDRESS);
        cuStreamWaitEvent = bind(lookup, "cuStreamWaitEvent", JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
        cuLaunchKernel = bind(lookup, "cuLaunchKernel", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT,
                JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, ADDRESS);
    }

    /**
     * Loads the driver library {@code library} (a file name searched like {@code dlopen} does, or a
     * path) and binds every function Kiln uses.
     *
     * @throws UnavailableException with a readable reason when the library is missing or incomplete
     */
    static CudaDriver load(String library) throws UnavailableException {
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(library, Arena.global());
        } catch (IllegalArgumentException e) {
            throw new UnavailableException(library + " not found: no NVIDIA driver is installed here"
                    + " (Kiln needs only the driver, not the CUDA toolkit)");
        } catch (IllegalCallerException e) {
            throw new UnavailableException("native access is disabled: run the JVM with --enable-native-access=ALL-UNNAMED"
                    + " (or the name of the module that contains Kiln) to use CUDA");
        }
        return new CudaDriver(library, lookup);
    }

    private static MethodHandle bind(SymbolLookup lookup, String name, MemoryLayout result, MemoryLayout... args)
            throws UnavailableException {
        Optional<MemorySegment> symbol = lookup.find(name);
        if (symbol.isEmpty()) {
            throw new UnavailableException("the driver library has no " + name
                    + ": it is not a CUDA driver, or older than CUDA 12 (update the NVIDIA driver)");
        }
        return Linker.nativeLinker().downcallHandle(symbol.get(), FunctionDescriptor.of(result, args));
    }

    /** The library this driver was loaded from. */
    String library() {
        return library;
    }

    // ------------------------------------------------------------ errors

    private void check(Object rc, String call) {
        int code = (Integer) rc;
        if (code != 0) throw failure(code, call);
    }

    /** The exception for {@code CUresult} {@code code} returned by {@code call}. */
    KilnException failure(int code, String call) {
        return new CudaException(code, call + " failed: " + errorName(code) + " (" + errorString(code) + ")");
    }

    /** A failed driver call, with its {@code CUresult}. */
    static final class CudaException extends KilnException {
        private final int code;

        CudaException(int code, String message) {
            super(message);
            this.code = code;
        }

        /** The driver's {@code CUresult}. */
        int code() {
            return code;
        }
    }

    String errorName(int code) {
        return errorText(cuGetErrorName, code, "CUDA error " + code);
    }

    private String errorString(int code) {
        return errorText(cuGetErrorString, code, "no description");
    }

    private static String errorText(MethodHandle h, int code, String fallback) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            int rc = (int) h.invokeExact(code, out);
            MemorySegment p = out.get(ADDRESS, 0);
            if (rc != 0 || p.equals(MemorySegment.NULL)) return fallback;
            return p.reinterpret(4096).getString(0);
        } catch (Throwable t) {
            return fallback;
        }
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new KilnException("calling the CUDA driver failed", t);
    }

    // ------------------------------------------------------------ init and devices

    /** {@code cuInit(0)}; returns the {@code CUresult} so that "no device" can be told apart. */
    int init() {
        try {
            return (int) cuInit.invokeExact(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The driver's CUDA version, e.g. 12040 for 12.4. */
    int driverVersion() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) cuDriverGetVersion.invokeExact(out), "cuDriverGetVersion");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int deviceCount() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) cuDeviceGetCount.invokeExact(out), "cuDeviceGetCount");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** The {@code CUdevice} handle of device {@code ordinal}. */
    int device(int ordinal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) cuDeviceGet.invokeExact(out, ordinal), "cuDeviceGet");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    String deviceName(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(256);
            check((int) cuDeviceGetName.invokeExact(out, 256, device), "cuDeviceGetName");
            return out.getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    int attribute(int device, int attribute) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_INT);
            check((int) cuDeviceGetAttribute.invokeExact(out, attribute, device), "cuDeviceGetAttribute(" + attribute + ")");
            return out.get(JAVA_INT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    long totalMemory(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check((int) cuDeviceTotalMem.invokeExact(out, device), "cuDeviceTotalMem_v2");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------ contexts

    MemorySegment primaryContextRetain(int device) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuDevicePrimaryCtxRetain.invokeExact(out, device), "cuDevicePrimaryCtxRetain");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void primaryContextRelease(int device) {
        try {
            check((int) cuDevicePrimaryCtxRelease.invokeExact(device), "cuDevicePrimaryCtxRelease_v2");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Makes {@code context} current on the calling thread (CUDA contexts are per thread). */
    void setCurrent(MemorySegment context) {
        try {
            check((int) cuCtxSetCurrent.invokeExact(context), "cuCtxSetCurrent");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------ modules

    /**
     * JIT-compiles {@code ptx} into a module of the current context.
     *
     * @throws KilnException carrying the JIT's error log when the driver refuses the PTX
     */
    MemorySegment loadModule(String ptx) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment image = a.allocateFrom(ptx);
            MemorySegment errorLog = a.allocate(JIT_LOG_BYTES);
            MemorySegment infoLog = a.allocate(JIT_LOG_BYTES);
            MemorySegment options = a.allocate(JAVA_INT, 4);
            MemorySegment values = a.allocate(ADDRESS, 4);
            options.setAtIndex(JAVA_INT, 0, CU_JIT_ERROR_LOG_BUFFER);
            values.setAtIndex(ADDRESS, 0, errorLog);
            options.setAtIndex(JAVA_INT, 1, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES);
            values.setAtIndex(ADDRESS, 1, MemorySegment.ofAddress(JIT_LOG_BYTES));
            options.setAtIndex(JAVA_INT, 2, CU_JIT_INFO_LOG_BUFFER);
            values.setAtIndex(ADDRESS, 2, infoLog);
            options.setAtIndex(JAVA_INT, 3, CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES);
            values.setAtIndex(ADDRESS, 3, MemorySegment.ofAddress(JIT_LOG_BYTES));
            MemorySegment out = a.allocate(ADDRESS);
            int rc = (int) cuModuleLoadDataEx.invokeExact(out, image, 4, options, values);
            if (rc != 0) {
                String log = errorLog.getString(0).strip();
                throw new CudaException(rc, "the CUDA driver refused the generated PTX: " + errorName(rc) + " (" + errorString(rc) + ")"
                        + (log.isEmpty() ? "" : "\nJIT log:\n" + log));
            }
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void unloadModule(MemorySegment module) {
        try {
            check((int) cuModuleUnload.invokeExact(module), "cuModuleUnload");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment function(MemorySegment module, String name) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuModuleGetFunction.invokeExact(out, module, a.allocateFrom(name)), "cuModuleGetFunction(" + name + ")");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------ memory

    /** Device memory of {@code bytes} bytes; returns the device pointer. */
    long malloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_LONG);
            check((int) cuMemAlloc.invokeExact(out, bytes), "cuMemAlloc_v2(" + bytes + " bytes)");
            return out.get(JAVA_LONG, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void free(long devicePointer) {
        try {
            check((int) cuMemFree.invokeExact(devicePointer), "cuMemFree_v2");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Page-locked host memory, usable by asynchronous copies, as a segment of {@code bytes} bytes. */
    MemorySegment hostAlloc(long bytes) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuMemHostAlloc.invokeExact(out, bytes, CU_MEMHOSTALLOC_PORTABLE), "cuMemHostAlloc(" + bytes + " bytes)");
            return out.get(ADDRESS, 0).reinterpret(bytes);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void hostFree(MemorySegment host) {
        try {
            check((int) cuMemFreeHost.invokeExact(host), "cuMemFreeHost");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void copyToDeviceAsync(long device, MemorySegment host, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyHtoDAsync.invokeExact(device, host, bytes, stream), "cuMemcpyHtoDAsync_v2");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void copyToHostAsync(MemorySegment host, long device, long bytes, MemorySegment stream) {
        try {
            check((int) cuMemcpyDtoHAsync.invokeExact(host, device, bytes, stream), "cuMemcpyDtoHAsync_v2");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------ streams and events

    MemorySegment streamCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuStreamCreate.invokeExact(out, CU_STREAM_NON_BLOCKING), "cuStreamCreate");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Waits for the stream; a failure of any earlier asynchronous command surfaces here. */
    void streamSynchronize(MemorySegment stream) {
        try {
            check((int) cuStreamSynchronize.invokeExact(stream), "cuStreamSynchronize");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void streamDestroy(MemorySegment stream) {
        try {
            check((int) cuStreamDestroy.invokeExact(stream), "cuStreamDestroy_v2");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    MemorySegment eventCreate() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(ADDRESS);
            check((int) cuEventCreate.invokeExact(out, 0), "cuEventCreate");
            return out.get(ADDRESS, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void eventRecord(MemorySegment event, MemorySegment stream) {
        try {
            check((int) cuEventRecord.invokeExact(event, stream), "cuEventRecord");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void eventSynchronize(MemorySegment event) {
        try {
            check((int) cuEventSynchronize.invokeExact(event), "cuEventSynchronize");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Milliseconds between two completed events. */
    float elapsedMillis(MemorySegment start, MemorySegment end) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment out = a.allocate(JAVA_FLOAT);
            check((int) cuEventElapsedTime.invokeExact(out, start, end), "cuEventElapsedTime");
            return out.get(JAVA_FLOAT, 0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * {@code cuEventQuery}: {@code true} when the work before the event has completed, {@code false}
     * while it runs ({@code CUDA_ERROR_NOT_READY}).
     *
     * @throws KilnException if that work failed
     */
    boolean eventQuery(MemorySegment event) {
        int rc;
        try {
            rc = (int) cuEventQuery.invokeExact(event);
        } catch (Throwable t) {
            throw rethrow(t);
        }
        if (rc == CUDA_ERROR_NOT_READY) return false;
        check(rc, "cuEventQuery");
        return true;
    }

    /** {@code cuStreamWaitEvent(stream, event, 0)}: later work on {@code stream} waits for {@code event}, the host does not. */
    void streamWaitEvent(MemorySegment stream, MemorySegment event) {
        try {
            check((int) cuStreamWaitEvent.invokeExact(stream, event, 0), "cuStreamWaitEvent");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    void eventDestroy(MemorySegment event) {
        try {
            check((int) cuEventDestroy.invokeExact(event), "cuEventDestroy_v2");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    // ------------------------------------------------------------ launch

    /**
     * Launches {@code function} on {@code stream}. {@code kernelParams} is the driver's
     * {@code void**}: one pointer per kernel parameter, each to that parameter's value. The driver
     * copies the values before returning, so they need to live only for this call.
     */
    void launch(MemorySegment function, int[] grid, int[] block, int sharedBytes, MemorySegment stream, MemorySegment kernelParams) {
        try {
            check((int) cuLaunchKernel.invokeExact(function, grid[0], grid[1], grid[2], block[0], block[1], block[2],
                    sharedBytes, stream, kernelParams, MemorySegment.NULL), "cuLaunchKernel");
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * The {@code kernelParams} array for {@code values} (raw bits, one per slot of {@code signature}),
     * allocated in {@code arena}: each value stored at its own size, each pointer to its value.
     */
    static MemorySegment kernelParams(Arena arena, KernelSignature signature, long[] values) {
        int[] sizes = new int[signature.slots().size()];
        for (int i = 0; i < sizes.length; i++) sizes[i] = signature.slots().get(i).type().bytes();
        return kernelParams(arena, sizes, values);
    }

    /** The {@code kernelParams} array for {@code values}, parameter {@code i} stored in {@code sizes[i]} (4 or 8) bytes. */
    static MemorySegment kernelParams(Arena arena, int[] sizes, long[] values) {
        int n = sizes.length;
        MemorySegment storage = arena.allocate(Math.max(8, 8L * n), 8);
        MemorySegment pointers = arena.allocate(ADDRESS, Math.max(1, n));
        for (int i = 0; i < n; i++) {
            MemorySegment slot = storage.asSlice(8L * i, 8);
            switch (sizes[i]) {
                case 4 -> slot.set(ValueLayout.JAVA_INT, 0, (int) values[i]);
                default -> slot.set(JAVA_LONG, 0, values[i]);
            }
            pointers.setAtIndex(ADDRESS, i, slot);
        }
        return pointers;
    }
}
