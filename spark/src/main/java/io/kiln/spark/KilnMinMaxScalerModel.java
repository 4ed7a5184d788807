package io.kiln.spark;

import org.apache.spark.ml.util.MLReader;

/** The model of {@link KilnMinMaxScaler}: {@code y = (x - min) / (max - min)} in float64 per value; a missing value stays NaN. */
public final class KilnMinMaxScalerModel extends KilnTabularModel<KilnMinMaxScalerModel> {
    private static final long serialVersionUID = 1L;

    /**
     * A model holding a fitted preprocessor's text form.
     *
     * @throws IllegalArgumentException if {@code state} is not a preprocessor's text form
     */
    public KilnMinMaxScalerModel(String uid, String state) {
        super(uid, state);
    }

    @Override
    protected KilnMinMaxScalerModel newModel(String uid, String state) {
        return new KilnMinMaxScalerModel(uid, state);
    }

    /** Spark ML's reader of a saved model. */
    public static MLReader<KilnMinMaxScalerModel> read() {
        return new Persistence.Reader<>(KilnMinMaxScalerModel.class, KilnMinMaxScalerModel::new);
    }

    /** Loads a model saved with {@code write().save(path)}. */
    public static KilnMinMaxScalerModel load(String path) {
        return read().load(path);
    }
}
