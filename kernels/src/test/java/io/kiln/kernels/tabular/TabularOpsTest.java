package io.kiln.kernels.tabular;

import io.kiln.Device;
import io.kiln.Devices;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * {@link TabularOps} on every device: clip and log1p against float64, bucketize against a linear
 * scan and NumPy's {@code searchsorted}, one-hot and hashed buckets against code written here.
 */
class TabularOpsTest {
    static final float NAN = Float.NaN, INF = Float.POSITIVE_INFINITY;

    @TestFactory
    List<DynamicNode> elementwiseOpsOnEveryDevice() {
        return TabularDevices.onEveryDevice("clip, log1p, bucketize, one-hot, hash", TabularOpsTest::opsOn);
    }

    private static float[] values(long seed, int n) {
        SplittableRandom rnd = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float) (rnd.nextGaussian() * 3);
        float[] edge = {NAN, INF, -INF, -1, -0f, 0f, -1.5f, 1e-8f, Float.MIN_VALUE, Float.MAX_VALUE, 2, 2.5f};
        System.arraycopy(edge, 0, v, 0, Math.min(n, edge.length));
        return v;
    }

    private static void opsOn(Device d) {
        long seed = TabularDevices.seed("ops on " + d.id(), 3);
        for (int n : TabularDevices.slow(d) ? new int[] {1, 12, 1001} : new int[] {1, 12, 1001, 65_537}) {
            float[] x = values(seed + n, n);
            String what = d.id() + " n=" + n;

            float[] out = new float[n];
            TabularOps.clip(d, x, -2, 2.5f, out);
            for (int i = 0; i < n; i++) {
                double e = Math.min(Math.max((double) x[i], -2), 2.5);
                if (!(Double.isNaN(e) ? Float.isNaN(out[i]) : out[i] == e)) fail(what + " clip of " + x[i] + ": " + out[i]);
            }

            TabularOps.log1p(d, x, out);
            for (int i = 0; i < n; i++) {
                double e = StrictMath.log1p(x[i]);
                float ef = (float) e;
                boolean ok = Double.isNaN(e) ? Float.isNaN(out[i])
                        : out[i] == ef || Math.abs(out[i] - e) <= Math.ulp(ef); // 1 float ulp: device log1p
                if (!ok) fail(what + " log1p of " + x[i] + ": " + out[i] + ", float64 " + e);
            }

            float[] edges = {-2, -0.5f, 0f, 0f, 1, 2.5f};
            int[] buckets = new int[n];
            TabularOps.bucketize(d, x, edges, buckets);
            for (int i = 0; i < n; i++) {
                int e = 0;
                for (float edge : edges) if (edge <= x[i]) e++;
                if (Float.isNaN(x[i])) e = edges.length + 1;
                if (buckets[i] != e) fail(what + " bucket of " + x[i] + ": " + buckets[i] + ", expected " + e);
            }
            double[] xd = TableStatisticsTest.widen(x);
            int[] buckets64 = new int[n];
            TabularOps.bucketize(d, xd, new double[] {-2, -0.5, 0, 0, 1, 2.5}, buckets64);
            assertArrayEquals(buckets, buckets64, what + " float64 buckets");

            int[] codes = new int[n];
            SplittableRandom rnd = new SplittableRandom(seed + n);
            for (int i = 0; i < n; i++) codes[i] = rnd.nextInt(-1, 6); // -1 and 5 are unknown for 5 categories
            FloatColumns hot = TabularOps.oneHot(d, codes, 5);
            for (int r = 0; r < n; r++) {
                for (int k = 0; k < 5; k++) {
                    assertEquals(codes[r] == k ? 1f : 0f, hot.get(r, k), what + " one-hot row " + r + " category " + k);
                }
            }

            int[] hashed = new int[n];
            TabularOps.hashBuckets(d, codes, 7, 42, hashed);
            for (int i = 0; i < n; i++) assertEquals(referenceHash(codes[i], 7, 42), hashed[i], what + " hash of " + codes[i]);
        }
    }

    /** MurmurHash3's fmix32, written out again from the reference implementation. */
    static int referenceHash(int code, int buckets, int seed) {
        long h = (code ^ seed) & 0xFFFFFFFFL;
        h ^= h >>> 16;
        h = (h * 0x85ebca6bL) & 0xFFFFFFFFL;
        h ^= h >>> 13;
        h = (h * 0xc2b2ae35L) & 0xFFFFFFFFL;
        h ^= h >>> 16;
        return (int) ((h >>> 1) % buckets);
    }

    @Test
    void bucketizeMatchesNumPySearchsorted() {
        // np.searchsorted([0, 1, 1, 3], [-inf, -1, 0, 0.5, 1, 2, 3, 4, inf], side="right") == [0 0 1 1 3 3 4 4 4]
        int[] out = new int[9];
        TabularOps.bucketize(Devices.get("cpu"), new float[] {-INF, -1, 0, 0.5f, 1, 2, 3, 4, INF}, new float[] {0, 1, 1, 3}, out);
        assertArrayEquals(new int[] {0, 0, 1, 1, 3, 3, 4, 4, 4}, out);
    }

    @Test
    void hashedBucketsSpreadEvenly() {
        int[] codes = new int[70_000];
        for (int i = 0; i < codes.length; i++) codes[i] = i;
        int[] out = new int[codes.length];
        TabularOps.hashBuckets(Devices.get("cpu"), codes, 7, 0, out);
        int[] counts = new int[7];
        for (int b : out) counts[b]++;
        for (int c : counts) assertTrue(Math.abs(c - 10_000) < 500, "bucket counts " + java.util.Arrays.toString(counts));
    }

    @Test
    void wrongArgumentsSayWhatToDo() {
        Device cpu = Devices.get("cpu");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TabularOps.bucketize(cpu, new float[3], new float[] {1, 0}, new int[3]));
        assertTrue(e.getMessage().contains("ascending"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TabularOps.clip(cpu, new float[3], 0, 1, new float[2]));
        assertTrue(e.getMessage().contains("out has 2 elements, the input 3"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TabularOps.oneHot(cpu, new int[3], 0));
        assertTrue(e.getMessage().contains("categories >= 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TabularOps.hashBuckets(cpu, new int[3], 0, 1, new int[3]));
        assertTrue(e.getMessage().contains("buckets >= 1"), e.getMessage());
    }
}
