package io.kiln.cuda;

import io.kiln.KernelContext;
import io.kiln.Parallel;
import io.kiln.Reduce;

/**
 * Java kernels for the PTX back end's end-to-end tests: each goes through the bytecode front end,
 * the PTX emitter, ptxas and the PTX interpreter, and must give what the JVM gives. Together they
 * touch every Java semantic of the design table (wrap-around, division corner cases, masked
 * shifts, saturating conversions, NaN comparisons, narrow types, no contraction of {@code a*b+c}).
 */
public final class JavaKernels {
    private JavaKernels() {
    }

    static final int[] TABLE = {3, -7, 11, 0x7fffffff, -0x80000000, 42};
    static final double[] COEFFS = {0.5, -1.25, 3.0e-10};

    public static void intArith(int[] a, int[] b, int[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            int x = a[i];
            int y = b[i];
            int o = 12 * i;
            out[o] = x + y;
            out[o + 1] = x - y;
            out[o + 2] = x * y;
            out[o + 3] = x / y;
            out[o + 4] = x % y;
            out[o + 5] = x & y | ~x ^ y;
            out[o + 6] = x << y;
            out[o + 7] = x >> y;
            out[o + 8] = x >>> y;
            out[o + 9] = -x;
            out[o + 10] = x / -1 + x % -1;
            out[o + 11] = (x < y ? 1 : 0) + (x <= y ? 2 : 0) + (x == y ? 4 : 0) + (x != y ? 8 : 0) + (x > y ? 16 : 0) + (x >= y ? 32 : 0);
        }
    }

    public static void longArith(long[] a, long[] b, long[] out) {
        for (@Parallel int i = 0; i < a.length; i++) {
            long x = a[i];
            long y = b[i];
            int o = 12 * i;
            out[o] = x + y;
            out[o + 1] = x - y;
            out[o + 2] = x * y;
            out[o + 3] = x / y;
            out[o + 4] = x % y;
            out[o + 5] = x & y | ~x ^ y;
            out[o + 6] = x << y;
            out[o + 7] = x >> (int) y;
            out[o + 8] = x >>> y;
            out[o + 9] = -x;
            out[o + 10] = Long.compare(x, y);
            out[o + 11] = (x < y ? 1 : 0) + (x <= y ? 2 : 0) + (x == y ? 4 : 0) + (x != y ? 8 : 0) + (x > y ? 16 : 0) + (x >= y ? 32 : 0);
        }
    }

    public static void floatArith(float[] a, float[] b, float[] c, float[] out, int[] flags) {
        for (@Parallel int i = 0; i < a.length; i++) {
            float x = a[i];
            float y = b[i];
            int o = 8 * i;
            out[o] = x + y;
            out[o + 1] = x - y;
            out[o + 2] = x * y;
            out[o + 3] = x / y;
            out[o + 4] = x % y;
            out[o + 5] = x * y + c[i];
            out[o + 6] = -x;
            out[o + 7] = (float) Math.sqrt(x);
            flags[i] = (x < y ? 1 : 0) + (x <= y ? 2 : 0) + (x == y ? 4 : 0) + (x != y ? 8 : 0) + (x > y ? 16 : 0) + (x >= y ? 32 : 0)
                    + (!(x < y) ? 64 : 0) + (!(x >= y) ? 128 : 0) + (Float.compare(x, y) + 1) * 256;
        }
    }

    public static void doubleArith(double[] a, double[] b, double[] c, double[] out, int[] flags) {
        for (@Parallel int i = 0; i < a.length; i++) {
            double x = a[i];
            double y = b[i];
            int o = 8 * i;
            out[o] = x + y;
            out[o + 1] = x - y;
            out[o + 2] = x * y;
            out[o + 3] = x / y;
            out[o + 4] = x % y;
            out[o + 5] = x * y + c[i];
            out[o + 6] = -x;
            out[o + 7] = Math.sqrt(x);
            flags[i] = (x < y ? 1 : 0) + (x <= y ? 2 : 0) + (x == y ? 4 : 0) + (x != y ? 8 : 0) + (x > y ? 16 : 0) + (x >= y ? 32 : 0)
                    + (!(x < y) ? 64 : 0) + (!(x >= y) ? 128 : 0) + (Double.compare(x, y) + 1) * 256;
        }
    }

