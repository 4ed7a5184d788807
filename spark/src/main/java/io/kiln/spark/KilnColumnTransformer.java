package io.kiln.spark;

import io.kiln.Device;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.StructType;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * The common part of Kiln's stateless column transformers ({@link KilnBucketizer},
 * {@link KilnOneHotEncoder}): each partition is cut into batches of {@code batchRows} rows, every input
 * column of a batch goes through one kernel launch on the task's device, and the results are appended
 * to the rows. Parameters only, so Spark's {@code DefaultParamsWritable} form saves them.
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
     * What a batch's columns become: given the batch's input values (column {@code c} is the input
     * column {@code c}), the output values per column and row.
     */
    protected interface ColumnKernel extends Serializable {
        /** {@code out[c][r]}: the value appended for input column {@code c} at row {@code r} of {@code batch}. */
        Object[][] apply(Device device, List<Row> batch, int[] fields);
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
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            Device device = KilnExecutor.get().deviceFor(deviceId);
            return Batches.map(rows, batchRows, batch -> {
                Object[][] v = kernel.apply(device, batch, idx);
                List<Row> result = new ArrayList<>(batch.size());
                Object[] extra = new Object[idx.length];
                for (int r = 0; r < batch.size(); r++) {
                    for (int c = 0; c < idx.length; c++) extra[c] = v[c][r];
                    result.add(Batches.append(batch.get(r), extra));
                }
                return result;
            });
        }, Encoders.row(out));
    }

    @Override
    public Transformer copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
