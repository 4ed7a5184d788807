package io.kiln.spark;

import io.kiln.Device;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.CatalystTypeConverters;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.StructType;
import scala.Function1;

import java.io.Serializable;

/**
 * The common part of Kiln's stateless column transformers ({@link KilnBucketizer},
 * {@link KilnOneHotEncoder}, {@link KilnClipper}): each partition is cut into batches of
 * {@code batchRows} rows, the input columns of a batch become one column-major float64 array, each
 * goes through one kernel launch on the task's device, and the results are appended to the rows.
 * Like the tabular models, it reads and writes Spark's internal rows where it can
 * ({@link InternalRows}) and {@link Row}s otherwise; both give the same values, since the kernel sees
 * the same float64 columns either way. Parameters only, so Spark's {@code DefaultParamsWritable}
 * form saves them.
 */
public abstract class KilnColumnTransformer<S extends KilnColumnTransformer<S>> extends Transformer
        implements KilnColumnParams<S>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Holder params;

    /** A transformer with the given unique id and default parameters. */
    protected KilnColumnTransformer(String uid) {
        this.uid = uid;
        this.params = new Holder(this);
    }

    /**
     * What a batch's columns become: given the batch's input values as float64 columns (column
     * {@code c} is input column {@code c}, rows {@code c * rows} to {@code (c + 1) * rows - 1}, NaN
     * for null), the output values per column and row, as {@link Row} holds them ({@code Integer},
     * {@code Double}, an ML {@code Vector}).
     */
    protected interface ColumnKernel extends Serializable {
        /** {@code out[c][r]}: the value appended for input column {@code c} at row {@code r}. */
        Object[][] apply(Device device, double[] columns, int rows);
    }

    /** Whether the inputs must be integer columns (category codes) rather than any numeric type. */
    protected abstract boolean integerInputs();

    /** Checks the stage's own parameters against the inputs and returns the appended schema. */
    protected abstract StructType outputSchema(StructType schema, String[] inputs, String[] outputs);

    /** The kernel of one batch, made on the driver and shipped to the tasks (so it must be serializable). */
    protected abstract ColumnKernel kernel();

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Holder columnParams() {
        return params;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        Batches.checkColumns(getClass().getSimpleName(), schema, getInputCols(), getOutputCols(), integerInputs());
        return outputSchema(schema, getInputCols(), getOutputCols());
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int[] idx = Batches.checkColumns(getClass().getSimpleName(), dataset.schema(), getInputCols(), getOutputCols(),
                integerInputs());
        ColumnKernel kernel = kernel();
        String deviceId = getDevice();
        int batchRows = getBatchRows();
        if (InternalRows.available(dataset)) {
            DataType[] types = InternalRows.types(dataset.schema(), idx);
            DataType outType = out.fields()[out.fields().length - 1].dataType();  // every output has the same type
            JavaRDD<InternalRow> rows = InternalRows.rows(dataset).mapPartitions(it -> {
                Device device = KilnExecutor.get().deviceFor(deviceId);
                // Spark's own external-to-internal conversion (a Vector becomes its UDT's struct)
                Function1<Object, Object> internal = CatalystTypeConverters.createToCatalystConverter(outType);
                return Batches.map(it, batchRows, InternalRows::next, batch -> {
                    Object[][] v = kernel.apply(device, InternalRows.columns(batch, idx, types), batch.size());
                    for (Object[] column : v) {
                        for (int r = 0; r < column.length; r++) column[r] = internal.apply(column[r]);
                    }
                    return Batches.appendAll(batch, v, InternalRows::append);
                });
            });
            return InternalRows.frame(dataset, rows, out);
        }
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            Device device = KilnExecutor.get().deviceFor(deviceId);
            return Batches.map(rows, batchRows, batch ->
                    Batches.appendAll(batch, kernel.apply(device, Batches.columns(batch, idx), batch.size()), Batches::append));
        }, Encoders.row(out));
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
