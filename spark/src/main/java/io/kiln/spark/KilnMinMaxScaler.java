package io.kiln.spark;

import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.Scaling;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * Scales numeric columns to [0, 1], {@code (x - min) / (max - min)} (a constant column maps to {@code x - min}), fitted by one distributed statistics pass; gives a {@link KilnMinMaxScalerModel}.
 * Usable in a {@code Pipeline}; saved and loaded with Spark's {@code DefaultParamsWritable} form.
 * <pre>{@code
 * KilnMinMaxScalerModel m = new KilnMinMaxScaler().setInputCols("age", "income").setOutputCols("age_s", "income_s").fit(df);
 * }</pre>
 */
public final class KilnMinMaxScaler extends KilnTabularEstimator<KilnMinMaxScalerModel, KilnMinMaxScaler> {
    private static final long serialVersionUID = 1L;

    /** An estimator with a random unique id. */
    public KilnMinMaxScaler() {
        this(Identifiable.randomUID("kilnMinMaxScaler"));
    }

    /** An estimator with the given unique id (Spark's readers call this). */
    public KilnMinMaxScaler(String uid) {
        super(uid);
    }

    @Override
    protected Preprocessor.Builder settings(int columns) {
        return Preprocessor.builder(columns).scaling(Scaling.MIN_MAX);
    }

    @Override
    protected KilnMinMaxScalerModel newModel(String uid, String state) {
        return new KilnMinMaxScalerModel(uid, state);
    }

    /** Spark ML's reader of a saved estimator. */
    public static MLReader<KilnMinMaxScaler> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads an estimator saved with {@code write().save(path)}. */
    public static KilnMinMaxScaler load(String path) {
        return read().load(path);
    }
}
