package io.kiln.kernels.linalg;

/**
 * The options of a 2-D convolution in {@link Linalg#conv2d}: stride, padding and dilation per axis, and
 * the algorithm. Immutable; each method returns a copy:
 * <pre>{@code
 * linalg.conv2d(x, w, bias, y, n, c, h, wd, k, 3, 3, Conv2d.DEFAULT.stride(2, 2).padding(1, 1));
 * }</pre>
 *
 * @param strideH   the vertical stride ({@code >= 1})
 * @param strideW   the horizontal stride ({@code >= 1})
 * @param padH      rows of zeros above and below ({@code >= 0}; may exceed the kernel's radius)
 * @param padW      columns of zeros left and right ({@code >= 0})
 * @param dilH      the vertical spacing of the taps ({@code >= 1})
 * @param dilW      the horizontal spacing of the taps ({@code >= 1})
 * @param algorithm how to compute it
 */
public record Conv2d(int strideH, int strideW, int padH, int padW, int dilH, int dilW, Algorithm algorithm) {
    /** Stride 1, no padding, no dilation, {@link Algorithm#AUTO}. */
    public static final Conv2d DEFAULT = new Conv2d(1, 1, 0, 0, 1, 1, Algorithm.AUTO);

    /** How a convolution is computed; every algorithm meets the same precision bound ({@link Conv}). */
    public enum Algorithm {
        /** {@link #DIRECT} for 3 x 3 kernels (unrolled), {@link #IM2COL} for the rest. */
        AUTO,
        /** {@link Conv#conv2d} or, for 3 x 3, {@link Conv#conv2d3x3}: one work-item per output, no extra memory. */
        DIRECT,
        /** {@link Conv#im2col} then a strided-batched {@link Gemm#sgemmStridedBatched}: {@code n c r s p q} floats of patches. */
        IM2COL
    }

    /** These options with stride {@code (strideH, strideW)}. */
    public Conv2d stride(int strideH, int strideW) {
        return new Conv2d(strideH, strideW, padH, padW, dilH, dilW, algorithm);
    }

    /** These options with zero padding {@code (padH, padW)}. */
    public Conv2d padding(int padH, int padW) {
        return new Conv2d(strideH, strideW, padH, padW, dilH, dilW, algorithm);
    }

    /** These options with dilation {@code (dilH, dilW)}. */
    public Conv2d dilation(int dilH, int dilW) {
        return new Conv2d(strideH, strideW, padH, padW, dilH, dilW, algorithm);
    }

    /** These options with {@code algorithm}. */
    public Conv2d using(Algorithm algorithm) {
        return new Conv2d(strideH, strideW, padH, padW, dilH, dilW, java.util.Objects.requireNonNull(algorithm, "algorithm"));
    }

    /** The output height for input height {@code h} and kernel height {@code r}. */
    public int outHeight(int h, int r) {
        return Math.floorDiv(h + 2 * padH - dilH * (r - 1) - 1, strideH) + 1;
    }

    /** The output width for input width {@code wd} and kernel width {@code s}. */
    public int outWidth(int wd, int s) {
        return Math.floorDiv(wd + 2 * padW - dilW * (s - 1) - 1, strideW) + 1;
    }

    /** The geometry array the {@link Conv} kernels take. */
    int[] geometry(int r, int s) {
        return new int[] {r, s, strideH, strideW, padH, padW, dilH, dilW};
    }

    /**
     * Checks a convolution's shapes and array lengths.
     *
     * @throws IllegalArgumentException saying which argument is wrong
     */
    void check(int n, int c, int h, int wd, int k, int r, int s, long xLength, long wLength, long biasLength, long yLength) {
        if (strideH < 1 || strideW < 1 || dilH < 1 || dilW < 1 || padH < 0 || padW < 0) {
            throw new IllegalArgumentException("conv2d: strides and dilations must be at least 1 and paddings at least 0, got " + this);
        }
        if (n < 0 || c < 1 || h < 1 || wd < 1 || k < 0 || r < 1 || s < 1) {
            throw new IllegalArgumentException("conv2d: need n, k >= 0 and c, h, w, r, s >= 1; got n=" + n + " c=" + c + " h=" + h + " w=" + wd
                    + " k=" + k + " r=" + r + " s=" + s);
        }
        int p = outHeight(h, r), q = outWidth(wd, s);
        if (p < 1 || q < 1) {
            throw new IllegalArgumentException("conv2d: a " + r + " x " + s + " kernel (dilation " + dilH + ", " + dilW + ") does not fit a " + h + " x " + wd
                    + " image padded by " + padH + ", " + padW + ": the output would be " + p + " x " + q);
        }
        long xn = (long) n * c * h * wd, wn = (long) k * c * r * s, yn = (long) n * k * p * q;
        if (xLength < xn || wLength < wn || biasLength < k || yLength < yn) {
            throw new IllegalArgumentException("conv2d: needs x " + xn + ", w " + wn + ", bias " + k + " and y " + yn + " (" + n + " x " + k + " x " + p + " x " + q
                    + ") elements; they have " + xLength + ", " + wLength + ", " + biasLength + " and " + yLength);
        }
        long cols = (long) n * c * r * s * p * q;
        if (Math.max(Math.max(xn, yn), cols) > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("conv2d: " + Math.max(Math.max(xn, yn), cols) + " elements (input, output or patches) pass the int index range; split the batch");
        }
    }
}
