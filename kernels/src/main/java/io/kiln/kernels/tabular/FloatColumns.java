package io.kiln.kernels.tabular;

import io.kiln.FloatArray;

import java.util.Objects;

/**
 * A batch of float32 columns in one column-major array: column {@code c} is
 * {@code values()[c * rows() .. (c + 1) * rows())}. One array lets a kernel transform every column in
 * one launch; {@link #of(float[]...)} packs separate column arrays, {@link #column(int)} copies one
 * out. The array is shared, not copied, by {@link #wrap}: change its contents between runs of a plan,
 * never the array itself.
 * <p><b>Off-heap</b>: {@link #wrap(FloatArray, int, int)} holds the same layout in an off-heap
 * {@link FloatArray} (a decoded Arrow buffer, a mapped file, pinned memory), which the statistics and the
 * {@link Preprocessor}'s fitting and transforms read in place, on every device; {@link #values()} is then
 * not available ({@link #offHeap()}, {@link #toHeap()}). The batch must still hold at most
 * {@code Integer.MAX_VALUE - 8} values (split larger tables by rows), and the arena that owns the array
 * must stay open while the batch is used.
 */
public final class FloatColumns {
    /** The values on the heap, or null when {@link #offHeap} holds them. */
    private final float[] values;
    private final FloatArray offHeap;
    private final int rows;
    private final int columns;

    private FloatColumns(float[] values, FloatArray offHeap, int rows, int columns) {
        this.values = values;
        this.offHeap = offHeap;
        this.rows = rows;
        this.columns = columns;
    }

    /**
     * Wraps a column-major array of {@code rows * columns} values without copying.
     *
     * @throws IllegalArgumentException if a size is negative or {@code values.length != rows * columns}
     */
    public static FloatColumns wrap(float[] values, int rows, int columns) {
        Objects.requireNonNull(values, "values");
        Shapes.check(rows, columns, values.length, "values");
        return new FloatColumns(values, null, rows, columns);
    }

    /**
     * Wraps a column-major off-heap array of {@code rows * columns} values without copying (see the class
     * comment).
     *
     * @throws IllegalArgumentException if a size is negative, the batch holds more than
     *                                  {@code Integer.MAX_VALUE - 8} values or {@code values.length() != rows * columns}
     */
    public static FloatColumns wrap(FloatArray values, int rows, int columns) {
        Objects.requireNonNull(values, "values");
        Shapes.check(rows, columns, -1, "values");
        if (values.length() != (long) rows * columns) {
            throw new IllegalArgumentException("values has " + values.length() + " elements, but " + rows + " rows x "
                    + columns + " columns need " + (long) rows * columns);
        }
        return new FloatColumns(null, values, rows, columns);
    }

    /** A zeroed batch of {@code rows} rows and {@code columns} columns. */
    public static FloatColumns allocate(int rows, int columns) {
        Shapes.check(rows, columns, -1, "values");
        return new FloatColumns(new float[rows * columns], null, rows, columns);
    }

    /**
     * Copies separate column arrays, all of one length, into a new batch.
     *
     * @throws IllegalArgumentException if there is no column or the lengths differ
     */
    public static FloatColumns of(float[]... columns) {
        Objects.requireNonNull(columns, "columns");
        if (columns.length == 0) {
            throw new IllegalArgumentException("FloatColumns.of needs at least one column");
        }
        int rows = Objects.requireNonNull(columns[0], "column 0").length;
        FloatColumns batch = allocate(rows, columns.length);
        for (int c = 0; c < columns.length; c++) {
            float[] col = Objects.requireNonNull(columns[c], "column " + c);
            if (col.length != rows) {
                throw new IllegalArgumentException("column " + c + " has " + col.length + " rows, column 0 has " + rows
                        + ": every column of a batch needs the same number of rows");
            }
            System.arraycopy(col, 0, batch.values, c * rows, rows);
        }
        return batch;
    }

    /**
     * The column-major values, shared with this batch.
     *
     * @throws IllegalStateException if the batch is off-heap ({@link #offHeap()})
     */
    public float[] values() {
        if (values == null) {
            throw new IllegalStateException(this + " is off-heap: use offHeap() for its FloatArray, or toHeap() for a heap copy");
        }
        return values;
    }

    /**
     * The off-heap values, shared with this batch.
     *
     * @throws IllegalStateException if the batch is on the heap ({@link #values()})
     */
    public FloatArray offHeap() {
        if (offHeap == null) throw new IllegalStateException(this + " is on the heap: use values()");
        return offHeap;
    }

    /** Whether the values are in an off-heap {@link FloatArray} ({@link #wrap(FloatArray, int, int)}). */
    public boolean isOffHeap() {
        return offHeap != null;
    }

    /** This batch on the heap: itself when it is, else a copy. */
    public FloatColumns toHeap() {
        if (values != null) return this;
        float[] copy = new float[rows * columns];
        offHeap.copyTo(copy);
        return new FloatColumns(copy, null, rows, columns);
    }

    /** The batch's storage, a Java array or an off-heap array, for the kernels. */
    Object data() {
        return values != null ? values : offHeap;
    }

    /** The number of rows. */
    public int rows() {
        return rows;
    }

    /** The number of columns. */
    public int columns() {
        return columns;
    }

    /** A copy of column {@code c}. */
    public float[] column(int c) {
        Objects.checkIndex(c, columns);
        float[] out = new float[rows];
        if (values != null) System.arraycopy(values, c * rows, out, 0, rows);
        else offHeap.copyTo((long) c * rows, out, 0, rows);
        return out;
    }

    /** The value at {@code row} of column {@code column}. */
    public float get(int row, int column) {
        Objects.checkIndex(row, rows);
        Objects.checkIndex(column, columns);
        return values != null ? values[column * rows + row] : offHeap.get((long) column * rows + row);
    }

    @Override
    public String toString() {
        return "FloatColumns[" + rows + " rows x " + columns + " columns" + (offHeap != null ? ", off-heap]" : "]");
    }
}