    public static void conversions(float[] f, double[] d, int[] ints, long[] longs) {
        for (@Parallel int i = 0; i < f.length; i++) {
            float x = f[i];
            double y = d[i];
            ints[8 * i] = (int) x;
            ints[8 * i + 1] = (int) y;
            ints[8 * i + 2] = (byte) ints[8 * i + 1];
            ints[8 * i + 3] = (short) ints[8 * i + 1];
            ints[8 * i + 4] = (char) ints[8 * i + 1];
            ints[8 * i + 5] = Float.floatToRawIntBits((float) y);
            ints[8 * i + 6] = Float.floatToRawIntBits((float) ints[8 * i + 1]);
            ints[8 * i + 7] = (int) (long) y;
            longs[4 * i] = (long) x;
            longs[4 * i + 1] = (long) y;
            longs[4 * i + 2] = Double.doubleToRawLongBits((double) longs[4 * i + 1]) ^ Float.floatToRawIntBits((float) longs[4 * i + 1]);
            longs[4 * i + 3] = Double.doubleToRawLongBits((double) x) + (long) ints[8 * i];
        }
    }

    public static void narrow(byte[] b, short[] s, int[] out) {
        for (@Parallel int i = 0; i < b.length; i++) {
            char c = (char) (s[i] * 5);
            out[i] = b[i] * 1000000 + s[i] * 7 + c;
            b[i] = (byte) (b[i] + s[i]);
            s[i] = (short) (s[i] * 3 + c);
        }
    }

    public static void scalars(boolean flag, byte b, short s, char c, int n, long l, float f, double d, double[] out) {
        for (@Parallel int i = 0; i < out.length; i++) {
            out[i] = (flag ? 1 : -1) * (b + s + c + n + i) + l + f * i + d;
        }
    }

    public static void control(int[] x, int[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            int v = x[i];
            int steps = 0;
            while (v != 1 && steps < 200) {
                v = (v & 1) == 0 ? v >> 1 : 3 * v + 1;
                steps++;
            }
            int s = switch (x[i] & 7) {
                case 0 -> 10;
                case 1, 2 -> 20;
                case 5 -> 50;
                default -> -1;
            };
            switch (x[i] % 1000) {
                case -999: s += 1; break;
                case 100: s += 2; break;
                case 500: s += 3; break;
                default: s += 4;
            }
            out[i] = steps * 100 + s;
        }
    }

    public static void tables(float[] x, double[] out) {
        for (@Parallel int i = 0; i < x.length; i++) {
            double[] acc = new double[3];
            for (int k = 0; k < 3; k++) {
                acc[k] = COEFFS[k] * x[i] + TABLE[(i + k) % TABLE.length];
            }
            out[i] = acc[0] + acc[1] * acc[2];
        }
    }

