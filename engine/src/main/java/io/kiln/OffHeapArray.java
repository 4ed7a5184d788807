package io.kiln;

import io.kiln.ir.ElementType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Objects;

/**
 * A fixed-length array of one primitive type in memory outside the Java heap, backed by a
 * {@link MemorySegment}: {@link ByteArray}, {@link ShortArray}, {@link IntArray}, {@link LongArray},
 * {@link FloatArray} and {@link DoubleArray}.
 * <p>Kernels take these wherever they take Java arrays, and the two mix freely in one kernel. Off-heap
 * arrays have {@code long} lengths (more than 2<sup>31</sup> elements work), can be copied to and from a
 * device asynchronously, can be page-locked ("pinned") for a device, and can be handed to other runtimes
 * (ONNX Runtime, DJL, Arrow, a memory-mapped file) without a copy through {@link #segment()} or a direct
 * buffer view.
 * <p>The layout is plain: elements in native byte order, one after another, from the first byte of the
 * segment. There is no header in front of the data, and memory that Kiln allocates is aligned to
 * {@value #ALIGNMENT} bytes. Wrapping memory someone else owns ({@code wrap}) writes nothing into it.
 * <p><b>Ownership.</b> {@code allocate(n)} makes Kiln the owner: {@link #close()} releases the memory.
 * {@code allocate(n, arena)} allocates in the caller's {@link Arena}; the memory lives until that arena
 * is closed (closing the array only marks it closed). {@code wrap(segment)} never releases anything.
 * Using an array after it or its arena was closed throws {@link IllegalStateException}; it never reads
 * freed memory.
 * <p>Element access ({@code get}, {@code set}) is checked against the length and throws
 * {@link IndexOutOfBoundsException} as Java arrays do. Instances may be read and written from several
 * threads; as with Java arrays, the caller orders conflicting accesses.
 */
