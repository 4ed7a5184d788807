package io.kiln.cpu;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.Grid;
import io.kiln.KernelContext;
import io.kiln.TaskGraph;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Work-group kernels (barriers, local memory, atomics) compiled by the front end and run through
 * {@code TaskGraph} on {@code cpu}, against independent references: sequential Java emulations that
 * add in the kernel's own order (so float results compare bit for bit), float64 where the order is the
 * kernel's business, and consistency conditions for contended atomics.
 */
class WorkGroupTest {
    static final Device CPU = Devices.get("cpu");

    /**
     * Runs the plan {@code runs} times, calling {@code reset} before each run. The resets change arrays
     * the plan keeps between runs on purpose (these tests are of the CPU back end, which works on the
     * host arrays), so the plan's host-change check is off.
     */
    static void run(ExecutionPlan plan, int runs, Runnable reset) {
        plan.withTransferChecks(false);
        try (plan) {
            for (int r = 0; r < runs; r++) {
                reset.run();
                plan.run();
            }
        }
    }

    static void assertBits(float[] expected, float[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                throw new AssertionError(what + ", element " + i + ": expected " + expected[i] + " but was " + actual[i]);
            }
        }
    }

    static float[] randomFloats(Random r, int n) {
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = (r.nextFloat() - 0.5f) * (float) Math.pow(10, r.nextInt(7) - 3);
        return f;
    }

    static int roundUp(int n, int m) {
        return (n + m - 1) / m * m;
    }

    // ------------------------------------------------------------------------ tree sum

    /** The kernel's tree, sequentially: stride 1, 2, 4, ... within each group of {@code size}. */
    static float[] treeSums(float[] x, int size) {
        float[] sums = new float[x.length / size];
        for (int g = 0; g < sums.length; g++) {
            float[] s = Arrays.copyOfRange(x, g * size, g * size + size);
            for (int stride = 1; stride < size; stride *= 2) {
                for (int l = 0; l < size; l++) {
                    if (l % (2 * stride) == 0 && l + stride < size) s[l] += s[l + stride];
                }
            }
            sums[g] = s[0];
        }
        return sums;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 64, 256})
    void groupTreeSumMatchesTheSameTreeInJava(int size) {
        for (int groups : new int[] {1, 13, 150}) {
            float[] x = randomFloats(new Random(size * 1000L + groups), groups * size);
            float[] sums = new float[groups];
            run(new TaskGraph("sum").task("s", GroupKernels::groupSum, new KernelContext(), x, sums)
                    .plan(CPU).withGrid("s", Grid.of(x.length).local(size)), 2, () -> Arrays.fill(sums, Float.NaN));
            assertBits(treeSums(x, size), sums, "groups of " + size + " x " + groups);
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {768, 1000, 251, 1})
    void withoutALocalSizeBarrierKernelsGetTheLargestDividingGroupUpTo256(int n) {
        int size = 1;
        for (int c = Math.min(256, n); c >= 1; c--) {
            if (n % c == 0) {
                size = c;
                break;
            }
        }
        float[] x = randomFloats(new Random(n), n);
        float[] sums = new float[n / size];
        run(new TaskGraph("sum").task("s", GroupKernels::groupSum, new KernelContext(), x, sums)
                .plan(CPU).withGrid("s", Grid.of(n)), 1, () -> { });
        assertBits(treeSums(x, size), sums, "global " + n + ", group " + size);
    }

    // ------------------------------------------------------------------------ histograms

    @ParameterizedTest
    @ValueSource(ints = {1, 10_007, 100_003})
    void histogramsWithGlobalAndWithLocalAtomicsCountExactly(int n) {
        Random r = new Random(n);
        byte[] data = new byte[n];
        r.nextBytes(data);
        for (int i = 0; i < n / 3; i++) data[r.nextInt(n)] = 7; // a hot bin: heavy contention
        int[] expected = new int[256];
        for (byte b : data) expected[b & 255]++;
        int[] global = new int[256];
        int[] local = new int[256];
        int grid = roundUp(n, 64);
        run(new TaskGraph("hist")
                .task("global", GroupKernels::histogram, new KernelContext(), data, global)
                .task("local", GroupKernels::histogramLocal, new KernelContext(), data, local)
                .plan(CPU).withGrid("global", Grid.of(n)).withGrid("local", Grid.of(grid).local(64)), 3, () -> {
                    Arrays.fill(global, 0);
                    Arrays.fill(local, 0);
                });
        assertArrayEquals(expected, global, "global atomics");
        assertArrayEquals(expected, local, "local atomics merged with global atomics");
    }

    // ------------------------------------------------------------------------ prefix sum

    @ParameterizedTest
    @ValueSource(ints = {1, 7, 1000, 65_536})
    void exclusivePrefixSumOverGroupsIsExact(int n) {
        int size = n >= 1000 ? 256 : 4;
        Random r = new Random(n);
        int[] in = new int[n];
        for (int i = 0; i < n; i++) in[i] = r.nextInt(2001) - 1000 + (i % 97 == 0 ? Integer.MAX_VALUE / 3 : 0);
        int[] expected = new int[n];
        int acc = 0;
        for (int i = 0; i < n; i++) {
            expected[i] = acc;
            acc += in[i];
        }
        int grid = roundUp(n, size);
        int groups = grid / size;
        int[] out = new int[n];
        int[] totals = new int[groups];
        int[] offsets = new int[groups];
        int[] unused = new int[1];
        run(new TaskGraph("scan")
                .task("blocks", GroupKernels::scan, new KernelContext(), in, out, totals, n)
                .task("totals", GroupKernels::scan, new KernelContext(), totals, offsets, unused, groups)
                .task("add", GroupKernels::addOffsets, new KernelContext(), out, offsets, n)
                .plan(CPU)
                .withGrid("blocks", Grid.of(grid).local(size))
                .withGrid("totals", Grid.of(groups).local(groups))
                .withGrid("add", Grid.of(grid).local(size)), 2, () -> Arrays.fill(out, -1));
        assertArrayEquals(expected, out);
        assertEquals(acc, unused[0], "the scan of the totals ends at the grand total");
    }

    // ------------------------------------------------------------------------ transpose

    @ParameterizedTest
    @ValueSource(ints = {1, 16, 37})
    void transposeThroughALocalTile(int rows) {
        int cols = rows == 16 ? 48 : rows * 2 + 1;
        float[] in = randomFloats(new Random(rows), rows * cols);
        float[] out = new float[rows * cols];
        float[] expected = new float[rows * cols];
        for (int y = 0; y < rows; y++) {
            for (int x = 0; x < cols; x++) expected[x * rows + y] = in[y * cols + x];
        }
        int t = GroupKernels.TILE;
        run(new TaskGraph("transpose").task("t", GroupKernels::transpose, new KernelContext(), in, out, rows, cols)
                .plan(CPU).withGrid("t", Grid.of(roundUp(cols, t), roundUp(rows, t)).local(t, t)), 2, () -> Arrays.fill(out, 0f));
        assertBits(expected, out, rows + " x " + cols);
    }

    // ------------------------------------------------------------------------ sgemm

    @ParameterizedTest
    @ValueSource(ints = {1, 37, 64})
    void tiledSgemmMatchesItsOwnOrderExactlyAndFloat64WithinTheDotProductBound(int n) {
        int m = n == 64 ? 64 : n + 8;
        int k = n == 64 ? 64 : 2 * n + 3;
        Random r = new Random(n);
        float[] a = randomFloats(r, n * k);
        float[] b = randomFloats(r, k * m);
        float[] c = new float[n * m];
        int t = GroupKernels.TILE;
        run(new TaskGraph("sgemm").task("mm", GroupKernels::sgemm, new KernelContext(), a, b, c, n, m, k)
                .plan(CPU).withGrid("mm", Grid.of(roundUp(m, t), roundUp(n, t)).local(t, t)), 2, () -> Arrays.fill(c, Float.NaN));
        float[] same = new float[n * m];
        double gamma = k * 0x1p-24 / (1 - k * 0x1p-24);
        for (int row = 0; row < n; row++) {
            for (int col = 0; col < m; col++) {
                // The kernel's order: tiles of 16 along k, zero-padded past k, one float add per term.
                float acc = 0f;
                for (int tt = 0; tt < k; tt += t) {
                    for (int q = 0; q < t; q++) {
                        float av = tt + q < k ? a[row * k + tt + q] : 0f;
                        float bv = tt + q < k ? b[(tt + q) * m + col] : 0f;
                        acc += av * bv;
                    }
                }
                same[row * m + col] = acc;
                // Float64 reference; |fl(dot) - dot| <= gamma_k * sum |a_i b_i| (Higham, Accuracy and
                // Stability of Numerical Algorithms, 3.1), gamma_k = k u / (1 - k u), u = 2^-24.
                double exact = 0;
                double magnitude = 0;
                for (int q = 0; q < k; q++) {
                    double p = (double) a[row * k + q] * b[q * m + col];
                    exact += p;
                    magnitude += Math.abs(p);
                }
                double err = Math.abs(c[row * m + col] - exact);
                assertTrue(err <= gamma * magnitude * 1.0001 + 1e-40, "c[" + row + "][" + col + "] = " + c[row * m + col]
                        + ", float64 " + exact + ", error " + err + " > bound " + gamma * magnitude);
            }
        }
        assertBits(same, c, "sgemm " + n + " x " + m + " x " + k);
    }

    // ------------------------------------------------------------------------ per-item state

    @Test
    void privateArraysAndScalarsSurviveABarrierPerWorkItem() {
        int size = 64;
        int n = 3 * size;
        int[] out = new int[n];
        run(new TaskGraph("priv").task("p", GroupKernels::privateAcrossBarrier, new KernelContext(), out)
                .plan(CPU).withGrid("p", Grid.of(n).local(size)), 2, () -> Arrays.fill(out, -1));
        for (int i = 0; i < n; i++) {
            int l = i % size;
            assertEquals(40 * l + 6 + 1000 * (size - 1 - l) + 100_000 + l * 1_000_000, out[i], "item " + i);
        }
    }

    /**
     * Local arrays are one per chunk, zeroed at each group's start: a group that adds to local memory it
     * never wrote sees zeros, not what the chunk's previous group left (one chunk holding all 37 groups,
     * then 5 chunks; the plan API's second run reuses nothing either).
     */
    @ParameterizedTest
    @ValueSource(ints = {1, 5})
    void everyGroupsLocalMemoryStartsAtZero(int chunks) {
        int size = 64;
        int n = 37 * size;
        int[] out = new int[n];
        long[] wide = new long[n];
        float[] f = new float[n];
        CpuKernel withBarrier = CpuTesting.build(BoundsCheckTest.frontEnd(GroupKernels.class, "localStartsAtZero"));
        CpuKernel without = CpuTesting.build(BoundsCheckTest.frontEnd(GroupKernels.class, "localStartsAtZeroNoBarrier"));
        for (int run = 0; run < 2; run++) {
            Arrays.fill(out, -1);
            Arrays.fill(wide, -1);
            Arrays.fill(f, -1);
            CpuTesting.launch(withBarrier, new Object[] {new KernelContext(), out, wide}, chunks, new long[] {size}, n);
            CpuTesting.launch(without, new Object[] {new KernelContext(), f}, chunks, new long[] {size}, n);
            for (int i = 0; i < n; i++) {
                int mirror = i / size * size + size - 1 - i % size;
                assertEquals(i + 1, out[i], "int local memory, item " + i);
                assertEquals((long) mirror << 33, wide[i], "long local memory, item " + i);
                assertEquals(i + 1, f[i], "float local memory without a barrier, item " + i);
            }
        }
        assertEquals(chunks, withBarrier.lastChunks, "chunks of the launch");
    }

    // ------------------------------------------------------------------------ contended atomics

    /** Whether {@code values} holds each of {@code 0 .. n-1} once. */
    static void assertPermutation(long[] values, String what) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        for (int i = 0; i < sorted.length; i++) {
            if (sorted[i] != i) throw new AssertionError(what + ": not a permutation of 0.." + (sorted.length - 1) + " at " + i + ": " + sorted[i]);
        }
    }

    static long[] widen(int[] a) {
        return Arrays.stream(a).asLongStream().toArray();
    }

    static long[] widen(float[] a) {
        long[] r = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            if (a[i] != (long) a[i]) throw new AssertionError("not an integer: " + a[i]);
            r[i] = (long) a[i];
        }
        return r;
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10_007, 40_000})
    void intAtomicsUnderContentionLoseNoUpdate(int n) {
        Random r = new Random(n);
        int[] v = new int[n];
        for (int i = 0; i < n; i++) v[i] = r.nextInt();
        int[] cells = new int[6];
        int[] addOld = new int[n], xOld = new int[n], casOld = new int[n];
        int[] init = {0, Integer.MAX_VALUE, Integer.MIN_VALUE, -5, 0, 12345};
        run(new TaskGraph("ia").task("a", GroupKernels::intAtomics, new KernelContext(), v, cells, addOld, xOld, casOld)
                .plan(CPU).withGrid("a", Grid.of(n)), 3, () -> System.arraycopy(init, 0, cells, 0, init.length));
        int sum = 12345;
        for (int x : v) sum += x;
        assertEquals(n, cells[0]);
        assertEquals(Arrays.stream(v).min().getAsInt(), cells[1]);
        assertEquals(Arrays.stream(v).max().getAsInt(), cells[2]);
        assertEquals(n, cells[4]);
        assertEquals(sum, cells[5]);
        assertPermutation(widen(addOld), "atomicAdd old values");
        assertPermutation(widen(casOld), "compare-and-set old values");
        // Exchanges: the old values plus the final value are the initial value plus every id, once each.
        long[] all = Arrays.copyOf(widen(xOld), n + 1);
        all[n] = cells[3];
        Arrays.sort(all);
        assertEquals(-5, all[0], "the initial value survives the exchanges once");
        assertPermutation(Arrays.copyOfRange(all, 1, n + 1), "exchanged values");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10_007, 40_000})
    void longAtomicsUnderContentionLoseNoUpdate(int n) {
        Random r = new Random(n);
        long[] v = new long[n];
        for (int i = 0; i < n; i++) v[i] = r.nextLong();
        long[] cells = new long[6];
        long[] addOld = new long[n], xOld = new long[n], casOld = new long[n];
        long[] init = {0, Long.MAX_VALUE, Long.MIN_VALUE, -5, 0, 1L << 50};
        run(new TaskGraph("la").task("a", GroupKernels::longAtomics, new KernelContext(), v, cells, addOld, xOld, casOld)
                .plan(CPU).withGrid("a", Grid.of(n)), 3, () -> System.arraycopy(init, 0, cells, 0, init.length));
        long sum = 1L << 50;
        for (long x : v) sum += x;
        assertEquals(n, cells[0]);
        assertEquals(Arrays.stream(v).min().getAsLong(), cells[1]);
        assertEquals(Arrays.stream(v).max().getAsLong(), cells[2]);
        assertEquals(n, cells[4]);
        assertEquals(sum, cells[5]);
        assertPermutation(addOld, "atomicAdd old values");
        assertPermutation(casOld, "compare-and-set old values");
        long[] all = Arrays.copyOf(xOld, n + 1);
        all[n] = cells[3];
        Arrays.sort(all);
        assertEquals(-5, all[0], "the initial value survives the exchanges once");
        assertPermutation(Arrays.copyOfRange(all, 1, n + 1), "exchanged values");
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 10_007, 40_000})
    void floatAtomicsUnderContentionLoseNoUpdateAndOrderZerosAndNaNLikeMath(int n) {
        Random r = new Random(n);
        // Non-negative values with both zeros: min must be -0.0; their negations: max must be +0.0.
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = r.nextFloat() * 100;
        v[n / 2] = 0f;
        v[n - 1] = -0f;
        float[] cells = new float[6];
        float[] addOld = new float[n], xOld = new float[n], casOld = new float[n];
        float[] init = {0, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -5, 0, 0};
        run(new TaskGraph("fa").task("a", GroupKernels::floatAtomics, new KernelContext(), v, cells, addOld, xOld, casOld)
                .plan(CPU).withGrid("a", Grid.of(n)), 3, () -> System.arraycopy(init, 0, cells, 0, init.length));
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float x : v) {
            min = Math.min(min, x);
            max = Math.max(max, x);
        }
        assertEquals(Float.floatToRawIntBits(min), Float.floatToRawIntBits(cells[1]), "min " + cells[1]);
        assertEquals(Float.floatToRawIntBits(max), Float.floatToRawIntBits(cells[2]), "max " + cells[2]);
        if (n > 1) assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(cells[1]), "min of 0.0 and -0.0 is -0.0");
        assertEquals((float) n, cells[0]);
        assertEquals((float) n, cells[4]);
        assertPermutation(widen(addOld), "atomicAdd old values");
        assertPermutation(widen(casOld), "compare-and-set old values");
        float[] all = Arrays.copyOf(xOld, n + 1);
        all[n] = cells[3];
        Arrays.sort(all);
        assertEquals(-5f, all[0]);
        assertPermutation(widen(Arrays.copyOfRange(all, 1, n + 1)), "exchanged values");

        // Maxima of non-positive values with both zeros, then with one NaN: Math.max's answers.
        for (int i = 0; i < n; i++) v[i] = -v[i];
        run(new TaskGraph("fb").task("a", GroupKernels::floatAtomics, new KernelContext(), v, cells, addOld, xOld, casOld)
                .plan(CPU).withGrid("a", Grid.of(n)), 1, () -> System.arraycopy(init, 0, cells, 0, init.length));
        if (n > 1) assertEquals(Float.floatToRawIntBits(0f), Float.floatToRawIntBits(cells[2]), "max of -0.0 and 0.0 is 0.0");
        v[n / 3] = Float.NaN;
        run(new TaskGraph("fc").task("a", GroupKernels::floatAtomics, new KernelContext(), v, cells, addOld, xOld, casOld)
                .plan(CPU).withGrid("a", Grid.of(n)), 1, () -> System.arraycopy(init, 0, cells, 0, init.length));
        assertTrue(Float.isNaN(cells[1]) && Float.isNaN(cells[2]), "NaN wins min and max: " + cells[1] + ", " + cells[2]);
    }

    @Test
    void floatCompareAndSetComparesBitsLikeKernelContext() {
        float nanA = Float.intBitsToFloat(0x7fc0_1234);
        float nanB = Float.intBitsToFloat(0x7fc0_4321);
        float[] a = {-0f, 0f, nanA, nanA, 1.5f, 1.5f};
        float[] expected = {0f, 0f, nanA, nanB, 1.5f, 2.5f};
        float[] values = {7f, 8f, 9f, 10f, 11f, 12f};
        float[] ref = a.clone();
        float[] refOld = new float[a.length];
        KernelContext ctx = new KernelContext();
        for (int i = 0; i < a.length; i++) {
            GroupKernels.floatCompareAndSet(ctx.setGlobalId(i, 0, 0, a.length, 1, 1), ref, expected, values, refOld);
        }
        float[] olds = new float[a.length];
        run(new TaskGraph("cas").task("c", GroupKernels::floatCompareAndSet, new KernelContext(), a, expected, values, olds)
                .plan(CPU).withGrid("c", Grid.of(a.length)), 1, () -> { });
        assertBits(ref, a, "array after compare-and-set");
        assertBits(refOld, olds, "old values");
        assertEquals(-0f, a[0]); // -0.0 != 0.0 bitwise: no store
        assertEquals(9f, a[2]); // the same NaN: stored
        assertEquals(Float.floatToRawIntBits(nanA), Float.floatToRawIntBits(a[3]), "a different NaN: no store");
    }

    @Test
    void localAtomicsMatchKernelContextInPlainJava() {
        int n = 101;
        Random r = new Random(9);
        int[] iv = new int[2 * n];
        long[] lv = new long[2 * n];
        float[] fv = new float[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            iv[i] = r.nextInt(41) - 20;
            lv[i] = r.nextInt(41) - 20;
            fv[i] = i % 10 == 3 ? Float.NaN : i % 10 == 5 ? -0f : r.nextInt(41) - 20;
        }
        int[] io = new int[7 * n], ioRef = new int[7 * n];
        long[] lo = new long[7 * n], loRef = new long[7 * n];
        float[] fo = new float[7 * n], foRef = new float[7 * n];
        KernelContext ctx = new KernelContext();
        for (int i = 0; i < n; i++) GroupKernels.localAtomics(ctx.setGlobalId(i, 0, 0, n, 1, 1), iv, lv, fv, ioRef, loRef, foRef);
        run(new TaskGraph("la").task("l", GroupKernels::localAtomics, new KernelContext(), iv, lv, fv, io, lo, fo)
                .plan(CPU).withGrid("l", Grid.of(n).local(1)), 1, () -> { });
        assertArrayEquals(ioRef, io);
        assertArrayEquals(loRef, lo);
        assertBits(foRef, fo, "float local atomics");
    }

    // ------------------------------------------------------------------------ errors

    @Test
    void aLocalSizeThatDoesNotDivideTheGridIsRefusedWithTheFix() {
        float[] x = new float[100];
        float[] sums = new float[7];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> run(
                new TaskGraph("bad").task("s", GroupKernels::groupSum, new KernelContext(), x, sums)
                        .plan(CPU).withGrid("s", Grid.of(100).local(16)), 1, () -> { }));
        assertTrue(e.getMessage().contains("GroupKernels.groupSum: the global size 100 in dimension 0 is not a multiple of the local size 16"),
                e.getMessage());
        assertTrue(e.getMessage().contains("Round the grid up to 112"), e.getMessage());
        // Work-item kernels without barriers follow the same rule.
        int[] hist = new int[256];
        IllegalArgumentException e2 = assertThrows(IllegalArgumentException.class, () -> run(
                new TaskGraph("bad2").task("h", GroupKernels::histogram, new KernelContext(), new byte[10], hist)
                        .plan(CPU).withGrid("h", Grid.of(10, 3).local(5, 2)), 1, () -> { }));
        assertTrue(e2.getMessage().contains("the global size 3 in dimension 1 is not a multiple of the local size 2"), e2.getMessage());
    }
}
