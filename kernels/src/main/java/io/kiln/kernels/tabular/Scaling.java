package io.kiln.kernels.tabular;

/**
 * How a {@link Preprocessor} scales each column: {@code y = (x - center) / scale}, with the center and
 * scale fitted per column. A scale that comes out as 0 (a constant column) is replaced by 1, as
 * scikit-learn does, so such a column maps to 0.
 */
public enum Scaling {
    /** {@code y = x}. */
    NONE,
    /** Standardise: center the mean, scale the population standard deviation (scikit-learn's {@code StandardScaler}). */
    STANDARD,
    /** To [0, 1]: center the minimum, scale {@code max - min} (scikit-learn's {@code MinMaxScaler}). */
    MIN_MAX,
    /**
     * Robust: center the median, scale the interquartile range {@code q(0.75) - q(0.25)}
     * (scikit-learn's {@code RobustScaler}; quantiles as {@link Quantiles}).
     */
    ROBUST
}
