package io.kiln.loader;

import io.kiln.FloatArray;

import java.util.AbstractList;
import java.util.List;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * One batch from a loader: a float32 tensor in off-heap memory with its shape, the samples in it (ids
 * and source indices, in the tensor's row order) and the samples of its range that failed.
 *
 * <p>The tensor belongs to the loader's ring of staging buffers: {@link #close()} gives it back, and
 * the loader reuses it for a later batch. Copy what must outlive the batch (or hand the memory to a
 * runtime that is done with it before the close). The loader keeps at most its prefetch depth of
 * batches; a consumer that holds them all and asks for another gets an {@link IllegalStateException}
 * rather than a hang.
 *
 * <pre>{@code
 * for (Batch b : loader) {
 *     try (b) {
 *         FloatBuffer x = b.tensor().asBuffer();   // N x C x H x W, native order, no copy
 *         model.step(x, b.shape());
 *     }
 * }
 * }</pre>
 */
public final class Batch implements AutoCloseable {
    private final FloatArray tensor;
    private final long[] shape;
    private final int size;
    private final int padding;
    private final int epoch;
    private final long number;
    private final long[] indices;
    private final IntFunction<String> idAt;
    private final List<Failure> failures;
    private final Runnable release;
    private volatile boolean closed;

    Batch(FloatArray tensor, long[] shape, int size, int padding, int epoch, long number, long[] indices,
          IntFunction<String> idAt, List<Failure> failures, Runnable release) {
        this.tensor = Objects.requireNonNull(tensor);
        this.shape = shape.clone();
        this.size = size;
        this.padding = padding;
        this.epoch = epoch;
        this.number = number;
        this.indices = indices;
        this.idAt = idAt;
        this.failures = List.copyOf(failures);
        this.release = release;
    }

    /**
     * The tensor: {@code shape()} elements, row-major, starting at element 0 (images: N x C x H x W;
     * CSV rows: rows x columns). It may be longer than the shape when the ring's buffers are larger.
     *
     * @throws IllegalStateException after {@link #close()}
     */
    public FloatArray tensor() {
        if (closed) throw new IllegalStateException("batch " + number + " of epoch " + epoch + " is closed: use its tensor before close()");
        return tensor;
    }

    /** The tensor's shape; the first extent is {@link #size()} plus {@link #padding()}. A copy. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of elements of the shape: the part of {@link #tensor()} that holds this batch. */
    public long elements() {
        long e = 1;
        for (long s : shape) e *= s;
        return e;
    }

    /** The samples in the tensor (its first rows). */
    public int size() {
        return size;
    }

    /** Zero rows after the samples ({@link LastBatch#PAD} on an epoch's last batch; otherwise 0). */
    public int padding() {
        return padding;
    }

    /** The epoch this batch belongs to, from 0. */
    public int epoch() {
        return epoch;
    }

    /** The batch's number within its epoch, from 0: the same samples get the same number under either {@link Order}. */
    public long number() {
        return number;
    }

    /** The source indices of the samples, in row order. A copy. */
    public long[] indices() {
        return java.util.Arrays.copyOf(indices, size);
    }

    /** The ids of the samples (paths, {@code #i}, {@code row N}), in row order. */
    public List<String> ids() {
        return new AbstractList<>() {
            @Override
            public String get(int i) {
                Objects.checkIndex(i, size);
                return idAt.apply(i);
            }

            @Override
            public int size() {
                return size;
            }
        };
    }

    /** The samples of this batch's range that were left out under {@link BadSamplePolicy#SKIP}. */
    public List<Failure> failures() {
        return failures;
    }

    /** A copy of the batch's part of the tensor as a Java array (for tests and small batches). */
    public float[] toArray() {
        long n = elements();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalStateException("batch of " + n + " floats is too large for a Java array: use tensor()");
        float[] out = new float[(int) n];
        tensor().copyTo(0, out, 0, (int) n);
        return out;
    }

    /** Whether {@link #close()} was called. */
    public boolean isClosed() {
        return closed;
    }

    /** Gives the tensor back to the loader's ring. Idempotent. */
    @Override
    public void close() {
        if (closed) return;
        closed = true;
        if (release != null) release.run();
    }

    @Override
    public String toString() {
        return "Batch[epoch " + epoch + ", #" + number + ", " + size + " samples" + (padding > 0 ? " + " + padding + " padding" : "")
                + (failures.isEmpty() ? "" : ", " + failures.size() + " failed") + ", shape " + java.util.Arrays.toString(shape) + "]";
    }
}
