package io.kiln;

import io.kiln.ir.ElementType;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * An off-heap array of {@code byte} with a {@code long} length; see {@link OffHeapArray} for layout,
 * ownership and closing. Kernels take it wherever they take a {@code byte[]}:
 * <pre>{@code
 * static void scale(byte k, ByteArray x) {
 *     for (@Parallel long i = 0; i < x.length(); i++) {
 *         x.set(i, (byte) (k * x.get(i)));
 *     }
 * }
 * }</pre>
 */
public final class ByteArray extends OffHeapArray {
    private static final ValueLayout.OfByte LAYOUT = ValueLayout.JAVA_BYTE;

    private ByteArray(Memory memory) {
        super(memory, ElementType.BYTE);
    }

    /**
     * A zero-filled array of {@code length} elements in memory Kiln owns, aligned to
     * {@value OffHeapArray#ALIGNMENT} bytes; {@link #close()} releases it.
     *
     * @throws IllegalArgumentException if {@code length} is negative
     * @throws KilnException            if the memory cannot be allocated
     */
    public static ByteArray allocate(long length) {
        return new ByteArray(owned(length, ElementType.BYTE));
    }

    /** A zero-filled array of {@code length} elements allocated in {@code arena}, which releases it. */
    public static ByteArray allocate(long length, Arena arena) {
        return new ByteArray(inArena(arena, length, ElementType.BYTE));
    }

    /**
     * A zero-filled array of {@code length} elements in page-locked host memory for {@code device}, so
     * that copies to and from it are asynchronous (CUDA {@code cuMemHostAlloc}, OpenCL
     * {@code CL_MEM_ALLOC_HOST_PTR}); on devices that share the host's memory ({@code cpu}) plain
     * off-heap memory. {@link #close()} releases it.
     */
    public static ByteArray allocatePinned(long length, Device device) {
        return new ByteArray(pinned(device, length, ElementType.BYTE));
    }

    /**
     * Wraps memory someone else owns (a memory-mapped file, an Arrow vector, an ONNX Runtime tensor)
     * without copying it or writing into it. The segment must be native memory whose size is a multiple
     * of 1 and whose address is aligned to 1 bytes. Kiln never releases it.
     *
     * @throws IllegalArgumentException if the segment is on the heap, of the wrong size or misaligned
     */
    public static ByteArray wrap(MemorySegment segment) {
        return new ByteArray(wrapped(segment, ElementType.BYTE, "ByteArray"));
    }

    /** A new Kiln-owned array holding a copy of {@code values}. */
    public static ByteArray of(byte... values) {
        return allocate(values.length).copyFrom(values);
    }

    @Override
    public ElementType elementType() {
        return ElementType.BYTE;
    }

    /**
     * The element at {@code index}.
     *
     * @throws IndexOutOfBoundsException if {@code index} is negative or not below {@link #length()}
     * @throws IllegalStateException     if the array or its arena is closed
     */
    public byte get(long index) {
        try {
            // checked here as well: JDK 25's getAtIndex multiplies the index by the element size without an
            // overflow check, so an index such as Long.MIN_VALUE / 2 would silently read element 0
            return segment.getAtIndex(LAYOUT, java.util.Objects.checkIndex(index, length()));
        } catch (IllegalStateException e) {
            throw closedError(e);
        }
    }

    /**
     * Sets the element at {@code index}.
     *
     * @throws IndexOutOfBoundsException     if {@code index} is negative or not below {@link #length()}
     * @throws IllegalStateException         if the array or its arena is closed
     * @throws UnsupportedOperationException if the array wraps a read-only segment
     */
    public void set(long index, byte value) {
        try {
            segment.setAtIndex(LAYOUT, java.util.Objects.checkIndex(index, length()), value);
        } catch (IllegalStateException e) {
            throw closedError(e);
        } catch (IllegalArgumentException e) {
            throw readOnlyError(e);
        }
    }

    /** Sets every element to {@code value}; returns this array. */
    public ByteArray fill(byte value) {
        checkAlive();
        checkWritable();
        segment.fill(value);
        return this;
    }

    /** Copies all of {@code src} to the start of this array; returns this array. */
    public ByteArray copyFrom(byte[] src) {
        Objects.requireNonNull(src, "src");
        return copyFrom(src, 0, 0, src.length);
    }

    /** Copies {@code count} elements of {@code src} from {@code srcIndex} to this array at {@code index}. */
    public ByteArray copyFrom(byte[] src, int srcIndex, long index, int count) {
        copyFromHeap(Objects.requireNonNull(src, "src"), src.length, srcIndex, index, count, LAYOUT);
        return this;
    }

    /** Copies all elements of {@code src}, an array of the same length, into this array; returns this array. */
    public ByteArray copyFrom(ByteArray src) {
        copyFromSame(src);
        return this;
    }

    /** Copies the first {@code dst.length} elements of this array into {@code dst}. */
    public void copyTo(byte[] dst) {
        Objects.requireNonNull(dst, "dst");
        copyTo(0, dst, 0, dst.length);
    }

    /** Copies {@code count} elements from {@code index} into {@code dst} at {@code dstIndex}. */
    public void copyTo(long index, byte[] dst, int dstIndex, int count) {
        copyToHeap(index, Objects.requireNonNull(dst, "dst"), dst.length, dstIndex, count, LAYOUT);
    }

    /** Copies this whole array into {@code dst}, an array of the same length. */
    public void copyTo(ByteArray dst) {
        Objects.requireNonNull(dst, "dst").copyFromSame(this);
    }

    /**
     * The elements as a new Java array.
     *
     * @throws IllegalStateException if there are more elements than a Java array holds
     */
    public byte[] toArray() {
        checkAlive();
        if (length() > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException(describe() + " has more elements than a Java array can hold");
        }
        return segment.toArray(LAYOUT);
    }

    /** A direct {@link ByteBuffer} view in native byte order over the same memory (no copy). */
    public ByteBuffer asBuffer() {
        return asByteBuffer();
    }

    @Override
    String elementText(long index) {
        return String.valueOf(get(index));
    }
}
