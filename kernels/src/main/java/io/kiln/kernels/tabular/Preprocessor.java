package io.kiln.kernels.tabular;

import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.TaskGraph;
import io.kiln.Transfer;

import java.util.Arrays;
import java.util.Objects;

/**
 * Impute, scale and clip every column of a batch, fitted once and applied to many batches, as
 * scikit-learn's {@code SimpleImputer}, scalers and {@code numpy.clip} in a pipeline would:
 * <pre>{@code
 * Preprocessor p = Preprocessor.builder(16)
 *         .imputation(Imputation.MEAN).scaling(Scaling.STANDARD).clip(-5, 5).build();
 * p.partialFit(device, batch1).partialFit(device, batch2);    // or p.fit(device, all)
 * p.transform(device, batch, out);                            // one fused launch for all columns
 * String saved = p.toText();                                  // Preprocessor.parse(saved) restores it
 * }</pre>
 * Per value, in this order: a missing value (NaN, or nonzero in a mask) is replaced by the fill value
 * of {@link Imputation}; then {@code y = (v - center) / scale} ({@link Scaling}); then {@code y} is
 * clipped to {@code [low, high]}. The arithmetic of the transform is float32 for float32 batches
 * (parameters rounded to float32 once), float64 for float64 batches.
 *
 * <p>Fitting computes {@link TableStatistics} on the device. {@link Imputation#MEDIAN} and
 * {@link Scaling#ROBUST} also need exact quantiles, so while fitting such a preprocessor keeps every
 * non-missing value on the host (8 bytes each) and sorts them when first applied; one restored by
 * {@link #parse} holds only the resulting quantiles and can no longer be fitted further or merged.
 *
 * <p>A column without values (all missing) has NaN statistics: with {@link Imputation#MEAN} or
 * {@link Imputation#MEDIAN} its fill is NaN, and any scaling other than {@link Scaling#NONE} makes
 * every value of it NaN. Infinite values are values: they make the mean infinite and the standard
 * deviation NaN (see {@link ColumnStatistics}). A preprocessor never fitted (no batch, merge or parsed
 * text) refuses to transform when its imputation or scaling needs statistics: every value would be NaN.
 * Not thread-safe.
 */
public final class Preprocessor {
    private static final String HEADER = "kiln-tabular-preprocessor 1";

    private final int columns;
    private final Imputation imputation;
    private final double constant;
    private final Scaling scaling;
    private final double low;
    private final double high;

    private TableStatistics statistics;
    /** The non-missing values of each column, kept only when quantiles are needed and still fittable. */
    private ValueBuffer[] values;
    /** q(0.25), q(0.5), q(0.75) per column, computed when needed; null while stale. */
    private double[][] quantiles;
    /** Whether any batch, merge or parsed text has been fitted (a batch of 0 rows counts: its columns are empty). */
    private boolean fitted;

    private Preprocessor(Builder b) {
        this.columns = b.columns;
        this.imputation = b.imputation;
        this.constant = b.constant;
        this.scaling = b.scaling;
        this.low = b.low;
        this.high = b.high;
        reset();
    }

    /** A builder for a preprocessor of {@code columns} columns: by default no imputation, no scaling, no clipping. */
    public static Builder builder(int columns) {
        return new Builder(columns);
    }

    /** The settings of a {@link Preprocessor}; each method returns this builder. */
    public static final class Builder {
        private final int columns;
        private Imputation imputation = Imputation.NONE;
        private double constant = 0;
        private Scaling scaling = Scaling.NONE;
        private double low = Double.NEGATIVE_INFINITY;
        private double high = Double.POSITIVE_INFINITY;

        private Builder(int columns) {
            if (columns < 1) throw new IllegalArgumentException("a preprocessor needs at least one column, got " + columns);
            this.columns = columns;
        }

        /** What replaces a missing value. */
        public Builder imputation(Imputation imputation) {
            this.imputation = Objects.requireNonNull(imputation, "imputation");
            return this;
        }

        /** The fill value of {@link Imputation#CONSTANT} (and selects it). */
        public Builder constant(double value) {
            this.constant = value;
            this.imputation = Imputation.CONSTANT;
            return this;
        }

        /** How each column is scaled. */
        public Builder scaling(Scaling scaling) {
            this.scaling = Objects.requireNonNull(scaling, "scaling");
            return this;
        }

