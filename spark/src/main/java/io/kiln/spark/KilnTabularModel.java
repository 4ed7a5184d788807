package io.kiln.spark;

import io.kiln.Device;
import io.kiln.kernels.tabular.DoubleColumns;
import io.kiln.kernels.tabular.Preprocessor;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.ml.Model;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

import java.util.List;
import java.util.Objects;

/**
 * The common part of Kiln's fitted tabular models: a fitted {@link Preprocessor} (kept as its exact
 * text form, {@link #state()}) applied per partition on the executors, {@code batchRows} rows at a time
 * as one float64 column-major batch and one kernel launch ({@link Preprocessor#transform(Device,
 * DoubleColumns, DoubleColumns)}), so each output value is bit for bit what the library gives for the
 * same fitted state. Outputs are non-null doubles appended to the rows; a missing input (null or NaN)
 * follows the preprocessor's imputation (NaN when it has none).
 *
 * @param <M> the concrete model type
 */
public abstract class KilnTabularModel<M extends KilnTabularModel<M>> extends Model<M> implements KilnColumnParams<M>, MLWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Holder params;
    private final String state;

    /**
     * A model with the given unique id holding a fitted preprocessor's text form.
     *
     * @throws IllegalArgumentException if {@code state} is not a preprocessor's text form
     */
    protected KilnTabularModel(String uid, String state) {
        this.uid = uid;
        this.state = Objects.requireNonNull(state, "state");
        Preprocessor.parse(state);
        this.params = new Holder(this);
    }

    /** A model of this kind with the same unique id and {@code state}, for {@link #copy} and loading. */
    protected abstract M newModel(String uid, String state);

    @Override
    public String uid() {
        return uid;
    }

    /** The fitted preprocessor's text form ({@link Preprocessor#toText()}). */
    public String state() {
        return state;
    }

    /** A new copy of the fitted preprocessor, for use outside Spark. */
    public Preprocessor preprocessor() {
        return Preprocessor.parse(state);
    }

    @Override
    public Holder columnParams() {
        return params;
    }

    /** The input schema with one non-null double column per output appended; checks the input columns. */
    @Override
    public StructType transformSchema(StructType schema) {
        Batches.checkColumns(getClass().getSimpleName(), schema, getInputCols(), getOutputCols(), false);
        int fitted = preprocessor().columns();
        if (getInputCols().length != fitted) {
            throw new IllegalArgumentException(getClass().getSimpleName() + ": the model was fitted on " + fitted
                    + " columns but inputCols names " + getInputCols().length + "; pass as many columns as were fitted");
        }
        return Batches.appendColumns(schema, getOutputCols(), DataTypes.DoubleType, false);
    }

    /** Appends the transformed columns, computed per partition in batches on each task's device. */
    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType out = transformSchema(dataset.schema());
        int[] idx = Batches.checkColumns(getClass().getSimpleName(), dataset.schema(), getInputCols(), getOutputCols(), false);
        String text = state, deviceId = getDevice();
        int batchRows = getBatchRows();
        if (InternalRows.available(dataset)) {
            DataType[] types = InternalRows.types(dataset.schema(), idx);
            JavaRDD<InternalRow> rows = InternalRows.rows(dataset).mapPartitions(it -> {
                Device device = KilnExecutor.get().deviceFor(deviceId);
                Preprocessor p = Preprocessor.parse(text);
                return Batches.map(it, batchRows, InternalRows::next, batch -> {
                    int n = batch.size(), k = idx.length;
                    DoubleColumns in = DoubleColumns.wrap(InternalRows.columns(batch, idx, types), n, k);
                    p.transform(device, in, in);
                    return Batches.appendAll(batch, in.values(), n, k, InternalRows::append);
                });
            });
            return InternalRows.frame(dataset, rows, out);
        }
        return dataset.toDF().mapPartitions((MapPartitionsFunction<Row, Row>) rows -> {
            Device device = KilnExecutor.get().deviceFor(deviceId);
            Preprocessor p = Preprocessor.parse(text);  // one per task: a Preprocessor is not thread-safe
            return Batches.map(rows, batchRows, batch -> apply(p, device, batch, idx));
        }, Encoders.row(out));
    }

    private static List<Row> apply(Preprocessor p, Device device, List<Row> batch, int[] idx) {
        int n = batch.size(), k = idx.length;
        DoubleColumns in = DoubleColumns.wrap(Batches.columns(batch, idx), n, k);
        p.transform(device, in, in);  // in place: the input copy is ours
        return Batches.appendAll(batch, in.values(), n, k, Batches::append);
    }

    @Override
    public M copy(ParamMap extra) {
        M copy = copyValues(newModel(uid, state), extra);
        return copy.setParent(parent());
    }

    /** Saves the parameters (Spark's metadata) and the fitted state (one Parquet row). */
    @Override
    public MLWriter write() {
        return new Persistence.Writer(this, state);
    }
}
