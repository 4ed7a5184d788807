package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.Variant;

/**
 * Elementwise tensor operations as portable Kiln kernels: one kernel per family ({@link Unary} functions
 * of one tensor, {@link Binary} functions of two with {@link Broadcast}ing of a row or column vector),
 * the function chosen by its code, on heap and off-heap arrays. The cpu variants ({@link CpuElementwise})
 * hoist the choice out of the loop and split it over the pool; they compute the same function per
 * element, so they are bit for bit the reference.
 * <p><b>Why one kernel per family.</b> The op is a uniform value in the launch: on GPUs the switch is a
 * branch every work-item takes the same way, on {@code cpu} the variant runs one plain loop per op.
 * Fifteen kernels per array kind would say nothing more and make the facade fifteen times larger.
 * <p><b>Precision contract.</b> {@link #apply} and {@link #combine} are the Java references. Exact IEEE
 * operations ({@code SCALE}, {@code CLAMP}, {@code RELU}, {@code LEAKY_RELU}, {@code SQRT} and every
 * {@link Binary} op) are <b>bit for bit</b> the Java result on every device (Kiln's Java semantics: no
 * FMA contraction, Java's min/max rules). The transcendental ones ({@code EXP}, {@code LOG},
 * {@code TANH}, {@code SIGMOID}, {@code GELU_TANH}, {@code GELU_ERF}) are evaluated in {@code double}
 * and rounded to float once: bit for bit the Java result on {@code cpu}, and elsewhere within one float
 * ulp of it (a device's double {@code exp}/{@code log}/{@code tanh} may differ from the JDK's by an ulp in
 * double, which changes the float result only when the value lies that close to a rounding boundary;
 * the tests count such differences).
 */
public final class Elementwise {
    private static final double TWO_OVER_SQRT_PI = 1.1283791670955126;
    private static final double SQRT_PI = 1.7724538509055159;
    private static final double INV_SQRT2 = 0.7071067811865476;
    private static final double SQRT_2_OVER_PI = 0.7978845608028654;

    private Elementwise() {
    }

    /**
     * {@code y[i] = f(x[i])} for {@code i < n}, f the {@link Unary} function of code {@code op} with
     * parameters {@code p}, {@code q} (ignored where it takes fewer).
     *
     * @param op the {@link Unary#code()}
     * @param y  the output; may be {@code x}
     */
    @Variant(backend = Backend.CPU, in = CpuElementwise.class)
    public static void unary(int op, float p, float q, float[] x, float[] y, int n) {
        for (@Parallel int i = 0; i < n; i++) {
            y[i] = apply(op, p, q, x[i]);
        }
    }

    /** {@link #unary(int, float, float, float[], float[], int)} on off-heap arrays. */
    @Variant(backend = Backend.CPU, in = CpuElementwise.class)
    public static void unary(int op, float p, float q, FloatArray x, FloatArray y, long n) {
        for (@Parallel long i = 0; i < n; i++) {
            y.set(i, apply(op, p, q, x.get(i)));
        }
    }