        /**
         * Clips scaled values to {@code [low, high]} (infinite bounds clip nothing on that side).
         *
         * @throws IllegalArgumentException if a bound is NaN or {@code low > high}
         */
        public Builder clip(double low, double high) {
            if (Double.isNaN(low) || Double.isNaN(high) || low > high) {
                throw new IllegalArgumentException("clip bounds need low <= high and no NaN, got [" + low + ", " + high + "]");
            }
            this.low = low;
            this.high = high;
            return this;
        }

        /** A new, unfitted preprocessor with these settings. */
        public Preprocessor build() {
            return new Preprocessor(this);
        }
    }

    private boolean needsQuantiles() {
        return imputation == Imputation.MEDIAN || scaling == Scaling.ROBUST;
    }

    private void reset() {
        fitted = false;
        statistics = TableStatistics.empty(columns);
        quantiles = null;
        values = null;
        if (needsQuantiles()) {
            values = new ValueBuffer[columns];
            for (int c = 0; c < columns; c++) values[c] = new ValueBuffer();
        }
    }

    /** Forgets what was fitted, then {@link #partialFit(Device, FloatColumns)}. */
    public Preprocessor fit(Device device, FloatColumns batch) {
        reset();
        return partialFit(device, batch);
    }

    /** Forgets what was fitted, then {@link #partialFit(Device, DoubleColumns)}. */
    public Preprocessor fit(Device device, DoubleColumns batch) {
        reset();
        return partialFit(device, batch);
    }

    /** Adds a float32 batch to the fitted data, NaN being missing. */
    public Preprocessor partialFit(Device device, FloatColumns batch) {
        return partialFit(device, batch, null);
    }

    /**
     * Adds a float32 batch to the fitted data; a value is missing when it is NaN or its byte in
     * {@code missing} (one per value, or {@code null} for none) is nonzero.
     *
     * @throws IllegalArgumentException if the column count or the mask's size is wrong
     * @throws IllegalStateException    if this preprocessor was restored by {@link #parse} and needs quantiles
     */
    public Preprocessor partialFit(Device device, FloatColumns batch, byte[] missing) {
        Objects.requireNonNull(batch, "batch");
        checkFittable("partialFit");
        Shapes.checkColumns(columns, batch.columns(), "the batch");
        statistics = statistics.merge(TableStatistics.compute(device, batch, missing));
        fitted = true;
        if (values != null) {
            float[] v = batch.toHeap().values();     // the quantiles keep every value on the heap anyway
            int rows = batch.rows();
            for (int c = 0; c < columns; c++) {
                for (int i = c * rows; i < (c + 1) * rows; i++) {
                    if (v[i] == v[i] && (missing == null || missing[i] == 0)) values[c].add(v[i]);
                }
            }
            quantiles = null;
        }
        return this;
    }

    /** Adds a float64 batch to the fitted data, NaN being missing. */
    public Preprocessor partialFit(Device device, DoubleColumns batch) {
        return partialFit(device, batch, null);
    }

    /** Adds a float64 batch with a missing mask, as {@link #partialFit(Device, FloatColumns, byte[])}. */
    public Preprocessor partialFit(Device device, DoubleColumns batch, byte[] missing) {
        Objects.requireNonNull(batch, "batch");
        checkFittable("partialFit");
        Shapes.checkColumns(columns, batch.columns(), "the batch");
        statistics = statistics.merge(TableStatistics.compute(device, batch, missing));
        fitted = true;
        if (values != null) {
            double[] v = batch.toHeap().values();     // the quantiles keep every value on the heap anyway
            int rows = batch.rows();
            for (int c = 0; c < columns; c++) {
                for (int i = c * rows; i < (c + 1) * rows; i++) {
                    if (v[i] == v[i] && (missing == null || missing[i] == 0)) values[c].add(v[i]);
                }
            }
            quantiles = null;
        }
        return this;
    }

    /**
     * Adds what {@code other} was fitted on (another partition of the data) to this one; {@code other}
     * is unchanged.
     *
     * @throws IllegalArgumentException if the settings or column counts differ
     */
    public Preprocessor merge(Preprocessor other) {
        Objects.requireNonNull(other, "other");
        checkFittable("merge");
        other.checkFittable("merge");
        if (!settings().equals(other.settings())) {
            throw new IllegalArgumentException("cannot merge preprocessors with different settings: " + settings() + " and "
                    + other.settings());
        }
        statistics = statistics.merge(other.statistics);
        fitted |= other.fitted;
        if (values != null) {
            for (int c = 0; c < columns; c++) values[c].addAll(other.values[c]);
            quantiles = null;
        }
        return this;
    }

