package io.kiln.kernels.tabular;

import io.kiln.Device;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The {@link ColumnStatistics} of every column of a table, computed on a Kiln device by a parallel
 * kernel and merged on the host in a fixed order, so the result is the same bits on every device and
 * every run. Fit over several batches with {@link #merge} (or {@link Preprocessor#partialFit}); states
 * fitted apart (one per data partition) merge the same way. {@link #toText()} and {@link #parse}
 * round-trip exactly.
 *
 * <p>How: each column is cut into chunks of {@link #CHUNK_ROWS} rows; the kernel
 * ({@link TabularKernels#momentsF32}) gives each chunk's count, mean, M2, min and max in float64 (two
 * passes over the chunk), and the host merges the chunks of each column in row order with
 * {@link ColumnStatistics#merge}. Against a sequential two-pass float64 computation the mean differs
 * by at most {@code 1e-12 * mean(|x|)} and the variance by at most {@code 1e-10 * (variance + mean^2)}
 * (asserted by the tests on 10^6-row columns).
 */
public final class TableStatistics {
    /** Rows per chunk of the statistics kernel. */
    public static final int CHUNK_ROWS = 4096;

    private static final String HEADER = "kiln-tabular-statistics 1";

    private final List<ColumnStatistics> columns;

    private TableStatistics(List<ColumnStatistics> columns) {
        this.columns = List.copyOf(columns);
    }

    /** Statistics made of the given column summaries, in column order. */
    public static TableStatistics of(List<ColumnStatistics> columns) {
        Objects.requireNonNull(columns, "columns");
        return new TableStatistics(columns);
    }

    /** The statistics of {@code columns} columns without any value yet, the identity of {@link #merge}. */
    public static TableStatistics empty(int columns) {
        if (columns < 0) throw new IllegalArgumentException("columns must be >= 0, got " + columns);
        return new TableStatistics(java.util.Collections.nCopies(columns, ColumnStatistics.EMPTY));
    }

    /** The statistics of a float32 batch on {@code device}, NaN being missing. */
    public static TableStatistics compute(Device device, FloatColumns batch) {
        return compute(device, batch, null);
    }

    /**
     * The statistics of a float32 batch on {@code device}; a value is missing when its byte in
     * {@code missing} (one per value, the batch's layout) is nonzero, or when it is NaN.
     */
    public static TableStatistics compute(Device device, FloatColumns batch, byte[] missing) {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(batch, "batch");
        int rows = batch.rows(), cols = batch.columns();
        if (missing != null) Shapes.checkMask(missing, rows, cols);
        if (rows == 0 || cols == 0) return empty(cols);
        int chunks = chunks(rows);
        double[] partials = new double[cols * chunks * TabularKernels.PARTIAL];
        TaskGraph graph = new TaskGraph("tabular-statistics");
        if (batch.isOffHeap()) {
            if (missing == null) {
                graph.task("moments", TabularKernels::momentsF32OffHeap, batch.offHeap(), rows, cols, CHUNK_ROWS, chunks, partials);
            } else {
                graph.task("moments", TabularKernels::momentsF32MaskedOffHeap, batch.offHeap(), missing, rows, cols, CHUNK_ROWS, chunks,
                        partials);
            }
        } else if (missing == null) {
            graph.task("moments", TabularKernels::momentsF32, batch.values(), rows, cols, CHUNK_ROWS, chunks, partials);
        } else {
            graph.task("moments", TabularKernels::momentsF32Masked, batch.values(), missing, rows, cols, CHUNK_ROWS, chunks,
                    partials);
        }
        Launch.run(device, graph.transferToHost(Transfer.EVERY_RUN, partials));
        return fromPartials(partials, cols, chunks);
    }

    /** The statistics of a float64 batch on {@code device}, NaN being missing. */
    public static TableStatistics compute(Device device, DoubleColumns batch) {
        return compute(device, batch, null);
    }

    /** The statistics of a float64 batch with a missing mask, as {@link #compute(Device, FloatColumns, byte[])}. */
    public static TableStatistics compute(Device device, DoubleColumns batch, byte[] missing) {
        Objects.requireNonNull(device, "device");
        Objects.requireNonNull(batch, "batch");
        int rows = batch.rows(), cols = batch.columns();
        if (missing != null) Shapes.checkMask(missing, rows, cols);
        if (rows == 0 || cols == 0) return empty(cols);
        int chunks = chunks(rows);
        double[] partials = new double[cols * chunks * TabularKernels.PARTIAL];
        TaskGraph graph = new TaskGraph("tabular-statistics");
        if (batch.isOffHeap()) {
            if (missing == null) {
                graph.task("moments", TabularKernels::momentsF64OffHeap, batch.offHeap(), rows, cols, CHUNK_ROWS, chunks, partials);
            } else {
                graph.task("moments", TabularKernels::momentsF64MaskedOffHeap, batch.offHeap(), missing, rows, cols, CHUNK_ROWS, chunks,
                        partials);
            }
        } else if (missing == null) {
            graph.task("moments", TabularKernels::momentsF64, batch.values(), rows, cols, CHUNK_ROWS, chunks, partials);
        } else {
            graph.task("moments", TabularKernels::momentsF64Masked, batch.values(), missing, rows, cols, CHUNK_ROWS, chunks,
                    partials);
        }
        Launch.run(device, graph.transferToHost(Transfer.EVERY_RUN, partials));
        return fromPartials(partials, cols, chunks);
    }

    private static int chunks(int rows) {
        return (rows + CHUNK_ROWS - 1) / CHUNK_ROWS;
    }

    /** Merges each column's chunk partials in row order: the fixed order makes the result deterministic. */
    static TableStatistics fromPartials(double[] partials, int columns, int chunks) {
        List<ColumnStatistics> out = new ArrayList<>(columns);
        for (int c = 0; c < columns; c++) {
            ColumnStatistics s = ColumnStatistics.EMPTY;
            for (int k = 0; k < chunks; k++) {
                int p = (c * chunks + k) * TabularKernels.PARTIAL;
                long count = (long) partials[p];
                if (count > 0) {
                    s = s.merge(new ColumnStatistics(count, partials[p + 1], partials[p + 2], partials[p + 3], partials[p + 4]));
                }
            }
            out.add(s);
        }
        return new TableStatistics(out);
    }

    /** The number of columns. */
    public int columns() {
        return columns.size();
    }

    /** The summary of column {@code c}. */
    public ColumnStatistics column(int c) {
        return columns.get(c);
    }

    /** Every column's summary, in column order (unmodifiable). */
    public List<ColumnStatistics> all() {
        return columns;
    }

    /**
     * The statistics of both tables' data together, column by column.
     *
     * @throws IllegalArgumentException if the column counts differ
     */
    public TableStatistics merge(TableStatistics other) {
        Objects.requireNonNull(other, "other");
        Shapes.checkColumns(columns(), other.columns(), "the statistics to merge");
        List<ColumnStatistics> out = new ArrayList<>(columns.size());
        for (int c = 0; c < columns.size(); c++) out.add(columns.get(c).merge(other.columns.get(c)));
        return new TableStatistics(out);
    }

    /**
     * The text form: a header line {@code kiln-tabular-statistics 1}, a line {@code columns N}, then
     * one line per column, {@code column C count N mean M m2 S min A max B}, numbers written by
     * {@code Long.toString} and {@code Double.toString} (which round-trip exactly; {@code NaN},
     * {@code Infinity}, {@code -Infinity} as Java writes them), fields separated by one space, lines
     * by {@code \n}.
     */
    public String toText() {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        sb.append("columns ").append(columns.size()).append('\n');
        for (int c = 0; c < columns.size(); c++) sb.append(columnLine(c, columns.get(c))).append('\n');
        return sb.toString();
    }

    /**
     * Reads the form {@link #toText()} writes.
     *
     * @throws IllegalArgumentException naming the line that is not in that form
     */
    public static TableStatistics parse(String text) {
        Objects.requireNonNull(text, "text");
        TextReader in = new TextReader(text, "statistics");
        in.expectLine(HEADER);
        int n = in.intField("columns");
        List<ColumnStatistics> cols = new ArrayList<>(n);
        for (int c = 0; c < n; c++) cols.add(readColumn(in, c));
        in.expectEnd();
        return new TableStatistics(cols);
    }

    static String columnLine(int c, ColumnStatistics s) {
        return "column " + c + " count " + s.count() + " mean " + s.mean() + " m2 " + s.m2() + " min " + s.min()
                + " max " + s.max();
    }

    static ColumnStatistics readColumn(TextReader in, int c) {
        String[] f = in.fields("column", 12);
        in.check(f, 1, Integer.toString(c));
        in.check(f, 2, "count");
        in.check(f, 4, "mean");
        in.check(f, 6, "m2");
        in.check(f, 8, "min");
        in.check(f, 10, "max");
        return new ColumnStatistics(in.parseLong(f[3]), in.parseDouble(f[5]), in.parseDouble(f[7]), in.parseDouble(f[9]),
                in.parseDouble(f[11]));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableStatistics t && columns.equals(t.columns);
    }

    @Override
    public int hashCode() {
        return columns.hashCode();
    }

    @Override
    public String toString() {
        return "TableStatistics" + columns;
    }
}
