package io.kiln.spark;

import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.TableStatistics;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.ml.Estimator;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.vectorized.ColumnarBatch;

import java.util.Arrays;
import java.util.function.IntFunction;
import java.util.stream.IntStream;

/**
 * The common part of Kiln's tabular estimators ({@link KilnStandardScaler}, {@link KilnMinMaxScaler},
 * {@link KilnImputer}): numeric input columns, fitted by one distributed statistics pass into a
 * {@link Preprocessor} whose text form the model keeps: {@link KilnRobustScaler} and median
 * imputation add one distributed sort per column for exact quantiles. The statistics pass reads Spark's
 * columnar batches when the input is a columnar scan ({@link Columnar}), else Spark's internal rows
 * where it can ({@link InternalRows}); the sorts read internal rows. See {@link StatisticsPass} for how the
 * partitions' statistics merge.
 *
 * @param <M> the model a fit gives
 */
public abstract class KilnTabularEstimator<M extends KilnTabularModel<M>, S extends KilnTabularEstimator<M, S>> extends Estimator<M>
        implements KilnColumnParams<S>, DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Holder params;

    /** An estimator with the given unique id and default parameters. */
    protected KilnTabularEstimator(String uid) {
        this.uid = uid;
        this.params = new Holder(this);
    }

    /** The settings of the preprocessor this estimator fits, for {@code columns} columns. */
    protected abstract Preprocessor.Builder settings(int columns);

    /** A model of this estimator's kind holding the fitted preprocessor text {@code state}. */
    protected abstract M newModel(String uid, String state);

    @Override
    public String uid() {
        return uid;
    }

    @Override
    public Holder columnParams() {
        return params;
    }

    /** The input schema with one non-null double column per output appended; checks the input columns. */
    @Override
    public StructType transformSchema(StructType schema) {
        Batches.checkColumns(getClass().getSimpleName(), schema, getInputCols(), getOutputCols(), false);
        return Batches.appendColumns(schema, getOutputCols(), DataTypes.DoubleType, false);
    }

    /**
     * Fits the statistics of the input columns over the whole dataset (null and NaN are missing): one
     * Spark job computing per-partition statistics on the executors and merging them with
     * {@code treeAggregate}, plus one distributed sort per column when exact quantiles are needed.
     */
    @Override
    public M fit(Dataset<?> dataset) {
        StructType schema = dataset.schema();
        transformSchema(schema);
        String[] cols = getInputCols();
        // only the input columns cross from Spark's rows into Java objects
        Dataset<Row> inputs = dataset.toDF().select(cols[0], Arrays.copyOfRange(cols, 1, cols.length));
        int[] idx = IntStream.range(0, cols.length).toArray();
        TableStatistics statistics;
        IntFunction<JavaRDD<Double>> column;  // the values of input c, NaN where missing, for exact quantiles
        if (InternalRows.available(inputs)) {
            DataType[] types = InternalRows.types(inputs.schema(), idx);
            JavaRDD<InternalRow> internal = InternalRows.rows(inputs);
            JavaRDD<ColumnarBatch> batches = Columnar.batches(inputs);
            statistics = batches != null ? StatisticsPass.statistics(batches, idx, types, getDevice(), getBatchRows())
                    : StatisticsPass.statistics(internal, new StatisticsPass.InternalReader(idx, types), getDevice(), getBatchRows());
            column = c -> {
                DataType t = types[c];
                return internal.map(r -> InternalRows.value(r, c, t));
            };
        } else {
            JavaRDD<Row> rows = inputs.javaRDD();
            statistics = StatisticsPass.statistics(rows, new StatisticsPass.RowReader(idx), getDevice(), getBatchRows());
            column = c -> rows.map(r -> r.isNullAt(c) ? Double.NaN : ((Number) r.get(c)).doubleValue());
        }
        Preprocessor.Builder settings = settings(idx.length);
        double[][] quantiles = StatisticsPass.needsQuantiles(settings) ? StatisticsPass.allQuantiles(column, statistics) : null;
        M model = newModel(uid, StatisticsPass.preprocessorText(settings, statistics, quantiles));
        copyValues(model, ParamMap.empty());
        return model.setParent(this);
    }

    @Override
    public Estimator<M> copy(ParamMap extra) {
        return defaultCopy(extra);
    }
}
