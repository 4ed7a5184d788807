package io.kiln.kernels.linalg;

import io.kiln.FloatArray;
import io.kiln.Parallel;

/**
 * 2-D convolution (cross-correlation, as in deep learning frameworks) of NCHW tensors, as portable Kiln
 * kernels: x is {@code n x c x h x w}, the weights {@code k x c x r x s}, the bias {@code k}, the output y
 * {@code n x k x p x q} with {@code p = (h + 2 padH - dilH (r - 1) - 1) / strideH + 1} (and q likewise):
 * <pre>
 * y[b, o, i, j] = bias[o] + sum over ch, u, v of x[b, ch, i * strideH - padH + u * dilH, j * strideW - padW + v * dilW] * w[o, ch, u, v]
 * </pre>
 * with x zero outside the image. Three ways, chosen by {@link Linalg#conv2d} ({@link Conv2d.Algorithm}):
 * {@link #conv2d} (direct, any kernel size; one work-item per output), {@link #conv2d3x3} (direct, the
 * 3 x 3 taps unrolled) and {@link #im2col} followed by {@link Gemm#sgemmStridedBatched} (the
 * {@code (c r s) x (p q)} patch matrix of each image times the {@code k x (c r s)} weights: on
 * {@code cpu} that product runs at BLAS speed).
 * <p><b>Geometry.</b> The kernels take {@code {r, s, strideH, strideW, padH, padW, dilH, dilW}} in one
 * array (a task takes at most 15 arguments); {@link Conv2d} computes it and checks the shapes.
 * <p><b>Precision.</b> Each output is a dot product of {@code K = c r s} terms plus the bias, in float:
 * within {@code (2K + 4) * 2^-24 * (sum |x| |w| + |bias|)} of the exact value (the gemm bound), on every
 * path. The direct kernels sum over channels, then rows, then columns of the taps, in order.
 * <p><b>Off-heap tensors</b> ({@link FloatArray}) run {@link #conv2d(FloatArray, FloatArray, FloatArray, FloatArray, int, int, int, int, int, int, int, int[])}:
 * the direct kernel over {@code long} element offsets, the same sums in the same order as the Java-array
 * direct kernels (so bit for bit their results).
 */
public final class Conv {
    private Conv() {
    }

    /**
     * Direct convolution, any kernel size.
     *
     * @param x        the input, {@code n * c * h * wd} elements
     * @param w        the weights, {@code k * c * r * s}
     * @param bias     the bias, {@code k} (zeros for none)
     * @param y        the output, {@code n * k * p * q}
     * @param geometry {@code {r, s, strideH, strideW, padH, padW, dilH, dilW}}
     */
    public static void conv2d(float[] x, float[] w, float[] bias, float[] y, int n, int c, int h, int wd, int k, int p, int q,
                              int[] geometry) {
        for (@Parallel int bo = 0; bo < n * k; bo++) {
            for (@Parallel int i = 0; i < p; i++) {
                for (@Parallel int j = 0; j < q; j++) {
                    int r = geometry[0], s = geometry[1];
                    int b = bo / k, o = bo % k;
                    int i0 = i * geometry[2] - geometry[4], j0 = j * geometry[3] - geometry[5];
                    int dh = geometry[6], dw = geometry[7];
                    float sum = bias[o];
                    for (int ch = 0; ch < c; ch++) {
                        int xo = (b * c + ch) * h * wd, wo = (o * c + ch) * r * s;
                        for (int u = 0; u < r; u++) {
                            int yy = i0 + u * dh;
                            if (yy >= 0 && yy < h) {
                                for (int v = 0; v < s; v++) {
                                    int xx = j0 + v * dw;
                                    if (xx >= 0 && xx < wd) sum += x[xo + yy * wd + xx] * w[wo + u * s + v];
                                }
                            }
                        }
                    }
                    y[(bo * p + i) * q + j] = sum;
                }
            }
        }
    }