    public static void matmul(int n, float[] a, float[] b, float[] c) {
        for (@Parallel int i = 0; i < n; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                float sum = 0;
                for (int k = 0; k < n; k++) {
                    sum += a[i * n + k] * b[k * n + j];
                }
                c[i * n + j] = sum;
            }
        }
    }

    public static void dataDependentBound(int[] x) {
        for (@Parallel int i = 0; i < x[0]; i++) {
            x[i + 1] = i * i;
        }
    }

    public static void workItem2d(KernelContext ctx, int width, int[] out) {
        int x = ctx.globalIdx();
        int y = ctx.globalIdy();
        if (x < width) {
            out[y * width + x] = x * 1000 + y + ctx.globalSizeX() * 1000000 + ctx.globalSizeY();
        }
    }

    public static void single(long[] data) {
        long sum = 0;
        for (int i = 1; i < data.length; i++) {
            sum = sum * 31 + data[i];
        }
        data[0] = sum;
    }

    public static void exactMath(float[] f, double[] d, float[] fo, double[] dout, int[] io) {
        for (@Parallel int i = 0; i < f.length; i++) {
            float x = f[i];
            double y = d[i];
            fo[4 * i] = Math.abs(x);
            fo[4 * i + 1] = Math.fma(x, x, -1f);
            fo[4 * i + 2] = Math.max(x, 0.5f) - Math.min(x, -0.0f);
            fo[4 * i + 3] = Math.signum(x);
            dout[6 * i] = Math.floor(y);
            dout[6 * i + 1] = Math.ceil(y);
            dout[6 * i + 2] = Math.rint(y);
            dout[6 * i + 3] = Math.fma(y, y, -1.0);
            dout[6 * i + 4] = Math.abs(y) + Math.max(y, 1.0) + Math.min(y, -0.0);
            dout[6 * i + 5] = Math.copySign(2.0, y);
            io[2 * i] = Math.round(x);
            io[2 * i + 1] = (int) Math.round(y);
        }
    }

    public static void bits(int[] a, long[] b, float[] fo, double[] dout) {
        for (@Parallel int i = 0; i < a.length; i++) {
            fo[i] = Float.intBitsToFloat(a[i]) * 1.0f;
            dout[i] = Double.longBitsToDouble(b[i]) * 1.0;
            a[i] = Float.floatToRawIntBits(fo[i]) + Integer.bitCount(a[i]);
            b[i] = Double.doubleToRawLongBits(dout[i]) + Long.numberOfTrailingZeros(b[i]);
        }
    }

    public static void atomics(KernelContext ctx, float[] x, int[] hist, float[] fmin, float[] fmax, long[] lsum) {
        int i = ctx.globalIdx();
        if (i < x.length) {
            float v = x[i];
            ctx.atomicAdd(hist, (int) (Math.abs(v) * 3) & 7, 1);
            ctx.atomicMin(fmin, 0, v);
            ctx.atomicMax(fmax, 0, v);
            if (v == v) {
                ctx.atomicMin(fmin, 1, v);
                ctx.atomicMax(fmax, 1, v);
            }
            ctx.atomicAdd(lsum, 0, (long) i * i);
            ctx.atomicMax(hist, 8, i);
        }
    }

    public static void localTile(KernelContext ctx, int[] data) {
        int[] tile = ctx.localInts(64);
        int l = ctx.localIdx();
        int g = ctx.globalIdx();
        tile[l] = data[g];
        ctx.barrier();
        data[g] = tile[l] * 2 + ctx.groupIdx() * 1000 + ctx.localSizeX() * 100000 + ctx.numGroupsX();
    }

    public static void sumInts(int[] x, @Reduce int[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += x[i] * 3;
        }
    }

    public static void sumWholeFloats(float[] x, @Reduce float[] total) {
        for (@Parallel int i = 0; i < x.length; i++) {
            total[0] += (float) Math.rint(x[i] * 100);
        }
    }

    public static void minFloat(float[] x, @Reduce float[] lo) {
        for (@Parallel int i = 0; i < x.length; i++) {
            lo[0] = Math.min(lo[0], x[i]);
        }
    }

    public static void maxDouble(double[] x, @Reduce double[] hi) {
        for (@Parallel int i = 0; i < x.length; i++) {
            hi[0] = Math.max(hi[0], x[i]);
        }
    }

    public static void productLong(long[] x, @Reduce long[] p) {
        for (@Parallel int i = 0; i < x.length; i++) {
            p[0] *= x[i] | 1;
        }
    }

    public static void maxIndex2d(int n, int[] grid, @Reduce long[] best) {
        for (@Parallel int i = 0; i < n; i++) {
            for (@Parallel int j = 0; j < n; j++) {
                best[0] = Math.max(best[0], (long) grid[i * n + j] * 1000000 + i * n + j);
            }
        }
    }
}
