package io.kiln.spark;

import io.kiln.kernels.tabular.TabularOps;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.param.IntArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * One-hot encodes integer category codes: input column {@code c} with {@code categorySizes[c] = k}
 * becomes a dense ML {@code Vector} of {@code k} values, 1 at the code and 0 elsewhere; a code outside
 * {@code [0, k)} or null (an unknown category) gives all zeros (scikit-learn's
 * {@code handle_unknown="ignore"}). Runs {@link TabularOps#oneHot} per column and batch.
 * <pre>{@code
 * new KilnOneHotEncoder().setCategorySizes(3).setInputCols("colour").setOutputCols("colour_v")
 * }</pre>
 */
public final class KilnOneHotEncoder extends KilnColumnTransformer<KilnOneHotEncoder> {
    private static final long serialVersionUID = 1L;

    private final IntArrayParam categorySizes;

    /** An encoder with a random unique id. */
    public KilnOneHotEncoder() {
        this(Identifiable.randomUID("kilnOneHotEncoder"));
    }

    /** An encoder with the given unique id (Spark's readers call this). */
    public KilnOneHotEncoder(String uid) {
        super(uid);
        categorySizes = new IntArrayParam(this, "categorySizes", "the number of categories of each input column (codes 0..k-1)");
    }

    /** The number of categories per input column. */
    public IntArrayParam categorySizes() {
        return categorySizes;
    }

    /** The category counts' value. */
    public int[] getCategorySizes() {
        return getOrDefault(categorySizes);
    }

    /** Sets the number of categories of each input column. */
    public KilnOneHotEncoder setCategorySizes(int... value) {
        set(categorySizes, value);
        return this;
    }

    @Override
    protected boolean integerInputs() {
        return true;
    }

    @Override
    protected StructType outputSchema(StructType schema, String[] inputs, String[] outputs) {
        if (!isDefined(categorySizes)) {
            throw new IllegalArgumentException("KilnOneHotEncoder: set categorySizes to the number of categories of each input column");
        }
        int[] k = getCategorySizes();
        if (k.length != inputs.length) {
            throw new IllegalArgumentException("KilnOneHotEncoder: categorySizes has " + k.length + " entries for " + inputs.length
                    + " input columns " + Arrays.toString(inputs) + "; give one per column");
        }
        for (int c = 0; c < k.length; c++) {
            if (k[c] < 1) {
                throw new IllegalArgumentException("KilnOneHotEncoder: categorySizes[" + c + "] is " + k[c] + "; it must be >= 1");
            }
        }
        return Batches.appendColumns(schema, outputs, SQLDataTypes.VectorType(), false);
    }

    @Override
    protected ColumnKernel kernel() {
        int[] sizes = getCategorySizes();
        return (device, all, n) -> {
            Object[][] out = new Object[sizes.length][n];
            for (int c = 0; c < sizes.length; c++) {
                int[] codes = new int[n];
                for (int r = 0; r < n; r++) {
                    // an integer column read as float64: exact up to 2^53, and any larger code is unknown anyway
                    double code = all[c * n + r];
                    codes[r] = code >= 0 && code < sizes[c] ? (int) code : -1;  // null (NaN) or unknown: a row of zeros
                }
                float[] v = TabularOps.oneHot(device, codes, sizes[c]).values();
                for (int r = 0; r < n; r++) {
                    double[] vec = new double[sizes[c]];
                    for (int j = 0; j < sizes[c]; j++) vec[j] = v[j * n + r];
                    out[c][r] = Vectors.dense(vec);
                }
            }
            return out;
        };
    }

    /** Spark ML's reader of a saved encoder. */
    public static MLReader<KilnOneHotEncoder> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads an encoder saved with {@code write().save(path)}. */
    public static KilnOneHotEncoder load(String path) {
        return read().load(path);
    }
}
