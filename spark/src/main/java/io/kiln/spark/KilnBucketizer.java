package io.kiln.spark;

import io.kiln.kernels.tabular.TabularOps;
import org.apache.spark.ml.param.DoubleArrayArrayParam;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.Arrays;

/**
 * Bucketizes numeric columns by given edges, one ascending edge list per input column
 * ({@code splitsArray}): the bucket is the number of edges {@code <= x}, in {@code [0, edges.length]}
 * ({@code numpy.searchsorted(edges, x, side="right")}), and a missing value (null or NaN) gets
 * {@code edges.length + 1}; outputs are non-null ints. Unlike Spark's {@code Bucketizer} the edges
 * need not start at -Infinity and no value is out of range. Runs {@link TabularOps#bucketize} per
 * column and batch.
 * <pre>{@code
 * new KilnBucketizer().setSplitsArray(new double[][] {{18, 30, 65}}).setInputCols("age").setOutputCols("age_b")
 * }</pre>
 */
public final class KilnBucketizer extends KilnColumnTransformer<KilnBucketizer> {
    private static final long serialVersionUID = 1L;

    private final DoubleArrayArrayParam splitsArray;

    /** A bucketizer with a random unique id. */
    public KilnBucketizer() {
        this(Identifiable.randomUID("kilnBucketizer"));
    }

    /** A bucketizer with the given unique id (Spark's readers call this). */
    public KilnBucketizer(String uid) {
        super(uid);
        splitsArray = new DoubleArrayArrayParam(this, "splitsArray", "ascending, NaN-free bucket edges, one array per input column");
    }

    /** The edges, one array per input column. */
    public DoubleArrayArrayParam splitsArray() {
        return splitsArray;
    }

    /** The edges' value. */
    public double[][] getSplitsArray() {
        return getOrDefault(splitsArray);
    }

    /** Sets the edges, one ascending array per input column. */
    public KilnBucketizer setSplitsArray(double[][] value) {
        set(splitsArray, value);
        return this;
    }

    @Override
    protected boolean integerInputs() {
        return false;
    }

    @Override
    protected StructType outputSchema(StructType schema, String[] inputs, String[] outputs) {
        if (!isDefined(splitsArray)) {
            throw new IllegalArgumentException("KilnBucketizer: set splitsArray to one edge array per input column");
        }
        double[][] edges = getSplitsArray();
        if (edges.length != inputs.length) {
            throw new IllegalArgumentException("KilnBucketizer: splitsArray has " + edges.length + " edge arrays for "
                    + inputs.length + " input columns " + Arrays.toString(inputs) + "; give one per column");
        }
        return Batches.appendColumns(schema, outputs, DataTypes.IntegerType, false);
    }

    @Override
    protected ColumnKernel kernel() {
        double[][] edges = getSplitsArray();
        return (device, all, n) -> {
            Object[][] out = new Object[edges.length][];
            for (int c = 0; c < edges.length; c++) {
                int[] b = new int[n];
                TabularOps.bucketize(device, Arrays.copyOfRange(all, c * n, (c + 1) * n), edges[c], b);
                out[c] = Arrays.stream(b).boxed().toArray();
            }
            return out;
        };
    }

    /** Spark ML's reader of a saved bucketizer. */
    public static MLReader<KilnBucketizer> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a bucketizer saved with {@code write().save(path)}. */
    public static KilnBucketizer load(String path) {
        return read().load(path);
    }
}
