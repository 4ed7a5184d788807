package io.kiln.spark;

import io.kiln.kernels.tabular.Imputation;
import io.kiln.kernels.tabular.Preprocessor;
import org.apache.spark.ml.param.DoubleParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * Replaces missing values (null or NaN) of numeric columns by each column's mean, its exact median
 * (NumPy's {@code np.median}, linear interpolation; from a distributed sort of the column) or a
 * constant ({@code strategy} = {@code mean}, {@code median}, {@code constant} with {@code fillValue});
 * gives a {@link KilnImputerModel}. A column with no value at all gets NaN from mean or median.
 * <pre>{@code
 * KilnImputerModel m = new KilnImputer().setStrategy("median").setInputCols("age").setOutputCols("age_f").fit(df);
 * }</pre>
 */
public final class KilnImputer extends KilnTabularEstimator<KilnImputerModel, KilnImputer> {
    private static final long serialVersionUID = 1L;

    private final Param<String> strategy;
    private final DoubleParam fillValue;

    /** An imputer with a random unique id: strategy {@code mean}, fillValue 0. */
    public KilnImputer() {
        this(Identifiable.randomUID("kilnImputer"));
    }

    /** An imputer with the given unique id (Spark's readers call this). */
    public KilnImputer(String uid) {
        super(uid);
        strategy = new Param<>(this, "strategy", "what replaces a missing value: mean, median or constant (fillValue)",
                ParamValidators.inArray(new String[] {"mean", "median", "constant"}));
        fillValue = new DoubleParam(this, "fillValue", "the value of the constant strategy");
        setDefault(strategy, "mean");
        setDefault(fillValue, (Object) 0.0);
    }

    /** The strategy: {@code mean}, {@code median} or {@code constant}. */
    public Param<String> strategy() {
        return strategy;
    }

    /** The fill value of the {@code constant} strategy. */
    public DoubleParam fillValue() {
        return fillValue;
    }

    /** The strategy's value. */
    public String getStrategy() {
        return getOrDefault(strategy);
    }

    /** The fill value's value. */
    public double getFillValue() {
        return (Double) getOrDefault(fillValue);
    }

    /** Sets the strategy: {@code mean}, {@code median} or {@code constant}. */
    public KilnImputer setStrategy(String value) {
        set(strategy, value);
        return this;
    }

    /** Sets the fill value of the {@code constant} strategy (and only that). */
    public KilnImputer setFillValue(double value) {
        set(fillValue, (Object) value);
        return this;
    }

    @Override
    protected Preprocessor.Builder settings(int columns) {
        Preprocessor.Builder b = Preprocessor.builder(columns);
        return switch (getStrategy()) {
            case "mean" -> b.imputation(Imputation.MEAN);
            case "median" -> b.imputation(Imputation.MEDIAN);
            case "constant" -> b.constant(getFillValue());
            default -> throw new IllegalArgumentException("strategy '" + getStrategy() + "': use mean, median or constant");
        };
    }

    @Override
    protected KilnImputerModel newModel(String uid, String state) {
        return new KilnImputerModel(uid, state);
    }

    /** Spark ML's reader of a saved estimator. */
    public static MLReader<KilnImputer> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads an estimator saved with {@code write().save(path)}. */
    public static KilnImputer load(String path) {
        return read().load(path);
    }
}
