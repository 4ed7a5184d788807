package io.kiln.kernels.linalg;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.kiln.Devices;
import io.kiln.FloatArray;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * Products written over their own inputs are refused ({@link GemmShapes#checkDisjoint}): the cpu variant,
 * the GPU tiles and the Java reference read an overwritten input in different orders, so each device would
 * give another result. Inputs may share storage with each other, and one array may hold A, B and C at
 * disjoint offsets.
 */
class OverlapRefusalTest {
    private static final long SEED = System.nanoTime();

    private static float[] random(Random r, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 2 - 1;
        return v;
    }

    private static void refused(String expected, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(expected), () -> "message '" + e.getMessage() + "' should contain '" + expected + "'");
        assertTrue(e.getMessage().contains("of its own"), e::getMessage);
    }

    @Test
    void productsOverTheirInputsAreRefusedOnHeapAndOffHeap() {
        System.out.println("OverlapRefusalTest seed " + SEED);
        Random r = new Random(SEED);
        int n = 8;
        float[] a = random(r, n * n), b = random(r, n * n), c = new float[n * n];
        try (Linalg la = Linalg.on(Devices.get("cpu")); Arena arena = Arena.ofConfined()) {
            refused("matmul: C shares elements with A", () -> la.matmul(a, b, a, n, n, n));
            refused("matmul: C shares elements with B", () -> la.matmul(a, b, b, n, n, n, Matmul.DEFAULT.transposeB()));
            double[] da = new double[n * n];
            refused("matmul: C shares elements with A", () -> la.matmul(da, new double[n * n], da, n, n, n));
            refused("matvec: y shares elements with x", () -> la.matvec(a, c, c, n, n));
            refused("matvec: y shares elements with A", () -> la.matvec(a, b, a, n, n));
            refused("outer: A shares elements with x", () -> la.outer(a, b, a, n, n, 1f));
            refused("conv2d: y shares elements with x", () -> la.conv2d(a, new float[9], null, a, 1, 1, n, n, 1, 3, 3, Conv2d.DEFAULT.padding(1, 1)));

            // Off-heap: two views of one segment, overlapping by one element, and disjoint ones.
            MemorySegment all = arena.allocate(4L * 3 * n * n, 4);
            FloatArray first = FloatArray.wrap(all.asSlice(0, 4L * n * n));
            FloatArray overlapping = FloatArray.wrap(all.asSlice(4L * (n * n - 1), 4L * n * n));
            FloatArray disjoint = FloatArray.wrap(all.asSlice(4L * 2 * n * n, 4L * n * n));
            FloatArray other = FloatArray.allocate(n * n, arena);
            refused("matmul: C shares elements with A", () -> la.matmul(first, other, overlapping, n, n, n));
            la.matmul(first, other, disjoint, n, n, n);                                        // accepted

            // Batched: the batch's C matrices in the same array as its A matrices; only product 1's C lies on an A.
            float[] packed = new float[3 * n * n];
            refused("C of product 1, A of product 0", () -> la.matmulBatched(packed, b, packed, new int[] {0, 0, 2 * n * n, n * n, 0, 0},
                    n, n, n, Matmul.DEFAULT));
        }
    }

    @Test
    void inputsMayShareAndOneArrayMayHoldDisjointMatrices() {
        Random r = new Random(SEED + 1);
        int m = 5, n = 7, k = 3;
        float[] a = random(r, m * k), b = random(r, k * n);
        float[] expected = new float[m * n];
        Gemm.sgemm(false, false, m, n, k, 1f, a, k, b, n, 0f, expected, n);
        try (Linalg la = Linalg.on(Devices.get("cpu"))) {
            // A, B and C in one array at disjoint offsets: the same bits as separate arrays.
            float[] packed = new float[m * k + k * n + m * n];
            System.arraycopy(a, 0, packed, 0, a.length);
            System.arraycopy(b, 0, packed, m * k, b.length);
            la.matmulBatched(packed, packed, packed, new int[] {0, m * k, m * k + k * n}, m, n, k, Matmul.DEFAULT);
            float[] got = new float[m * n];
            System.arraycopy(packed, m * k + k * n, got, 0, got.length);
            float[] separate = new float[m * n];
            la.matmul(a, b, separate, m, n, k);
            assertArrayEquals(separate, got, "A, B, C at disjoint offsets of one array");

            // A times its own transpose (A and B the same array) is two inputs, accepted.
            float[] sq = random(r, m * m), out = new float[m * m], ref = new float[m * m];
            la.matmul(sq, sq, out, m, m, m, Matmul.DEFAULT.transposeB());
            Gemm.sgemm(false, true, m, m, m, 1f, sq, m, sq, m, 0f, ref, m);
            for (int i = 0; i < ref.length; i++) {
                assertTrue(Math.abs(out[i] - ref[i]) <= 1e-5f * (1 + Math.abs(ref[i])), "A A^T element " + i + ": " + out[i] + " vs " + ref[i]);
            }
        }
    }
}
