package io.kiln.cuda;

import io.kiln.KilnException;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * The device side of one execution plan on a CUDA GPU: one stream, and for each array a device
 * buffer plus a page-locked staging buffer. Java arrays live on the garbage-collected heap, which
 * asynchronous DMA cannot read, so copies go through the staging buffer; an event recorded after
 * each upload tells when the staging buffer may be overwritten.
 */
final class CudaSession implements DeviceSession {
    private final CudaDevice device;
    private final CudaDriver driver;
    private final MemorySegment stream;
    private final MemorySegment launchStart;
    private final MemorySegment launchEnd;
    private final Map<Object, Buffer> buffers = new IdentityHashMap<>();
    private boolean launched;
    private boolean closed;

    /** The device copy of one array. */
    private static final class Buffer {
        final long bytes;
        final long device;
        final MemorySegment staging;
        final MemorySegment uploaded;
        boolean uploadPending;

        Buffer(long bytes, long device, MemorySegment staging, MemorySegment uploaded) {
            this.bytes = bytes;
            this.device = device;
            this.staging = staging;
            this.uploaded = uploaded;
        }
    }

    CudaSession(CudaDevice device) {
        this.device = device;
        this.driver = device.driver();
        this.stream = driver.streamCreate();
        this.launchStart = driver.eventCreate();
        this.launchEnd = driver.eventCreate();
    }

    @Override
    public boolean copiesData() {
        return true;
    }

    private void open() {
        if (closed) throw new IllegalStateException("the CUDA session on " + device.device().id() + " is closed");
        device.makeCurrent();
    }

    private Buffer buffer(Object array) {
        Buffer b = buffers.get(array);
        if (b == null) {
            long bytes = Math.max(1, byteSize(array));
            long dptr = driver.malloc(bytes);
            MemorySegment staging;
            MemorySegment event;
            try {
                staging = driver.hostAlloc(bytes);
                event = driver.eventCreate();
            } catch (RuntimeException e) {
                driver.free(dptr);
                throw e;
            }
            b = new Buffer(byteSize(array), dptr, staging, event);
            buffers.put(array, b);
        }
        return b;
    }

    @Override
    public void toDevice(Object array) {
        open();
        Buffer b = buffer(array);
        if (b.uploadPending) {
            // the previous upload may still be reading the staging buffer
            driver.eventSynchronize(b.uploaded);
        }
        MemorySegment.copy(heapSegment(array), 0, b.staging, 0, b.bytes);
        if (b.bytes > 0) {
            driver.copyToDeviceAsync(b.device, b.staging, b.bytes, stream);
            driver.eventRecord(b.uploaded, stream);
            b.uploadPending = true;
        }
    }

    @Override
    public void toHost(Object array) {
        open();
        Buffer b = buffers.get(array);
        if (b == null) throw new IllegalStateException("the array has no copy on " + device.device().id());
        if (b.bytes > 0) driver.copyToHostAsync(b.staging, b.device, b.bytes, stream);
        driver.streamSynchronize(stream);
        b.uploadPending = false;
        MemorySegment.copy(b.staging, 0, heapSegment(array), 0, b.bytes);
    }

