package io.kiln.kernels.linalg;

/**
 * The argument rules of {@link Gemm}, checked before a product runs (kernels themselves cannot throw).
 */
public final class GemmShapes {
    private GemmShapes() {
    }

    /**
     * Checks the dimensions, leading dimensions and array lengths of a product
     * {@code C = alpha * op(A) * op(B) + beta * C} (see {@link Gemm}).
     *
     * @throws IllegalArgumentException saying which argument is wrong and what it must be
     */
    public static void check(boolean transA, boolean transB, int m, int n, int k, int aLength, int lda,
                             int bLength, int ldb, int cLength, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("gemm: m, n and k must not be negative, got m=" + m + " n=" + n + " k=" + k);
        }
        matrix("gemm", "A", transA ? k : m, transA ? m : k, aLength, lda, transA ? "m" : "k");
        matrix("gemm", "B", transB ? n : k, transB ? k : n, bLength, ldb, transB ? "k" : "n");
        matrix("gemm", "C", m, n, cLength, ldc, "n");
    }

    /** Elements a stored {@code rows x cols} matrix with row stride {@code ld} spans from its first (0 if empty). */
    static long span(int rows, int cols, int ld) {
        return rows == 0 || cols == 0 ? 0 : (long) (rows - 1) * ld + cols;
    }

    /** A stored {@code rows x cols} matrix with row stride {@code ld} in an array of {@code length}. */
    private static void matrix(String op, String name, int rows, int cols, int length, int ld, String colsName) {
        if (ld < Math.max(1, cols)) {
            throw new IllegalArgumentException(op + ": ld" + name.toLowerCase(java.util.Locale.ROOT) + "=" + ld + " is less than the "
                    + cols + " columns (" + colsName + ") of the stored " + name + ": a leading dimension is at least the row length");
        }
        long need = span(rows, cols, ld);
        if (length < need) {
            throw new IllegalArgumentException(op + ": " + name + " (" + rows + " x " + cols + ", leading dimension " + ld + ") needs "
                    + need + " elements, its array has " + length);
        }
    }

    /**
     * Checks a batched product whose product {@code q} has A, B and C at {@code offsets[3q]},
     * {@code offsets[3q + 1]}, {@code offsets[3q + 2]} (see {@link Gemm#sgemmBatched}): every matrix fits its
     * array, and no two C matrices share an element (they would race).
     *
     * @throws IllegalArgumentException saying which product and which argument is wrong
     */
    public static void checkBatched(boolean transA, boolean transB, int m, int n, int k, int aLength, int lda, int bLength, int ldb,
                                    int cLength, int ldc, int[] offsets, int batch) {
        if (batch < 0) throw new IllegalArgumentException("gemm batch: batch must not be negative, got " + batch);
        if (offsets.length < 3L * batch) {
            throw new IllegalArgumentException("gemm batch: " + batch + " products need " + 3L * batch
                    + " offsets (A, B and C of each), the array has " + offsets.length);
        }
        if (batch == 0) return;                                                    // nothing is read or written
        check(transA, transB, m, n, k, aLength, lda, bLength, ldb, cLength, ldc);
        long[][] spans = new long[batch][];
        for (int q = 0; q < batch; q++) {
            int oa = offsets[3 * q], ob = offsets[3 * q + 1], oc = offsets[3 * q + 2];
            if (oa < 0 || ob < 0 || oc < 0) {
                throw new IllegalArgumentException("gemm batch: product " + q + " has a negative offset (" + oa + ", " + ob + ", " + oc + ")");
            }
            try {
                check(transA, transB, m, n, k, aLength - oa, lda, bLength - ob, ldb, cLength - oc, ldc);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("gemm batch: product " + q + " at offsets (" + oa + ", " + ob + ", " + oc + "): "
                        + e.getMessage(), e);
            }
            spans[q] = new long[] {oc, oc + span(m, n, ldc)};
        }
        java.util.Arrays.sort(spans, java.util.Comparator.comparingLong(s -> s[0]));
        long end = Long.MIN_VALUE;
        for (long[] span : spans) {
            if (span[0] == span[1]) continue;                                          // an empty C
            if (span[0] < end) {
                throw new IllegalArgumentException("gemm batch: two C matrices overlap (one ends at " + end + ", another starts at "
                        + span[0] + "): each product needs its own C (a stride or offset of at least (m - 1) * ldc + n)");
            }
            end = span[1];
        }
    }

    /**
     * The offsets of a strided batch ({@link Gemm#sgemmStridedBatched}) as {@link #checkBatched} takes them,
     * after checking the strides.
     *
     * @throws IllegalArgumentException if a stride is negative or the products do not fit in an int index
     */
    public static int[] stridedOffsets(int[] strides, int batch) {
        if (strides.length < 3) throw new IllegalArgumentException("gemm strided batch: strides must be {strideA, strideB, strideC}, got "
                + strides.length + " values");
        if (batch < 0) throw new IllegalArgumentException("gemm strided batch: batch must not be negative, got " + batch);
        int[] offsets = new int[3 * batch];
        for (int s = 0; s < 3; s++) {
            if (strides[s] < 0) throw new IllegalArgumentException("gemm strided batch: stride" + "ABC".charAt(s) + "=" + strides[s] + " is negative");
            if (batch > 0 && (long) (batch - 1) * strides[s] > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("gemm strided batch: " + batch + " products of stride " + strides[s] + " pass the int index range");
            }
            for (int q = 0; q < batch; q++) offsets[3 * q + s] = q * strides[s];
        }
        return offsets;
    }

    /**
     * Checks {@link MatVec#sgemv}'s arguments: A is {@code m x n} with {@code lda >= n}, x has
     * {@code trans ? m : n} elements and y {@code trans ? n : m}, at strides of at least 1.
     *
     * @throws IllegalArgumentException saying which argument is wrong
     */
    public static void checkGemv(boolean trans, int m, int n, int aLength, int lda, int xLength, int incx, int yLength, int incy) {
        if (m < 0 || n < 0) throw new IllegalArgumentException("gemv: m and n must not be negative, got m=" + m + " n=" + n);
        matrix("gemv", "A", m, n, aLength, lda, "n");
        vector("gemv", "x", trans ? m : n, xLength, incx);
        vector("gemv", "y", trans ? n : m, yLength, incy);
    }

    /**
     * Checks {@link MatVec#sger}'s arguments: x has {@code m} elements, y has {@code n}, A is {@code m x n}.
     *
     * @throws IllegalArgumentException saying which argument is wrong
     */
    public static void checkGer(int m, int n, int xLength, int incx, int yLength, int incy, int aLength, int lda) {
        if (m < 0 || n < 0) throw new IllegalArgumentException("ger: m and n must not be negative, got m=" + m + " n=" + n);
        vector("ger", "x", m, xLength, incx);
        vector("ger", "y", n, yLength, incy);
        matrix("ger", "A", m, n, aLength, lda, "n");
    }

    /** A vector of {@code count} elements at stride {@code inc} in an array of {@code length}. */
    private static void vector(String op, String name, int count, int length, int inc) {
        if (inc < 1) throw new IllegalArgumentException(op + ": inc" + name + "=" + inc + " must be at least 1 (negative strides are not supported)");
        long need = count == 0 ? 0 : (long) (count - 1) * inc + 1;
        if (length < need) {
            throw new IllegalArgumentException(op + ": " + name + " (" + count + " elements at stride " + inc + ") needs " + need
                    + " elements, its array has " + length);
        }
    }

    /**
     * Checks that no C matrix of a product (or batch, {@code offsets} as {@link #checkBatched} takes them;
     * {@code {0, 0, 0}} and {@code batch = 1} for one product) shares an element with an A or B matrix.
     * A product written over its own input reads elements it has already overwritten, in an order that
     * differs between the cpu variant (packed panels), GPU tiles and the Java reference, so every device
     * would compute something else: refused, as BLAS leaves it undefined. Java arrays share elements
     * only when they are the same array (then the matrices' element ranges are compared, so one array may
     * hold A, B and C at disjoint offsets); off-heap arrays when their memory overlaps. Call after
     * {@link #check} or {@link #checkBatched}.
     *
     * @throws IllegalArgumentException naming the product and the matrices that overlap
     */
    public static void checkDisjoint(String op, Object a, Object b, Object c, boolean transA, boolean transB, int m, int n, int k,
                                     int lda, int ldb, int ldc, int[] offsets, int batch) {
        if (!mayShare(c, a) && !mayShare(c, b)) return;                                    // the usual case: nothing to compare
        long[][] cs = spans(m, n, ldc, offsets, 2, batch);
        if (mayShare(c, a)) disjoint(op, "C", c, cs, "A", a, spans(transA ? k : m, transA ? m : k, lda, offsets, 0, batch));
        if (mayShare(c, b)) disjoint(op, "C", c, cs, "B", b, spans(transB ? n : k, transB ? k : n, ldb, offsets, 1, batch));
    }

    /**
     * Checks that an output of {@code outCount} elements at stride {@code 1} (or a matrix's span of
     * {@code outCount} elements) shares no element with an input of {@code inCount} elements: whole
     * arrays from their first element, for the matrix-vector, outer-product and convolution calls.
     *
     * @throws IllegalArgumentException naming the two arrays
     */
    public static void checkDisjoint(String op, String outName, Object out, long outCount, String inName, Object in, long inCount) {
        disjoint(op, outName, out, new long[][] {{0, outCount}}, inName, in, new long[][] {{0, inCount}});
    }

    /** Whether two arrays can share elements at all: one Java array, or two open off-heap arrays. */
    private static boolean mayShare(Object out, Object in) {
        if (out instanceof io.kiln.OffHeapArray o && in instanceof io.kiln.OffHeapArray i) return !o.isClosed() && !i.isClosed();
        return out != null && out == in;
    }

    /** The element range {@code [start, end)} of matrix {@code which} (0 A, 1 B, 2 C) of each product. */
    private static long[][] spans(int rows, int cols, int ld, int[] offsets, int which, int batch) {
        long[][] spans = new long[batch][];
        for (int q = 0; q < batch; q++) {
            long start = offsets[3 * q + which];
            spans[q] = new long[] {start, start + span(rows, cols, ld)};
        }
        return spans;
    }

    private static void disjoint(String op, String outName, Object out, long[][] outSpans, String inName, Object in, long[][] inSpans) {
        long outScale, inScale, outBase, inBase;
        if (out instanceof io.kiln.OffHeapArray o && in instanceof io.kiln.OffHeapArray i) {
            if (o.isClosed() || i.isClosed() || o.length() == 0 || i.length() == 0) return;    // the run reports a closed array
            outScale = o.byteSize() / o.length();
            inScale = i.byteSize() / i.length();
            outBase = o.segment().address();
            inBase = i.segment().address();
        } else if (out != null && out == in) {
            outScale = inScale = 1;
            outBase = inBase = 0;
        } else {
            return;                                                                         // distinct Java arrays, or heap and native memory
        }
        long[][] os = new long[outSpans.length][], is = new long[inSpans.length][];
        for (int q = 0; q < os.length; q++) os[q] = new long[] {outBase + outSpans[q][0] * outScale, outBase + outSpans[q][1] * outScale, q};
        for (int q = 0; q < is.length; q++) is[q] = new long[] {inBase + inSpans[q][0] * inScale, inBase + inSpans[q][1] * inScale, q};
        java.util.Comparator<long[]> byStart = java.util.Comparator.comparingLong(s -> s[0]);
        java.util.Arrays.sort(os, byStart);
        java.util.Arrays.sort(is, byStart);
        // Sweep both lists by start: of the outputs that start before an input ends, the one that ends
        // furthest right overlaps it if any does.
        int j = 0;
        long[] reach = null;
        for (long[] span : is) {
            if (span[0] == span[1]) continue;
            while (j < os.length && os[j][0] < span[1]) {
                if (os[j][0] != os[j][1] && (reach == null || os[j][1] > reach[1])) reach = os[j];
                j++;
            }
            if (reach != null && reach[1] > span[0] && reach[0] < span[1]) {
                String which = outSpans.length == 1 ? "" : " (" + outName + " of product " + reach[2] + ", " + inName + " of product " + span[2] + ")";
                throw new IllegalArgumentException(op + ": " + outName + " shares elements with " + inName + which + ": the result would be written over "
                        + "its own input, which every device reads in another order; give " + outName + " an array (or a range) of its own");
            }
        }
    }
}
