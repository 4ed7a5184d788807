package io.kiln.spark;

import org.apache.spark.ml.util.MLReader;

/** The model of {@link KilnStandardScaler}: {@code y = (x - mean) / std} in float64 per value; a missing value stays NaN. */
public final class KilnStandardScalerModel extends KilnTabularModel<KilnStandardScalerModel> {
    private static final long serialVersionUID = 1L;

    /**
     * A model holding a fitted preprocessor's text form.
     *
     * @throws IllegalArgumentException if {@code state} is not a preprocessor's text form
     */
    public KilnStandardScalerModel(String uid, String state) {
        super(uid, state);
    }

    @Override
    protected KilnStandardScalerModel newModel(String uid, String state) {
        return new KilnStandardScalerModel(uid, state);
    }

    /** Spark ML's reader of a saved model. */
    public static MLReader<KilnStandardScalerModel> read() {
        return new Persistence.Reader<>(KilnStandardScalerModel.class, KilnStandardScalerModel::new);
    }

    /** Loads a model saved with {@code write().save(path)}. */
    public static KilnStandardScalerModel load(String path) {
        return read().load(path);
    }
}
