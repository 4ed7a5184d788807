package io.kiln.ir;

/**
 * Math functions that back ends implement natively. Functions whose JDK code is plain Java
 * ({@code Math.round}, {@code Math.min} on floats, {@code Math.signum}, ...) are not here: the front end
 * inlines the JDK's own bytecode, which gives Java's exact semantics on every back end.
 */
public enum MathFunction {
    SQRT(1, true), CBRT(1, false), EXP(1, false), EXPM1(1, false), LOG(1, false), LOG10(1, false),
    LOG1P(1, false), POW(2, false), SIN(1, false), COS(1, false), TAN(1, false), ASIN(1, false),
    ACOS(1, false), ATAN(1, false), ATAN2(2, false), SINH(1, false), COSH(1, false), TANH(1, false),
    HYPOT(2, false), FLOOR(1, true), CEIL(1, true), RINT(1, true), FMA(3, true), ABS(1, true);

    private final int arity;
    private final boolean exact;

    MathFunction(int arity, boolean exact) {
        this.arity = arity;
        this.exact = exact;
    }

    /** Number of operands. */
    public int arity() {
        return arity;
    }

    /** Whether Java specifies a correctly rounded (hence bit-exact) result. */
    public boolean exact() {
        return exact;
    }

    /** The lower-case Java name ({@code sqrt}, {@code atan2}, ...). */
    public String javaName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