    private void checkFittable(String what) {
        if (needsQuantiles() && values == null) {
            throw new IllegalStateException(what + " on a preprocessor restored from text with " + imputation + " imputation and "
                    + scaling + " scaling: its exact quantiles need every value, which the text does not keep; "
                    + "fit a new preprocessor on all the data");
        }
    }

    private String settings() {
        return "columns " + columns + ", imputation " + imputation + (imputation == Imputation.CONSTANT ? " " + constant : "")
                + ", scaling " + scaling + ", clip [" + low + ", " + high + "]";
    }

    /** The number of columns. */
    public int columns() {
        return columns;
    }

    /** The moments of the data fitted so far. */
    public TableStatistics statistics() {
        return statistics;
    }

    private double[][] quantiles() {
        if (quantiles == null && needsQuantiles()) {
            quantiles = new double[columns][];
            for (int c = 0; c < columns; c++) {
                quantiles[c] = Quantiles.sortedQuantiles(values[c].copy(), values[c].size(), 0.25, 0.5, 0.75);
            }
        }
        return quantiles;
    }

    /** The fill value of each column: NaN for {@link Imputation#NONE}. */
    public double[] fill() {
        double[] f = new double[columns];
        for (int c = 0; c < columns; c++) {
            f[c] = switch (imputation) {
                case NONE -> Double.NaN;
                case MEAN -> statistics.column(c).mean();
                case MEDIAN -> quantiles()[c][1];
                case CONSTANT -> constant;
            };
        }
        return f;
    }

    /** The center of each column's scaling (0 for {@link Scaling#NONE}). */
    public double[] center() {
        double[] out = new double[columns];
        for (int c = 0; c < columns; c++) {
            ColumnStatistics s = statistics.column(c);
            out[c] = switch (scaling) {
                case NONE -> 0;
                case STANDARD -> s.mean();
                case MIN_MAX -> s.min();
                case ROBUST -> quantiles()[c][1];
            };
        }
        return out;
    }

    /** The scale of each column's scaling (1 for {@link Scaling#NONE}; a zero scale becomes 1). */
    public double[] scale() {
        double[] out = new double[columns];
        for (int c = 0; c < columns; c++) {
            ColumnStatistics s = statistics.column(c);
            double v = switch (scaling) {
                case NONE -> 1;
                case STANDARD -> s.standardDeviation();
                case MIN_MAX -> s.max() - s.min();
                case ROBUST -> quantiles()[c][2] - quantiles()[c][0];
            };
            out[c] = v == 0 ? 1 : v;
        }
        return out;
    }

    /** Transforms a float32 batch into {@code out} (same shape; may be {@code in}), NaN being missing. */
    public void transform(Device device, FloatColumns in, FloatColumns out) {
        try (ExecutionPlan plan = transformPlan(device, in, null, out)) {
            plan.run();
        }
    }

    /** Transforms a float32 batch with a missing mask (nonzero = missing, as is NaN) into {@code out}. */
    public void transform(Device device, FloatColumns in, byte[] missing, FloatColumns out) {
        Objects.requireNonNull(missing, "missing");
        try (ExecutionPlan plan = transformPlan(device, in, missing, out)) {
            plan.run();
        }
    }

    /**
     * A plan that transforms {@code in} into {@code out} each time it runs, for many batches of one
     * shape: refill {@code in.values()} (or, off-heap, {@code in.offHeap()}) between runs. The fitted
     * parameters are taken now; later fitting does not change the plan. {@code missing} may be
     * {@code null} (NaN is missing). {@code in} and {@code out} are both on the heap or both off-heap.
     * The caller closes the plan.
     *
     * @throws IllegalArgumentException if a shape does not match, or one batch is off-heap and the other not
     * @throws IllegalStateException    if it was never fitted and its imputation or scaling needs the statistics
     */
    public ExecutionPlan transformPlan(Device device, FloatColumns in, byte[] missing, FloatColumns out) {
        Objects.requireNonNull(device, "device");
        checkShapes(in.columns(), in.rows(), out.columns(), out.rows(), missing);
        checkFitted();
        float[] f = toFloats(fill()), m = toFloats(center()), s = toFloats(scale());
        float[] lo = new float[columns], hi = new float[columns];
        Arrays.fill(lo, (float) low);
        Arrays.fill(hi, (float) high);
        boolean offHeap = sameStorage(in.isOffHeap(), out.isOffHeap());
        TaskGraph graph = new TaskGraph("tabular-transform").transferToDevice(Transfer.EVERY_RUN, in.data());
        if (missing != null) graph.transferToDevice(Transfer.EVERY_RUN, missing);
        if (offHeap && missing == null) {
            graph.task("transform", TabularKernels::transformF32OffHeap, in.offHeap(), in.rows(), columns, tiles(in.rows()), f, m, s, lo, hi,
                    out.offHeap());
        } else if (offHeap) {
            graph.task("transform", TabularKernels::transformF32MaskedOffHeap, in.offHeap(), missing, in.rows(), columns, tiles(in.rows()), f, m,
                    s, lo, hi, out.offHeap());
        } else if (missing == null) {
            graph.task("transform", TabularKernels::transformF32, in.values(), in.rows(), columns, tiles(in.rows()), f, m, s, lo, hi, out.values());
        } else {
            graph.task("transform", TabularKernels::transformF32Masked, in.values(), missing, in.rows(), columns, tiles(in.rows()), f, m, s, lo,
                    hi, out.values());
        }
        return graph.transferToHost(Transfer.EVERY_RUN, out.data()).plan(device);
    }