    @Override
    public void launch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry) {
        open();
        if (!(kernel instanceof CudaKernel k) || k.device() != device) {
            throw new IllegalArgumentException("kernel " + kernel.ir().displayName() + " was not built for " + device.device().id());
        }
        LaunchConfig config = LaunchConfig.of(k.ir(), geometry, device.limits());
        if (config == null) return;
        long[] values = k.signature().pack(k.ir(), args, array -> {
            Buffer b = buffers.get(array);
            if (b == null) {
                throw new IllegalStateException("an array argument of " + k.ir().displayName() + " is not on " + device.device().id()
                        + ": copy it with toDevice first");
            }
            return b.device;
        }, geometry.sizes());
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment params = CudaDriver.kernelParams(arena, k.signature(), values);
            driver.eventRecord(launchStart, stream);
            driver.launch(k.function(), config.grid(), config.block(), 0, stream, params);
            driver.eventRecord(launchEnd, stream);
            launched = true;
        }
    }

    /** Milliseconds the most recent launch took on the device (waits for it). */
    float lastLaunchMillis() {
        open();
        if (!launched) throw new IllegalStateException("nothing was launched in this session");
        driver.eventSynchronize(launchEnd);
        return driver.elapsedMillis(launchStart, launchEnd);
    }

    // Transitional: one in-order queue, so every command already runs after those issued before it.
    @Override
    public io.kiln.spi.DeviceEvent enqueueToDevice(Object data, java.util.List<io.kiln.spi.DeviceEvent> after) {
        toDevice(data);
        return io.kiln.spi.DeviceEvent.COMPLETE;
    }

    @Override
    public io.kiln.spi.DeviceEvent enqueueToHost(Object data, java.util.List<io.kiln.spi.DeviceEvent> after) {
        toHost(data);
        return io.kiln.spi.DeviceEvent.COMPLETE;
    }

    @Override
    public io.kiln.spi.DeviceEvent enqueueLaunch(CompiledKernel kernel, Object[] args, LaunchGeometry geometry,
                                                   java.util.List<io.kiln.spi.DeviceEvent> after) {
        launch(kernel, args, geometry);
        return io.kiln.spi.DeviceEvent.COMPLETE;
    }

    @Override
    public void await(java.util.List<io.kiln.spi.DeviceEvent> events) {
        finish();
    }

    @Override
    public void finish() {
        open();
        try {
            driver.streamSynchronize(stream);
        } catch (KilnException e) {
            throw new KilnException("a kernel or copy on " + device.device().id() + " failed: " + e.getMessage(), e);
        }
        for (Buffer b : buffers.values()) b.uploadPending = false;
    }

    @Override
    public void release(Object array) {
        open();
        Buffer b = buffers.remove(array);
        if (b == null) return;
        driver.streamSynchronize(stream);
        freeBuffer(b);
    }

    private void freeBuffer(Buffer b) {
        driver.free(b.device);
        driver.hostFree(b.staging);
        driver.eventDestroy(b.uploaded);
    }

    @Override
    public void close() {
        if (closed) return;
        device.makeCurrent();
        closed = true;
        RuntimeException first = null;
        try {
            driver.streamSynchronize(stream);
        } catch (RuntimeException e) {
            first = e;
        }
        for (Buffer b : buffers.values()) {
            try {
                freeBuffer(b);
            } catch (RuntimeException e) {
                if (first == null) first = e;
            }
        }
        buffers.clear();
        try {
            driver.eventDestroy(launchStart);
            driver.eventDestroy(launchEnd);
            driver.streamDestroy(stream);
        } catch (RuntimeException e) {
            if (first == null) first = e;
        }
        if (first != null) throw first;
    }

    static long byteSize(Object array) {
        return switch (array) {
            case byte[] a -> a.length;
            case short[] a -> 2L * a.length;
            case char[] a -> 2L * a.length;
            case int[] a -> 4L * a.length;
            case float[] a -> 4L * a.length;
            case long[] a -> 8L * a.length;
            case double[] a -> 8L * a.length;
            case null, default -> throw new IllegalArgumentException("not a primitive array: "
                    + (array == null ? "null" : array.getClass().getName()));
        };
    }

    /** A heap segment over a primitive array ({@link MemorySegment#ofArray} is overloaded per element type). */
    private static MemorySegment heapSegment(Object array) {
        return switch (array) {
            case byte[] a -> MemorySegment.ofArray(a);
            case short[] a -> MemorySegment.ofArray(a);
            case char[] a -> MemorySegment.ofArray(a);
            case int[] a -> MemorySegment.ofArray(a);
            case float[] a -> MemorySegment.ofArray(a);
            case long[] a -> MemorySegment.ofArray(a);
            case double[] a -> MemorySegment.ofArray(a);
            default -> throw new IllegalArgumentException("not a primitive array: " + array.getClass().getName());
        };
    }
}
