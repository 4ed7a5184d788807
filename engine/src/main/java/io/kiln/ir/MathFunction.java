package io.kiln.ir;

/**
 * Math functions that back ends implement natively. Functions whose JDK code is plain Java
 * ({@code Math.round}, {@code Math.signum}, ...) are not here: the front end inlines the JDK's own
 * bytecode, which gives Java's exact semantics on every back end.
 * <p>{@link #MIN} and {@link #MAX} are here although their JDK code is plain Java: inlined, a clip
 * becomes branches that the {@code cpu} back end cannot vectorise, while the call itself is a HotSpot
 * intrinsic; and the GPU back ends need Java's float rule anyway for {@code @Reduce} and atomic
 * min/max ({@code io.kiln.lowering.JavaMinMax} states it once). They are the only functions defined on
 * integers too ({@link #accepts}).
 */
public enum MathFunction {
    SQRT(1, true), CBRT(1, false), EXP(1, false), EXPM1(1, false), LOG(1, false), LOG10(1, false),
    LOG1P(1, false), POW(2, false), SIN(1, false), COS(1, false), TAN(1, false), ASIN(1, false),
    ACOS(1, false), ATAN(1, false), ATAN2(2, false), SINH(1, false), COSH(1, false), TANH(1, false),
    HYPOT(2, false), FLOOR(1, true), CEIL(1, true), RINT(1, true), FMA(3, true), ABS(1, true),
    /**
     * {@code Math.min(a, b)} on {@code int}, {@code long}, {@code float} or {@code double}: for floats
     * NaN if either operand is NaN, and {@code -0.0 < +0.0}.
     */
    MIN(2, true),
    /** {@code Math.max(a, b)}, with {@link #MIN}'s rules ({@code +0.0 > -0.0}, NaN if either is NaN). */
    MAX(2, true);

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

    /**
     * Whether the function is defined on operands (and result) of type {@code t}: every function on
     * {@link Type#F32} and {@link Type#F64}, {@link #MIN} and {@link #MAX} on {@link Type#I32} and
     * {@link Type#I64} too.
     */
    public boolean accepts(Type t) {
        return t.isFloating() || this == MIN || this == MAX;
    }

    /** The lower-case Java name ({@code sqrt}, {@code atan2}, ...). */
    public String javaName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
