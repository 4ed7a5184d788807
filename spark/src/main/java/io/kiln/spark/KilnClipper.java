package io.kiln.spark;

import io.kiln.kernels.tabular.DoubleColumns;
import io.kiln.kernels.tabular.Preprocessor;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Clips numeric columns to {@code [lower, upper]} ({@code numpy.clip}); an infinite bound clips
 * nothing on its side (the defaults, -Infinity and +Infinity, clip nothing) and a missing value (null
 * or NaN) stays NaN. Outputs are non-null doubles, bit for bit the library's
 * {@code Preprocessor.builder(k).clip(lower, upper)} transform, one float64 launch per batch. It needs
 * no fit, so it is a {@code Transformer}; put it after a scaler to clip the scaled values, as the
 * library's {@code Preprocessor} does.
 * <pre>{@code
 * new KilnClipper().setLower(-5).setUpper(5).setInputCols("age_s").setOutputCols("age_c")
 * }</pre>
 */
public final class KilnClipper extends KilnColumnTransformer<KilnClipper> {
    private static final long serialVersionUID = 1L;

    private final DoubleParam lower;
    private final DoubleParam upper;

    /** A clipper with a random unique id and no bounds. */
    public KilnClipper() {
        this(Identifiable.randomUID("kilnClipper"));
    }

    /** A clipper with the given unique id (Spark's readers call this). */
    public KilnClipper(String uid) {
        super(uid);
        lower = new DoubleParam(this, "lower", "the lower bound (-Infinity: none)");
        upper = new DoubleParam(this, "upper", "the upper bound (+Infinity: none)");
        setDefault(lower, (Object) Double.NEGATIVE_INFINITY);
        setDefault(upper, (Object) Double.POSITIVE_INFINITY);
    }

    /** The lower bound. */
    public DoubleParam lower() {
        return lower;
    }

    /** The upper bound. */
    public DoubleParam upper() {
        return upper;
    }

    /** The lower bound's value. */
    public double getLower() {
        return (Double) getOrDefault(lower);
    }

    /** The upper bound's value. */
    public double getUpper() {
        return (Double) getOrDefault(upper);
    }

    /** Sets the lower bound. */
    public KilnClipper setLower(double value) {
        set(lower, (Object) value);
        return this;
    }

    /** Sets the upper bound. */
    public KilnClipper setUpper(double value) {
        set(upper, (Object) value);
        return this;
    }

    @Override
    protected boolean integerInputs() {
        return false;
    }

    @Override
    protected StructType outputSchema(StructType schema, String[] inputs, String[] outputs) {
        double lo = getLower(), hi = getUpper();
        if (Double.isNaN(lo) || Double.isNaN(hi) || lo > hi) {
            throw new IllegalArgumentException("KilnClipper: the bounds must be numbers with lower <= upper, got [" + lo + ", "
                    + hi + "]; set lower and upper");
        }
        return Batches.appendColumns(schema, outputs, DataTypes.DoubleType, false);
    }

    @Override
    protected ColumnKernel kernel() {
        double lo = getLower(), hi = getUpper();
        int k = getInputCols().length;
        return (device, all, n) -> {
            DoubleColumns in = DoubleColumns.wrap(all, n, k);
            // the library's clip: an unfitted preprocessor with no imputation and no scaling
            Preprocessor.builder(k).clip(lo, hi).build().transform(device, in, in);  // in place: the copy is ours
            Object[][] out = new Object[k][n];
            for (int c = 0; c < k; c++) {
                for (int r = 0; r < n; r++) out[c][r] = all[c * n + r];
            }
            return out;
        };
    }

    /** Spark ML's reader of a saved clipper. */
    public static MLReader<KilnClipper> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a clipper saved with {@code write().save(path)}. */
    public static KilnClipper load(String path) {
        return read().load(path);
    }
}