public abstract sealed class OffHeapArray implements AutoCloseable
        permits ByteArray, ShortArray, IntArray, LongArray, FloatArray, DoubleArray {

    /** The alignment, in bytes, of the first element of every array Kiln allocates. */
    public static final long ALIGNMENT = 128;

    /** How many elements {@link #toString()} shows at each end. */
    private static final int PREVIEW = 3;

    /** The elements, exactly {@code length * elementBytes} bytes. */
    final MemorySegment segment;
    private final long length;
    /** The arena Kiln created for this array and closes with it, or {@code null}. */
    private final Arena owned;
    /** Releases memory Kiln did not allocate through an arena (pinned memory), or {@code null}. */
    private final Runnable release;
    private final Kind kind;
    private volatile boolean closed;

    /** Where an array's memory comes from: who owns it and who releases it. */
    public enum Kind {
        /** Allocated by Kiln; {@link #close()} releases it. */
        OWNED,
        /** Allocated in an {@link Arena} the caller passed; the arena releases it. */
        ARENA,
        /** Memory someone else owns, wrapped without a copy; Kiln never releases it. */
        WRAPPED,
        /** Page-locked host memory allocated for a device; {@link #close()} releases it. */
        PINNED
    }

    /**
     * The memory of a new array and who releases it.
     *
     * @param segment exactly the elements
     * @param owned   an arena Kiln created and closes with the array, or {@code null}
     * @param release what else releases the memory on close (pinned memory), or {@code null}
     * @param kind    who owns the memory
     */
    record Memory(MemorySegment segment, Arena owned, Runnable release, Kind kind) {
    }

    OffHeapArray(Memory memory, ElementType element) {
        this.segment = memory.segment();
        this.length = segment.byteSize() / element.bytes();
        this.owned = memory.owned();
        this.release = memory.release();
        this.kind = memory.kind();
    }

    /** The element type, as the kernel IR names it. */
    public abstract ElementType elementType();

    /** The number of elements. */
    public final long length() {
        return length;
    }

    /** The size in bytes: {@code length() * } the element size. */
    public final long byteSize() {
        return segment.byteSize();
    }

    /** Who owns this array's memory. */
    public final Kind kind() {
        return kind;
    }

    /** Whether the memory is page-locked for fast, asynchronous device copies. */
    public final boolean isPinned() {
        return kind == Kind.PINNED;
    }

    /** Whether writes are refused ({@code wrap} of a read-only segment). */
    public final boolean isReadOnly() {
        return segment.isReadOnly();
    }

    /**
     * The memory, exactly {@link #byteSize()} bytes, elements in native byte order. Hand it to other
     * runtimes to share the data without a copy.
     *
     * @throws IllegalStateException if the array or its arena is closed
     */
    public final MemorySegment segment() {
        checkAlive();
        return segment;
    }

    /**
     * A direct {@link ByteBuffer} over the same memory in native byte order (what ONNX Runtime and
     * DJL take without copying).
     *
     * @throws IllegalStateException    if the array or its arena is closed
     * @throws IllegalArgumentException if the array is larger than a buffer can be (2<sup>31</sup>-1 bytes)
     */
    public final ByteBuffer asByteBuffer() {
        checkAlive();
        if (segment.byteSize() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException(this.describe() + " has " + segment.byteSize()
                    + " bytes; a java.nio buffer holds at most " + Integer.MAX_VALUE + ": use segment() or a slice of it");
        }
        return segment.asByteBuffer().order(ByteOrder.nativeOrder());
    }

    /** Whether {@link #close()} was called or the arena that holds the memory was closed. */
    public final boolean isClosed() {
        return closed || !segment.scope().isAlive();
    }

    /**
     * Marks the array closed and releases its memory if Kiln owns it ({@link Kind#OWNED},
     * {@link Kind#PINNED}). Idempotent. Memory in a caller's arena lives until that arena closes;
     * wrapped memory is never released by Kiln.
     */
    @Override
    public final void close() {
        synchronized (this) {
            if (closed) return;
            closed = true;
        }
        if (owned != null) owned.close();
        if (release != null) release.run();
    }

    /** Throws a clear exception when the memory can no longer be used. */
    final void checkAlive() {
        if (closed) {
            throw new IllegalStateException(describe() + " is closed: allocate a new array, or close it only when done with it");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(describe() + " can no longer be used: the arena that holds its memory was closed");
        }
    }

    /** The exception for an access that FFM refused because the memory is gone. */
    final IllegalStateException closedError(IllegalStateException cause) {
        if (closed || !segment.scope().isAlive()) {
            return new IllegalStateException(describe() + (closed ? " is closed" : "'s arena was closed") + ": its memory can no longer be used", cause);
        }
        return cause;
    }

    /** The exception for a write that FFM refused (a read-only segment). */
    final RuntimeException readOnlyError(IllegalArgumentException cause) {
        if (segment.isReadOnly()) {
            UnsupportedOperationException e = new UnsupportedOperationException(describe() + " wraps a read-only segment: it cannot be written");
            e.initCause(cause);
            return e;
        }
        return cause;
    }

    final void checkWritable() {
        if (segment.isReadOnly()) {
            throw new UnsupportedOperationException(describe() + " wraps a read-only segment: it cannot be written");
        }
    }

    /** {@code FloatArray[1000]}. */
    final String describe() {
        return getClass().getSimpleName() + "[" + length + "]";
    }

    /** The element at {@code index} as text, for {@link #toString()}. */
    abstract String elementText(long index);

    /** {@code FloatArray[1000000] {1.0, 2.0, 3.0, ..., 0.0}}, or {@code FloatArray[8] (closed)}. */
    @Override
    public final String toString() {
        if (isClosed()) return describe() + " (closed)";
        StringBuilder sb = new StringBuilder(describe()).append(" {");
        for (long i = 0; i < length; i++) {
            if (length > 2 * PREVIEW && i == PREVIEW) {
                sb.append("..., ");
                i = length - PREVIEW;
            }
            sb.append(elementText(i));
            if (i + 1 < length) sb.append(", ");
        }
        return sb.append('}').toString();
    }

    // ---- shared helpers of the typed subclasses ---------------------------------------------------------------

    /** Zero-filled, {@link #ALIGNMENT}-aligned memory for {@code length} elements that the array owns. */
    static Memory owned(long length, ElementType element) {
        checkedBytes(length, element);
        Arena arena = Arena.ofShared();
        try {
            return new Memory(allocateIn(arena, length, element), arena, null, Kind.OWNED);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Zero-filled, {@link #ALIGNMENT}-aligned memory for {@code length} elements in the caller's arena. */
    static Memory inArena(Arena arena, long length, ElementType element) {
        return new Memory(allocateIn(arena, length, element), null, null, Kind.ARENA);
    }

    /** Someone else's memory, wrapped as it is. */
    static Memory wrapped(MemorySegment segment, ElementType element, String type) {
        return new Memory(checkWrappable(segment, element, type), null, null, Kind.WRAPPED);
    }

    /**
     * Page-locked memory for {@code length} elements from {@code device}'s back end (plain off-heap
     * memory on devices that share the host's memory, such as {@code cpu}).
     */
    static Memory pinned(Device device, long length, ElementType element) {
        Objects.requireNonNull(device, "device");
        long bytes = checkedBytes(length, element);
        io.kiln.spi.DeviceRuntime runtime = io.kiln.runtime.Backends.get().runtime(device.id());
        if (runtime == null) {
            throw new IllegalArgumentException("cannot allocate pinned memory for " + device.id() + ": the device is not available; "
                    + "available devices: " + Devices.list().stream().map(Device::id).toList());
        }
        io.kiln.spi.HostAllocation a = runtime.allocateHost(bytes, ALIGNMENT);
        return new Memory(a.segment(), null, a.release(), a.pinned() ? Kind.PINNED : Kind.OWNED);
    }

    static long checkedBytes(long length, ElementType element) {
        if (length < 0) {
            throw new IllegalArgumentException("an array length cannot be negative: " + length);
        }
        if (length > Long.MAX_VALUE / element.bytes()) {
            throw new IllegalArgumentException("an array of " + length + " " + element.javaName() + " elements does not fit in memory");
        }
        return length * element.bytes();
    }

    static MemorySegment allocateIn(Arena arena, long length, ElementType element) {
        Objects.requireNonNull(arena, "arena");
        long bytes = checkedBytes(length, element);
        try {
            return arena.allocate(bytes, ALIGNMENT);
        } catch (OutOfMemoryError e) {
            throw new KilnException("cannot allocate " + bytes + " bytes of off-heap memory for " + length + " "
                    + element.javaName() + " elements: " + e.getMessage(), e);
        }
    }

    /** Checks that {@code segment} can be wrapped as elements of {@code element}. */
    static MemorySegment checkWrappable(MemorySegment segment, ElementType element, String type) {
        Objects.requireNonNull(segment, "segment");
        if (!segment.isNative()) {
            throw new IllegalArgumentException(type + ".wrap needs native (off-heap) memory, not a segment over a Java array: "
                    + "pass the Java array to the kernel directly, or copy it with " + type + ".allocate(n).copyFrom(array)");
        }
        if (segment.byteSize() % element.bytes() != 0) {
            throw new IllegalArgumentException(type + ".wrap: the segment has " + segment.byteSize() + " bytes, not a multiple of "
                    + element.bytes() + " (the size of a " + element.javaName() + ")");
        }
        if (segment.address() % element.bytes() != 0) {
            throw new IllegalArgumentException(type + ".wrap: the segment starts at address 0x" + Long.toHexString(segment.address())
                    + ", which is not aligned to " + element.bytes() + " bytes; devices need aligned " + element.javaName() + " elements");
        }
        if (!segment.scope().isAlive()) {
            throw new IllegalStateException(type + ".wrap: the segment's arena is already closed");
        }
        return segment;
    }

    static void checkRange(long arrayLength, long offset, long count, String what) {
        if (offset < 0 || count < 0 || offset > arrayLength - count) {
            throw new IndexOutOfBoundsException(what + ": range [" + offset + ", " + offset + " + " + count
                    + ") is outside an array of " + arrayLength + " elements");
        }
    }

    /**
     * Copies {@code count} elements of the Java array {@code src} (of this array's element type and
     * {@code srcLength} elements) from {@code srcIndex} to this array at {@code index}: the one checked
     * bulk copy behind every typed {@code copyFrom}.
     */
    final void copyFromHeap(Object src, int srcLength, int srcIndex, long index, int count, java.lang.foreign.ValueLayout layout) {
        checkAlive();
        checkWritable();
        checkRange(srcLength, srcIndex, count, "copyFrom source");
        checkRange(length, index, count, "copyFrom destination " + describe());
        MemorySegment.copy(src, srcIndex, segment, layout, index * layout.byteSize(), count);
    }

    /** The checked bulk copy behind every typed {@code copyTo}: {@code count} elements from {@code index}. */
    final void copyToHeap(long index, Object dst, int dstLength, int dstIndex, int count, java.lang.foreign.ValueLayout layout) {
        checkAlive();
        checkRange(length, index, count, "copyTo source " + describe());
        checkRange(dstLength, dstIndex, count, "copyTo destination");
        MemorySegment.copy(segment, layout, index * layout.byteSize(), dst, dstIndex, count);
    }

    /** Copies all elements of {@code src} (of the same type and length) into this array. */
    final void copyFromSame(OffHeapArray src) {
        Objects.requireNonNull(src, "src");
        checkAlive();
        src.checkAlive();
        checkWritable();
        if (src.length != length) {
            throw new IllegalArgumentException("cannot copy " + src.describe() + " into " + describe() + ": lengths differ");
        }
        MemorySegment.copy(src.segment, 0, segment, 0, segment.byteSize());
    }
}