    /**
     * {@code y[r, c] = g(a[r, c], b')} on a row-major {@code rows x cols} tensor, g the {@link Binary}
     * function of code {@code op} and {@code b'} the element of b that {@link Broadcast} {@code broadcast}
     * pairs with (r, c).
     *
     * @param op        the {@link Binary#code()}
     * @param broadcast the {@link Broadcast#code()}
     * @param y         the output; may be {@code a} (or {@code b} without broadcasting)
     */
    @Variant(backend = Backend.CPU, in = CpuElementwise.class)
    public static void binary(int op, float[] a, float[] b, float[] y, int rows, int cols, int broadcast) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int c = 0; c < cols; c++) {
                int i = r * cols + c;
                int bi = broadcast == 0 ? i : broadcast == 1 ? c : r;
                y[i] = combine(op, a[i], b[bi]);
            }
        }
    }

    /** {@link #binary(int, float[], float[], float[], int, int, int)} on off-heap arrays. */
    @Variant(backend = Backend.CPU, in = CpuElementwise.class)
    public static void binary(int op, FloatArray a, FloatArray b, FloatArray y, int rows, int cols, int broadcast) {
        for (@Parallel int r = 0; r < rows; r++) {
            for (@Parallel int c = 0; c < cols; c++) {
                long i = (long) r * cols + c;
                long bi = broadcast == 0 ? i : broadcast == 1 ? c : r;
                y.set(i, combine(op, a.get(i), b.get(bi)));
            }
        }
    }

    /**
     * The Java reference of every {@link Unary} function: the value for {@code x} of the function of code
     * {@code op} with parameters {@code p}, {@code q}; NaN for an unknown code. Special values:
     * NaN in gives NaN out (except {@code CLAMP} with NaN bounds, Java's min/max rule: NaN);
     * {@code GELU_*(+Inf) = +Inf}, {@code GELU_*(-Inf) = -0}; {@code SIGMOID(±Inf) = 1, 0};
     * {@code LOG(0) = -Inf}, {@code LOG(x < 0) = SQRT(x < 0) = NaN}.
     */
    public static float apply(int op, float p, float q, float x) {
        return switch (op) {
            case 0 -> p * x;                                                       // SCALE
            case 1 -> Math.min(Math.max(x, p), q);                                 // CLAMP
            case 2 -> Math.max(x, 0f);                                             // RELU
            case 3 -> x >= 0f ? x : p * x;                                         // LEAKY_RELU
            case 4 -> geluTanh(x);                                                 // GELU_TANH
            case 5 -> geluErf(x);                                                  // GELU_ERF
            case 6 -> (float) (1d / (1d + Math.exp(-(double) x)));                 // SIGMOID
            case 7 -> (float) Math.tanh(x);                                        // TANH
            case 8 -> (float) Math.exp(x);                                         // EXP
            case 9 -> (float) Math.log(x);                                         // LOG
            case 10 -> (float) Math.sqrt(x);                                       // SQRT
            default -> Float.NaN;
        };
    }

    /** The Java reference of every {@link Binary} function; NaN for an unknown code. */
    public static float combine(int op, float a, float b) {
        return switch (op) {
            case 0 -> a + b;
            case 1 -> a - b;
            case 2 -> a * b;
            case 3 -> a / b;
            default -> Float.NaN;
        };
    }

    /**
     * GELU, tanh form, as {@code x / (1 + exp(-2u))} with {@code u = sqrt(2/pi) (x + 0.044715 x^3)}: the
     * same function as {@code 0.5 x (1 + tanh(u))} without its cancellation for negative x, in double.
     */
    public static float geluTanh(float x) {
        if (x == Float.NEGATIVE_INFINITY) return -0f;
        double v = x;
        double u = SQRT_2_OVER_PI * (v + 0.044715 * v * v * v);
        return (float) (v / (1d + Math.exp(-2d * u)));
    }

    /**
     * GELU, erf form, {@code 0.5 x (1 + erf(x / sqrt 2))}, in double: for negative x as
     * {@code 0.5 x erfc(-x / sqrt 2)}, which keeps its relative accuracy where {@code 1 + erf} cancels.
     */
    public static float geluErf(float x) {
        if (x == Float.NEGATIVE_INFINITY) return -0f;
        double v = x;
        double t = v * INV_SQRT2;
        return (float) (v >= 0d ? 0.5 * v * (2d - erfc(t)) : 0.5 * v * erfc(-t));
    }

    /**
     * The error function in double (a kernel helper: {@code java.lang.Math} has none). Measured against
     * a 50-digit reference (mpmath) over {@code [-6, 6]} and tiny arguments: within 8 ulps (double);
     * {@code erf(±0) = ±0}, {@code erf(±Inf) = ±1}, NaN stays NaN. Method: the Taylor series (40 terms)
     * below 1.5, {@code 1 - erfc} above.
     */
    public static double erf(double x) {
        double a = Math.abs(x);
        double r = a < 1.5 ? erfSeries(a) : 1d - erfcFraction(a);
        return x < 0d ? -r : x == 0d ? x : r;
    }

    /**
     * The complementary error function {@code 1 - erf(x)} in double, with relative accuracy in the tail.
     * Measured against a 50-digit reference (mpmath): within 128 ulps (double), about {@code 2^-45}
     * relative, the worst near 1.5 where {@code 1 - erf} loses bits; within 8 ulps for {@code x >= 1.5}.
     * Method: {@code 1 - erf(x)} below 1.5; above, the continued fraction
     * {@code exp(-x^2) / (sqrt(pi) (x + (1/2) / (x + 1 / (x + (3/2) / ...))))}, 80 terms, with
     * {@code exp(-x^2)} split as {@code exp(-h^2) exp(-(x - h)(x + h))} ({@code h} = x rounded to float, so
     * {@code h^2} is exact). {@code erfc(x) = 0} beyond 27.5 (it underflows).
     */
    public static double erfc(double x) {
        if (x < 1.5) return 1d - erf(x);
        if (x > 27.5) return 0d;
        return erfcFraction(x);
    }

    /** {@code erf(a)} for {@code 0 <= a < 1.5} by its Taylor series. */
    private static double erfSeries(double a) {
        double x2 = a * a;
        double term = a, sum = 0d;
        for (int n = 0; n < 40; n++) {
            sum += term / (2 * n + 1);
            term *= -x2 / (n + 1);
        }
        return sum * TWO_OVER_SQRT_PI;
    }

    /** {@code erfc(x)} for {@code 1.5 <= x <= 27.5} by its continued fraction (NaN for NaN). */
    private static double erfcFraction(double x) {
        if (!(x <= 27.5)) return x > 27.5 ? 0d : x;
        double k = x;
        for (int i = 80; i > 0; i--) {
            k = x + (i * 0.5) / k;
        }
        double h = (float) x;
        return Math.exp(-h * h) * Math.exp(-(x - h) * (x + h)) / (SQRT_PI * k);
    }
}
