package io.kiln.lowering;

/**
 * {@link Math#hypot}, bit for bit: {@code Math.hypot} calls {@link StrictMath#hypot}, which is fdlibm's
 * {@code e_hypot.c}, and that algorithm uses only operations IEEE 754 rounds exactly (add, subtract,
 * multiply, square root, powers of two, high-word splits), so a device that computes the same steps
 * with {@code FP_CONTRACT OFF} gets Java's result, including the last-bit cases where Java is not
 * correctly rounded. The steps, with {@code a >= b} the magnitudes and {@code ha}, {@code hb} their
 * high 32 bits:
 * <ol>
 * <li>an infinite operand gives {@code +Infinity} (even with a NaN); otherwise a NaN gives {@code a + b};</li>
 * <li>{@code ha - hb > 0x3c00000} (a ratio above {@code 2^60}) gives {@code a + b};</li>
 * <li>{@code ha > 0x5f300000} ({@code a > ~2^500}): both times {@code 2^-600}, {@code k = 600}, and
 * {@code ha}, {@code hb} lowered by 600 in the exponent field;</li>
 * <li>{@code b < 2^-500}: {@code b == 0} gives {@code a}; a subnormal {@code b} multiplies both by
 * {@code 2^1022} ({@code k -= 1022}, the high words are kept as they were); else both times {@code 2^600}
 * ({@code k -= 600}, high words raised);</li>
 * <li>with {@code w = a - b}: if {@code w > b}, {@code t1} = {@code a} cut to its high word,
 * {@code sqrt(t1*t1 - (b*(-b) - (a-t1)*(a+t1)))}; else with {@code a2 = 2a}, {@code y1} = {@code b} cut
 * to its high word and {@code t1} = high word {@code ha + 0x00100000},
 * {@code sqrt(t1*y1 - (w*(-w) - (t1*(b-y1) + (a2-t1)*b)))};</li>
 * <li>the result times {@code 2^k}.</li>
 * </ol>
 * The PTX back end builds the same steps with selects ({@code io.kiln.ptx.PtxMathLib}); the {@code cpu}
 * back end calls {@code Math.hypot}.
 * <h2>Why not OpenCL's {@code hypot}</h2>
 * OpenCL allows 4 ulp for {@code hypot}, and a correctly rounded one still differs from Java where Java
 * is not: {@code hypot(Double.MAX_VALUE, -2.0994511451548545E300)} is {@code MAX_VALUE + 0.61 ulp}
 * exactly, so PoCL rounds it to {@code Infinity} while Java returns {@code MAX_VALUE} (found by
 * {@code MathFunctionsTest}, seed {@code 383241351084622764}).
 */
public final class JavaHypot {
    /** The name of the OpenCL C helper. */
    public static final String OPENCL_NAME = "kiln_hypot_f64";

    private JavaHypot() {
    }

    /** The OpenCL C definition of {@link #OPENCL_NAME}; it needs {@code cl_khr_fp64}, which the caller enables. */
    public static String openClDefinition() {
        return "/* Math.hypot bit for bit: StrictMath's fdlibm algorithm, as io.kiln.lowering.JavaHypot states it */\n"
                + "double " + OPENCL_NAME + "(double x, double y) {\n"
                + "    double a = fabs(x), b = fabs(y);\n"
                + "    if (!isfinite(a) || !isfinite(b)) return (isinf(a) || isinf(b)) ? INFINITY : a + b;\n"
                + "    if (b > a) { double t = a; a = b; b = t; }\n"
                + "    int ha = (int)(as_ulong(a) >> 32), hb = (int)(as_ulong(b) >> 32);\n"
                + "    if (ha - hb > 0x3c00000) return a + b;\n"
                + "    int k = 0;\n"
                + "    if (ha > 0x5f300000) { ha -= 0x25800000; hb -= 0x25800000; a *= 0x1.0p-600; b *= 0x1.0p-600; k = 600; }\n"
                + "    if (b < 0x1.0p-500) {\n"
                + "        if (b < 0x1.0p-1022) {\n"
                + "            if (b == 0.0) return a;\n"
                + "            b *= 0x1.0p1022; a *= 0x1.0p1022; k -= 1022;\n"
                + "        } else {\n"
                + "            ha += 0x25800000; hb += 0x25800000; a *= 0x1.0p600; b *= 0x1.0p600; k -= 600;\n"
                + "        }\n"
                + "    }\n"
                + "    double w = a - b;\n"
                + "    if (w > b) {\n"
                + "        double t1 = as_double((ulong)(uint)ha << 32), t2 = a - t1;\n"
                + "        w = sqrt(t1 * t1 - (b * (-b) - t2 * (a + t1)));\n"
                + "    } else {\n"
                + "        a = a + a;\n"
                + "        double y1 = as_double((ulong)(uint)hb << 32), y2 = b - y1;\n"
                + "        double t1 = as_double((ulong)(uint)(ha + 0x00100000) << 32), t2 = a - t1;\n"
                + "        w = sqrt(t1 * y1 - (w * (-w) - (t1 * y2 + t2 * b)));\n"
                + "    }\n"
                + "    return as_double((ulong)(k + 1023) << 52) * w;\n"
                + "}\n";
    }
}
