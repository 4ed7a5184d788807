package io.kiln.spark;

import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.Scaling;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.Identifiable;
import org.apache.spark.ml.util.MLReader;

/**
 * Standardises numeric columns to zero mean and unit population standard deviation, {@code (x - mean) / std} (a constant column maps to 0), fitted by one distributed statistics pass; gives a {@link KilnStandardScalerModel}.
 * Usable in a {@code Pipeline}; saved and loaded with Spark's {@code DefaultParamsWritable} form.
 * <pre>{@code
 * KilnStandardScalerModel m = new KilnStandardScaler().setInputCols("age", "income").setOutputCols("age_s", "income_s").fit(df);
 * }</pre>
 */
public final class KilnStandardScaler extends KilnTabularEstimator<KilnStandardScalerModel, KilnStandardScaler> {
    private static final long serialVersionUID = 1L;

    /** An estimator with a random unique id. */
    public KilnStandardScaler() {
        this(Identifiable.randomUID("kilnStandardScaler"));
    }

    /** An estimator with the given unique id (Spark's readers call this). */
    public KilnStandardScaler(String uid) {
        super(uid);
    }

    @Override
    protected Preprocessor.Builder settings(int columns) {
        return Preprocessor.builder(columns).scaling(Scaling.STANDARD);
    }

    @Override
    protected KilnStandardScalerModel newModel(String uid, String state) {
        return new KilnStandardScalerModel(uid, state);
    }

    /** Spark ML's reader of a saved estimator. */
    public static MLReader<KilnStandardScaler> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads an estimator saved with {@code write().save(path)}. */
    public static KilnStandardScaler load(String path) {
        return read().load(path);
    }
}