    /** Transforms a float64 batch into {@code out} (same shape; may be {@code in}), NaN being missing. */
    public void transform(Device device, DoubleColumns in, DoubleColumns out) {
        transform(device, in, null, out);
    }

    /** Transforms a float64 batch with a missing mask ({@code null}: NaN only) into {@code out}. */
    public void transform(Device device, DoubleColumns in, byte[] missing, DoubleColumns out) {
        Objects.requireNonNull(device, "device");
        checkShapes(in.columns(), in.rows(), out.columns(), out.rows(), missing);
        checkFitted();
        double[] lo = new double[columns], hi = new double[columns];
        Arrays.fill(lo, low);
        Arrays.fill(hi, high);
        boolean offHeap = sameStorage(in.isOffHeap(), out.isOffHeap());
        TaskGraph graph = new TaskGraph("tabular-transform");
        if (offHeap && missing == null) {
            graph.task("transform", TabularKernels::transformF64OffHeap, in.offHeap(), in.rows(), columns, tiles(in.rows()), fill(), center(),
                    scale(), lo, hi, out.offHeap());
        } else if (offHeap) {
            graph.task("transform", TabularKernels::transformF64MaskedOffHeap, in.offHeap(), missing, in.rows(), columns, tiles(in.rows()),
                    fill(), center(), scale(), lo, hi, out.offHeap());
        } else if (missing == null) {
            graph.task("transform", TabularKernels::transformF64, in.values(), in.rows(), columns, tiles(in.rows()), fill(), center(), scale(), lo,
                    hi, out.values());
        } else {
            graph.task("transform", TabularKernels::transformF64Masked, in.values(), missing, in.rows(), columns, tiles(in.rows()),
                    fill(), center(), scale(), lo, hi, out.values());
        }
        Launch.run(device, graph.transferToDevice(Transfer.EVERY_RUN, in.data())
                .transferToHost(Transfer.EVERY_RUN, out.data()));
    }

    /** Whether both batches are off-heap; one of each is refused: the transform kernels take two of one kind. */
    private static boolean sameStorage(boolean inOffHeap, boolean outOffHeap) {
        if (inOffHeap != outOffHeap) {
            throw new IllegalArgumentException("the input batch is " + (inOffHeap ? "off-heap" : "on the heap") + " but the output batch is "
                    + (outOffHeap ? "off-heap" : "on the heap") + ": pass two heap batches or two off-heap batches (toHeap() copies one to the heap)");
        }
        return inOffHeap;
    }

    /**
     * A transform that needs the columns' statistics (MEAN or MEDIAN imputation, any scaling) on a
     * preprocessor that was never fitted would turn every value into NaN: refused, as scikit-learn's
     * {@code NotFittedError} does.
     */
    private void checkFitted() {
        boolean needsStatistics = imputation == Imputation.MEAN || imputation == Imputation.MEDIAN || scaling != Scaling.NONE;
        if (!fitted && needsStatistics) {
            throw new IllegalStateException("transform: this preprocessor (" + settings() + ") has not been fitted: call fit(device, batch) "
                    + "or partialFit(device, batch) first, or restore a fitted one with Preprocessor.parse(text)");
        }
    }

    private void checkShapes(int inColumns, int inRows, int outColumns, int outRows, byte[] missing) {
        Shapes.checkColumns(columns, inColumns, "the input batch");
        Shapes.checkColumns(columns, outColumns, "the output batch");
        if (inRows != outRows) {
            throw new IllegalArgumentException("the output batch has " + outRows + " rows, the input " + inRows
                    + ": allocate the output with the input's shape");
        }
        if (missing != null) Shapes.checkMask(missing, inRows, inColumns);
    }

