package io.kiln.cli.preprocess;

import io.kiln.kernels.tabular.Imputation;
import io.kiln.kernels.tabular.Preprocessor;
import io.kiln.kernels.tabular.Scaling;

import java.util.Locale;

/**
 * The table presets of {@code kiln preprocess --preset}: the library's tabular {@link Preprocessor}
 * with fixed imputation and scaling (and the {@code --clip} bounds, if given).
 */
public enum TablePreset {
    /** Missing values get the column mean; {@code (x - mean) / std} (population std, 1 for a constant column). */
    STANDARDIZE("standardize", Imputation.MEAN, Scaling.STANDARD,
            "missing -> column mean; (x - mean) / std (population std; a zero std counts as 1)"),
    /** Missing values get the column mean; {@code (x - min) / (max - min)}. */
    MINMAX("minmax", Imputation.MEAN, Scaling.MIN_MAX, "missing -> column mean; (x - min) / (max - min) (a zero range counts as 1)"),
    /** Missing values get the column median; {@code (x - median) / IQR}. */
    ROBUST("robust", Imputation.MEDIAN, Scaling.ROBUST,
            "missing -> column median; (x - median) / (q75 - q25) (NumPy's linear quantiles; a zero IQR counts as 1)"),
    /** Missing values get the column mean; no scaling. */
    IMPUTE("impute", Imputation.MEAN, Scaling.NONE, "missing -> column mean; values unchanged");

    private final String id;
    private final Imputation imputation;
    private final Scaling scaling;
    private final String description;

    TablePreset(String id, Imputation imputation, Scaling scaling, String description) {
        this.id = id;
        this.imputation = imputation;
        this.scaling = scaling;
        this.description = description;
    }

    /** The name on the command line. */
    public String id() {
        return id;
    }

    /** What the preset does, in one line. */
    public String description() {
        return description;
    }

    /** Its imputation. */
    public Imputation imputation() {
        return imputation;
    }

    /** Its scaling. */
    public Scaling scaling() {
        return scaling;
    }

    /** An unfitted preprocessor for {@code columns} columns, clipping to {@code [low, high]} after scaling. */
    public Preprocessor preprocessor(int columns, double low, double high) {
        return Preprocessor.builder(columns).imputation(imputation).scaling(scaling).clip(low, high).build();
    }

    /** The preset called {@code name}, or {@code null}. */
    public static TablePreset byName(String name) {
        for (TablePreset p : values()) {
            if (p.id.equals(name.toLowerCase(Locale.ROOT))) return p;
        }
        return null;
    }
}