    /**
     * Direct 3 x 3 convolution: {@link #conv2d} with {@code r = s = 3} and the nine taps of each channel
     * unrolled (their validity decided once per output row and column); the same sums in the same order,
     * so the same results bit for bit.
     */
    public static void conv2d3x3(float[] x, float[] w, float[] bias, float[] y, int n, int c, int h, int wd, int k, int p, int q,
                                 int[] geometry) {
        for (@Parallel int bo = 0; bo < n * k; bo++) {
            for (@Parallel int i = 0; i < p; i++) {
                for (@Parallel int j = 0; j < q; j++) {
                    int b = bo / k, o = bo % k;
                    int dh = geometry[6], dw = geometry[7];
                    int y0 = i * geometry[2] - geometry[4], x0 = j * geometry[3] - geometry[5];
                    int y1 = y0 + dh, y2 = y1 + dh, x1 = x0 + dw, x2 = x1 + dw;
                    boolean r0 = y0 >= 0 && y0 < h, r1 = y1 >= 0 && y1 < h, r2 = y2 >= 0 && y2 < h;
                    boolean c0 = x0 >= 0 && x0 < wd, c1 = x1 >= 0 && x1 < wd, c2 = x2 >= 0 && x2 < wd;
                    float sum = bias[o];
                    for (int ch = 0; ch < c; ch++) {
                        int xo = (b * c + ch) * h * wd, wo = (o * c + ch) * 9;
                        if (r0) {
                            int row = xo + y0 * wd;
                            if (c0) sum += x[row + x0] * w[wo];
                            if (c1) sum += x[row + x1] * w[wo + 1];
                            if (c2) sum += x[row + x2] * w[wo + 2];
                        }
                        if (r1) {
                            int row = xo + y1 * wd;
                            if (c0) sum += x[row + x0] * w[wo + 3];
                            if (c1) sum += x[row + x1] * w[wo + 4];
                            if (c2) sum += x[row + x2] * w[wo + 5];
                        }
                        if (r2) {
                            int row = xo + y2 * wd;
                            if (c0) sum += x[row + x0] * w[wo + 6];
                            if (c1) sum += x[row + x1] * w[wo + 7];
                            if (c2) sum += x[row + x2] * w[wo + 8];
                        }
                    }
                    y[(bo * p + i) * q + j] = sum;
                }
            }
        }
    }

    /**
     * The patch matrices of every image: {@code cols[b]} is {@code (c r s) x (p q)}, row {@code (ch, u, v)}
     * holding the input each output position multiplies with tap {@code (ch, u, v)} (0 outside the image),
     * stored one image after another ({@code n * c * r * s * p * q} elements). Arguments as {@link #conv2d}
     * ({@code r}, {@code s} as in {@code geometry}: the launch size needs them as scalars).
     */
    public static void im2col(float[] x, float[] cols, int n, int c, int h, int wd, int r, int s, int p, int q, int[] geometry) {
        for (@Parallel int b = 0; b < n; b++) {
            for (@Parallel int row = 0; row < c * r * s; row++) {
                for (@Parallel int pq = 0; pq < p * q; pq++) {
                    int ch = row / (r * s), u = row / s % r, v = row % s;
                    int i = pq / q, j = pq % q;
                    int yy = i * geometry[2] - geometry[4] + u * geometry[6];
                    int xx = j * geometry[3] - geometry[5] + v * geometry[7];
                    boolean inside = yy >= 0 && yy < h && xx >= 0 && xx < wd;
                    cols[(b * c * r * s + row) * p * q + pq] = inside ? x[((b * c + ch) * h + yy) * wd + xx] : 0f;
                }
            }
        }
    }

    /** {@code y[b, o, i, j] = bias[o]}: the start of the im2col path, whose product then adds onto y. */
    public static void fillBias(float[] bias, float[] y, int n, int k, int pq) {
        for (@Parallel int bo = 0; bo < n * k; bo++) {
            for (@Parallel int e = 0; e < pq; e++) {
                y[bo * pq + e] = bias[bo % k];
            }
        }
    }

    /**
     * {@link #conv2d(float[], float[], float[], float[], int, int, int, int, int, int, int, int[])} on off-heap
     * tensors: the same sums in the same order, element offsets in {@code long}.
     */
    public static void conv2d(FloatArray x, FloatArray w, FloatArray bias, FloatArray y, int n, int c, int h, int wd, int k, int p,
                              int q, int[] geometry) {
        for (@Parallel int bo = 0; bo < n * k; bo++) {
            for (@Parallel int i = 0; i < p; i++) {
                for (@Parallel int j = 0; j < q; j++) {
                    int r = geometry[0], s = geometry[1];
                    int b = bo / k, o = bo % k;
                    int i0 = i * geometry[2] - geometry[4], j0 = j * geometry[3] - geometry[5];
                    int dh = geometry[6], dw = geometry[7];
                    float sum = bias.get(o);
                    for (int ch = 0; ch < c; ch++) {
                        long xo = ((long) b * c + ch) * h * wd, wo = ((long) o * c + ch) * r * s;
                        for (int u = 0; u < r; u++) {
                            int yy = i0 + u * dh;
                            if (yy >= 0 && yy < h) {
                                for (int v = 0; v < s; v++) {
                                    int xx = j0 + v * dw;
                                    if (xx >= 0 && xx < wd) sum += x.get(xo + (long) yy * wd + xx) * w.get(wo + (long) u * s + v);
                                }
                            }
                        }
                    }
                    y.set(((long) bo * p + i) * q + j, sum);
                }
            }
        }
    }
}
