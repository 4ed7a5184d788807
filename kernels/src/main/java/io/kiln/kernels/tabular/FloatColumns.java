package io.kiln.kernels.tabular;

import java.util.Objects;

/**
 * A batch of float32 columns in one column-major array: column {@code c} is
 * {@code values()[c * rows() .. (c + 1) * rows())}. One array lets a kernel transform every column in
 * one launch; {@link #of(float[]...)} packs separate column arrays, {@link #column(int)} copies one
 * out. The array is shared, not copied, by {@link #wrap}: change its contents between runs of a plan,
 * never the array itself.
 */
public final class FloatColumns {
    private final float[] values;
    private final int rows;
    private final int columns;

    private FloatColumns(float[] values, int rows, int columns) {
        this.values = values;
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
        return new FloatColumns(values, rows, columns);
    }

    /** A zeroed batch of {@code rows} rows and {@code columns} columns. */
    public static FloatColumns allocate(int rows, int columns) {
        Shapes.check(rows, columns, -1, "values");
        return new FloatColumns(new float[rows * columns], rows, columns);
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

    /** The column-major values, shared with this batch. */
    public float[] values() {
        return values;
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
        System.arraycopy(values, c * rows, out, 0, rows);
        return out;
    }

    /** The value at {@code row} of column {@code column}. */
    public float get(int row, int column) {
        Objects.checkIndex(row, rows);
        Objects.checkIndex(column, columns);
        return values[column * rows + row];
    }

    @Override
    public String toString() {
        return "FloatColumns[" + rows + " rows x " + columns + " columns]";
    }
}
