package io.kiln.kernels.linalg;

import io.kiln.FloatArray;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * The {@code cpu} variants of {@link Elementwise}: the op is chosen once per part of the range instead of
 * per element, and each exact op runs as its own plain loop, which C2 vectorises (clamp, relu and leaky
 * relu, which it does not, with the Vector API: {@link VectorElementwise}); the transcendental ones
 * call {@link Elementwise#apply} per element (their cost is the function, not the loop). Every element is
 * computed by the same Java expression as in the reference, so results are bit for bit the same. Parts
 * run on the caller's fork-join pool ({@link CpuRanges}). Off-heap arrays are staged through a small
 * per-thread heap buffer (it stays in L1), so one set of loops serves both kinds.
 */
public final class CpuElementwise {
    private static final int GRAIN = 1 << 14;
    private static final int STAGE = 4096;
    private static final ThreadLocal<float[][]> STAGING = ThreadLocal.withInitial(() -> new float[][] {new float[STAGE], new float[STAGE]});

    private CpuElementwise() {
    }

    /**
     * {@link Elementwise#unary(int, float, float, float[], float[], int)}, bit for bit.
     *
     * @throws IllegalArgumentException if an array is shorter than {@code n}
     */
    public static void unary(int op, float p, float q, float[] x, float[] y, int n) {
        if (n < 0 || x.length < n || y.length < n) {
            throw new IllegalArgumentException("unary: n=" + n + " elements, x has " + x.length + ", y has " + y.length);
        }
        CpuRanges.run(n, GRAIN, (from, to) -> unary(op, p, q, x, (int) from, y, (int) from, (int) (to - from)));
    }

    /**
     * {@link Elementwise#unary(int, float, float, FloatArray, FloatArray, long)}, bit for bit.
     *
     * @throws IllegalArgumentException if an array is shorter than {@code n}
     */
    public static void unary(int op, float p, float q, FloatArray x, FloatArray y, long n) {
        if (n < 0 || x.length() < n || y.length() < n) {
            throw new IllegalArgumentException("unary: n=" + n + " elements, x has " + x.length() + ", y has " + y.length());
        }
        MemorySegment xs = x.segment(), ys = y.segment();
        CpuRanges.run(n, GRAIN, (from, to) -> {
            float[] buf = STAGING.get()[0];
            for (long s = from; s < to; s += STAGE) {
                int len = (int) Math.min(STAGE, to - s);
                MemorySegment.copy(xs, ValueLayout.JAVA_FLOAT, s * Float.BYTES, buf, 0, len);
                unary(op, p, q, buf, 0, buf, 0, len);
                MemorySegment.copy(buf, 0, ys, ValueLayout.JAVA_FLOAT, s * Float.BYTES, len);
            }
        });
    }

    /** {@code y[yo + i] = f(x[xo + i])} for {@code i < len}: one loop per op. */
    private static void unary(int op, float p, float q, float[] x, int xo, float[] y, int yo, int len) {
        if (CpuGemm.vectorized() && VectorElementwise.unary(op, p, q, x, xo, y, yo, len)) return;
        switch (op) {
            case 0 -> {
                for (int i = 0; i < len; i++) y[yo + i] = p * x[xo + i];
            }
            case 1 -> {
                for (int i = 0; i < len; i++) y[yo + i] = Math.min(Math.max(x[xo + i], p), q);
            }
            case 2 -> {
                for (int i = 0; i < len; i++) y[yo + i] = Math.max(x[xo + i], 0f);
            }
            case 3 -> {
                for (int i = 0; i < len; i++) {
                    float v = x[xo + i];
                    y[yo + i] = v >= 0f ? v : p * v;
                }
            }
            case 10 -> {
                for (int i = 0; i < len; i++) y[yo + i] = (float) Math.sqrt(x[xo + i]);
            }
            default -> {
                for (int i = 0; i < len; i++) y[yo + i] = Elementwise.apply(op, p, q, x[xo + i]);
            }
        }
    }

    /**
     * {@link Elementwise#binary(int, float[], float[], float[], int, int, int)}, bit for bit.
     *
     * @throws IllegalArgumentException if an array is too short for the shape and broadcast
     */
    public static void binary(int op, float[] a, float[] b, float[] y, int rows, int cols, int broadcast) {
        checkBinary(rows, cols, broadcast, a.length, b.length, y.length);
        long n = (long) rows * cols;
        if (broadcast == 0) {
            CpuRanges.run(n, GRAIN, (from, to) -> binary(op, a, (int) from, b, (int) from, false, y, (int) from, (int) (to - from)));
            return;
        }
        CpuRanges.run(rows, Math.max(1, GRAIN / Math.max(1, cols)), (r0, r1) -> {
            for (int r = (int) r0; r < r1; r++) {
                binary(op, a, r * cols, b, broadcast == 1 ? 0 : r, broadcast == 2, y, r * cols, cols);
            }
        });
    }

    /**
     * {@link Elementwise#binary(int, FloatArray, FloatArray, FloatArray, int, int, int)}, bit for bit.
     *
     * @throws IllegalArgumentException if an array is too short for the shape and broadcast
     */
    public static void binary(int op, FloatArray a, FloatArray b, FloatArray y, int rows, int cols, int broadcast) {
        checkBinary(rows, cols, broadcast, a.length(), b.length(), y.length());
        MemorySegment as = a.segment(), bs = b.segment(), ys = y.segment();
        long n = (long) rows * cols;
        CpuRanges.run(n, GRAIN, (from, to) -> {
            float[][] buf = STAGING.get();
            for (long s = from; s < to; s += STAGE) {
                int len = (int) Math.min(STAGE, to - s);
                MemorySegment.copy(as, ValueLayout.JAVA_FLOAT, s * Float.BYTES, buf[0], 0, len);
                if (broadcast == 0) {
                    MemorySegment.copy(bs, ValueLayout.JAVA_FLOAT, s * Float.BYTES, buf[1], 0, len);
                } else {
                    for (int i = 0; i < len; i++) {
                        long e = s + i;
                        buf[1][i] = bs.getAtIndex(ValueLayout.JAVA_FLOAT, broadcast == 1 ? e % cols : e / cols);
                    }
                }
                binary(op, buf[0], 0, buf[1], 0, false, buf[0], 0, len);
                MemorySegment.copy(buf[0], 0, ys, ValueLayout.JAVA_FLOAT, s * Float.BYTES, len);
            }
        });
    }

    private static void checkBinary(int rows, int cols, int broadcast, long a, long b, long y) {
        if (rows < 0 || cols < 0) throw new IllegalArgumentException("binary: rows and cols must not be negative, got " + rows + " x " + cols);
        if (broadcast < 0 || broadcast > 2) throw new IllegalArgumentException("binary: broadcast code " + broadcast + " is not a Broadcast code (0, 1, 2)");
        long n = (long) rows * cols, nb = Broadcast.values()[broadcast].length(rows, cols);
        if (a < n || y < n || (n > 0 && b < nb)) {
            throw new IllegalArgumentException("binary: a " + rows + " x " + cols + " tensor needs " + n + " elements in a and y and " + nb
                    + " in b (" + Broadcast.values()[broadcast] + "); they have " + a + ", " + y + " and " + b);
        }
    }

    /**
     * {@code y[yo + i] = g(a[ao + i], b')} for {@code i < len}, {@code b'} = {@code b[bo]} for every i
     * ({@code scalar}) or {@code b[bo + i]}: one loop per op.
     */
    private static void binary(int op, float[] a, int ao, float[] b, int bo, boolean scalar, float[] y, int yo, int len) {
        if (scalar) {
            float s = b[bo];
            switch (op) {
                case 0 -> {
                    for (int i = 0; i < len; i++) y[yo + i] = a[ao + i] + s;
                }
                case 1 -> {
                    for (int i = 0; i < len; i++) y[yo + i] = a[ao + i] - s;
                }
                case 2 -> {
                    for (int i = 0; i < len; i++) y[yo + i] = a[ao + i] * s;
                }
                case 3 -> {
                    for (int i = 0; i < len; i++) y[yo + i] = a[ao + i] / s;
                }
                default -> {
                    for (int i = 0; i < len; i++) y[yo + i] = Elementwise.combine(op, a[ao + i], s);
                }
            }
            return;
        }
        switch (op) {
            case 0 -> {
                for (int i = 0; i < len; i++) y[yo + i] = a[ao + i] + b[bo + i];
            }
            case 1 -> {
                for (int i = 0; i < len; i++) y[yo + i] = a[ao + i] - b[bo + i];
            }
            case 2 -> {
                for (int i = 0; i < len; i++) y[yo + i] = a[ao + i] * b[bo + i];
            }
            case 3 -> {
                for (int i = 0; i < len; i++) y[yo + i] = a[ao + i] / b[bo + i];
            }
            default -> {
                for (int i = 0; i < len; i++) y[yo + i] = Elementwise.combine(op, a[ao + i], b[bo + i]);
            }
        }
    }
}
