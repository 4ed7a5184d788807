package io.kiln.spark;

import org.apache.spark.ml.util.MLReader;

/** The model of {@link KilnImputer}: a missing value (null or NaN) becomes the column's fill, others pass unchanged. */
public final class KilnImputerModel extends KilnTabularModel<KilnImputerModel> {
    private static final long serialVersionUID = 1L;

    /**
     * A model holding a fitted preprocessor's text form.
     *
     * @throws IllegalArgumentException if {@code state} is not a preprocessor's text form
     */
    public KilnImputerModel(String uid, String state) {
        super(uid, state);
    }

    /** The fill value of each input column. */
    public double[] fill() {
        return preprocessor().fill();
    }

    @Override
    protected KilnImputerModel newModel(String uid, String state) {
        return new KilnImputerModel(uid, state);
    }

    /** Spark ML's reader of a saved model. */
    public static MLReader<KilnImputerModel> read() {
        return new Persistence.Reader<>(KilnImputerModel.class, KilnImputerModel::new);
    }

    /** Loads a model saved with {@code write().save(path)}. */
    public static KilnImputerModel load(String path) {
        return read().load(path);
    }
}
