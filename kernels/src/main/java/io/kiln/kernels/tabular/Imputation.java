package io.kiln.kernels.tabular;

/** What a {@link Preprocessor} puts in place of a missing value (NaN, or marked by a mask). */
public enum Imputation {
    /** Nothing: a missing value comes out as NaN. */
    NONE,
    /** The column's mean over the fitted data. */
    MEAN,
    /** The column's median over the fitted data ({@link Quantiles}, q = 0.5). */
    MEDIAN,
    /** A fixed value, {@link Preprocessor.Builder#constant(double)}. */
    CONSTANT
}
