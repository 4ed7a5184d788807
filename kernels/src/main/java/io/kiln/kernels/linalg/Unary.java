package io.kiln.kernels.linalg;

/**
 * The elementwise functions of one tensor ({@link Elementwise#unary}, {@link Linalg#unary}); each is
 * defined by its Java code in {@link Elementwise#apply(int, float, float, float)} and takes
 * {@link #arity()} parameters ({@code p}, {@code q}). Kernels take the op as its {@link #code()}
 * (kernels cannot take objects).
 */
public enum Unary {
    /** {@code p * x}. */
    SCALE(1),
    /** {@code min(max(x, p), q)}: clamp to {@code [p, q]}; NaN stays NaN. */
    CLAMP(2),
    /** {@code max(x, 0)}; NaN stays NaN, {@code -0} becomes {@code +0}. */
    RELU(0),
    /** {@code x >= 0 ? x : p * x}. */
    LEAKY_RELU(1),
    /** GELU, tanh form: {@code 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))}, in double. */
    GELU_TANH(0),
    /** GELU, erf form: {@code 0.5 x (1 + erf(x / sqrt 2))}, in double with {@link Elementwise#erfc}. */
    GELU_ERF(0),
    /** {@code 1 / (1 + exp(-x))}, in double. */
    SIGMOID(0),
    /** {@code tanh(x)}, in double. */
    TANH(0),
    /** {@code exp(x)}, in double. */
    EXP(0),
    /** {@code log(x)}, in double. */
    LOG(0),
    /** {@code sqrt(x)}, in double (the correctly rounded float square root). */
    SQRT(0);

    private final int arity;

    Unary(int arity) {
        this.arity = arity;
    }

    /** How many parameters the function takes: 0, 1 ({@code p}) or 2 ({@code p}, {@code q}). */
    public int arity() {
        return arity;
    }

    /** The code kernels take for this function (its ordinal). */
    public int code() {
        return ordinal();
    }
}