    /** Tiles per column of the transform kernels, at least 1 so that the tile index never divides by 0. */
    static int tiles(int rows) {
        return Math.max(1, (rows + TabularKernels.TILE_ROWS - 1) / TabularKernels.TILE_ROWS);
    }

    private static float[] toFloats(double[] v) {
        float[] out = new float[v.length];
        for (int i = 0; i < v.length; i++) out[i] = (float) v[i];
        return out;
    }

    /**
     * The text form: the line {@code kiln-tabular-preprocessor 1}; the settings, one per line,
     * {@code imputation NAME}, {@code constant X}, {@code scaling NAME}, {@code clip LOW HIGH};
     * {@code columns N}; per column its statistics line as in {@link TableStatistics#toText()} and,
     * when the settings need quantiles, a line {@code quantiles C Q25 Q50 Q75}. Numbers as
     * {@code Double.toString} writes them, which round-trips exactly.
     */
    public String toText() {
        StringBuilder sb = new StringBuilder(HEADER).append('\n');
        sb.append("imputation ").append(imputation.name()).append('\n');
        sb.append("constant ").append(constant).append('\n');
        sb.append("scaling ").append(scaling.name()).append('\n');
        sb.append("clip ").append(low).append(' ').append(high).append('\n');
        sb.append("columns ").append(columns).append('\n');
        double[][] q = quantiles();
        for (int c = 0; c < columns; c++) {
            sb.append(TableStatistics.columnLine(c, statistics.column(c))).append('\n');
            if (q != null) sb.append("quantiles ").append(c).append(' ').append(q[c][0]).append(' ').append(q[c][1]).append(' ')
                    .append(q[c][2]).append('\n');
        }
        return sb.toString();
    }

    /**
     * Reads the form {@link #toText()} writes: a preprocessor that transforms as the saved one did.
     *
     * @throws IllegalArgumentException naming the line that is not in that form
     */
    public static Preprocessor parse(String text) {
        Objects.requireNonNull(text, "text");
        TextReader in = new TextReader(text, "preprocessor");
        in.expectLine(HEADER);
        Imputation imputation = enumField(in, "imputation", Imputation.class);
        double constant = in.parseDouble(in.fields("constant", 2)[1]);
        Scaling scaling = enumField(in, "scaling", Scaling.class);
        String[] clip = in.fields("clip", 3);
        int n = in.intField("columns");
        Builder b = builder(Math.max(n, 1)).imputation(imputation).scaling(scaling);
        b.constant = constant;
        try {
            b.clip(in.parseDouble(clip[1]), in.parseDouble(clip[2]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a Kiln tabular preprocessor text: " + e.getMessage(), e);
        }
        Preprocessor p = b.build();
        if (n != p.columns) throw new IllegalArgumentException("not a Kiln tabular preprocessor text: columns must be >= 1");
        java.util.List<ColumnStatistics> stats = new java.util.ArrayList<>();
        double[][] q = p.needsQuantiles() ? new double[n][] : null;
        for (int c = 0; c < n; c++) {
            stats.add(TableStatistics.readColumn(in, c));
            if (q != null) {
                String[] f = in.fields("quantiles", 5);
                in.check(f, 1, Integer.toString(c));
                q[c] = new double[] {in.parseDouble(f[2]), in.parseDouble(f[3]), in.parseDouble(f[4])};
            }
        }
        in.expectEnd();
        p.statistics = TableStatistics.of(stats);
        p.fitted = true;
        p.values = null;
        p.quantiles = q;
        return p;
    }

    private static <E extends Enum<E>> E enumField(TextReader in, String key, Class<E> type) {
        String name = in.fields(key, 2)[1];
        try {
            return Enum.valueOf(type, name);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a Kiln tabular preprocessor text: '" + name + "' is not one of "
                    + Arrays.toString(type.getEnumConstants()), e);
        }
    }

    @Override
    public String toString() {
        return "Preprocessor[" + settings() + "]";
    }

    /** A growable list of doubles. */
    private static final class ValueBuffer {
        private double[] data = new double[16];
        private int size;

        void add(double v) {
            if (size == data.length) data = Arrays.copyOf(data, size * 2);
            data[size++] = v;
        }

        void addAll(ValueBuffer other) {
            if (size + other.size > data.length) data = Arrays.copyOf(data, Math.max(size + other.size, size * 2));
            System.arraycopy(other.data, 0, data, size, other.size);
            size += other.size;
        }

        int size() {
            return size;
        }

        double[] copy() {
            return Arrays.copyOf(data, size);
        }
    }
}
