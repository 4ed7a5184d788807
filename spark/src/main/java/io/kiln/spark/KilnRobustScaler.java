package io.kiln.spark;

import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.Scaling;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * Scales numeric columns robustly, {@code (x - median) / (q75 - q25)} (scikit-learn's {@code RobustScaler}
 * with its defaults; a zero interquartile range maps the column to {@code x - median}), with the exact
 * quantiles NumPy's linear interpolation gives over all the column's values: one distributed
 * statistics pass plus one distributed sort per column; gives a {@link KilnRobustScalerModel}.
 * Outliers move the median and the quartiles little, so they do not squash the other values as they
 * do with standardisation; follow it with a {@link KilnClipper} to bound the outliers themselves.
 * Usable in a {@code Pipeline}; saved and loaded with Spark's {@code DefaultParamsWritable} form.
 * <pre>{@code
 * KilnRobustScalerModel m = new KilnRobustScaler().setInputCols("age", "income").setOutputCols("age_s", "income_s").fit(df);
 * }</pre>
 */
public final class KilnRobustScaler extends KilnTabularEstimator<KilnRobustScalerModel, KilnRobustScaler> {
    private static final long serialVersionUID = 1L;

    /** An estimator with a random unique id. */
    public KilnRobustScaler() {
        this(Identifiable.randomUID("kilnRobustScaler"));
    }

    /** An estimator with the given unique id (Spark's readers call this). */
    public KilnRobustScaler(String uid) {
        super(uid);
    }

    @Override
    protected Preprocessor.Builder settings(int columns) {
        return Preprocessor.builder(columns).scaling(Scaling.ROBUST);
    }

    @Override
    protected KilnRobustScalerModel newModel(String uid, String state) {
        return new KilnRobustScalerModel(uid, state);
    }

    /** Spark ML's reader of a saved estimator. */
    public static MLReader<KilnRobustScaler> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads an estimator saved with {@code write().save(path)}. */
    public static KilnRobustScaler load(String path) {
        return read().load(path);
    }
}
