package io.kiln.spark;

import org.apache.spark.ml.util.MLReader;

/**
 * The model of {@link KilnRobustScaler}: {@code y = (x - median) / (q75 - q25)} in float64 per value; a missing value stays NaN.
 */
public final class KilnRobustScalerModel extends KilnTabularModel<KilnRobustScalerModel> {
    private static final long serialVersionUID = 1L;

    /**
     * A model holding a fitted preprocessor's text form.
     *
     * @throws IllegalArgumentException if {@code state} is not a preprocessor's text form
     */
    public KilnRobustScalerModel(String uid, String state) {
        super(uid, state);
    }

    /** The median of each input column (the center subtracted). */
    public double[] median() {
        return preprocessor().center();
    }

    /** The interquartile range of each input column (the divisor; 1 where it is 0). */
    public double[] range() {
        return preprocessor().scale();
    }

    @Override
    protected KilnRobustScalerModel newModel(String uid, String state) {
        return new KilnRobustScalerModel(uid, state);
    }

    /** Spark ML's reader of a saved model. */
    public static MLReader<KilnRobustScalerModel> read() {
        return new Persistence.Reader<>(KilnRobustScalerModel.class, KilnRobustScalerModel::new);
    }

    /** Loads a model saved with {@code write().save(path)}. */
    public static KilnRobustScalerModel load(String path) {
        return read().load(path);
    }
}
