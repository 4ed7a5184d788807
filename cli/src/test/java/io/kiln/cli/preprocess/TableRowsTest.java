package io.kiln.cli.preprocess;

import io.kiln.loader.SampleOrder;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@link TableRows} against the definition: the loader's order, cut at the limit, bad rows dropped, output rows counted. */
class TableRowsTest {

    @Test
    void everyRowGoesWhereTheDefinitionPutsIt() {
        long seed = System.nanoTime();
        System.out.println("TableRowsTest seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        int[] totals = {0, 1, 2, 7, 97, 1000, 4099};
        for (int total : totals) {
            for (int world = 1; world <= 4; world++) {
                for (int rank = 0; rank < world; rank++) {
                    long[] bad = r.longs(total / 10 + (total > 0 ? 1 : 0), 0, Math.max(1, total)).distinct().sorted()
                            .filter(i -> i < total).toArray();
                    long limit = r.nextBoolean() ? 0 : r.nextInt(total + 3);
                    for (boolean shuffle : new boolean[] {false, true}) {
                        long s = r.nextLong();
                        check(total, bad, shuffle, s, rank, world, limit);
                    }
                }
            }
        }
    }

    private static void check(int total, long[] bad, boolean shuffle, long seed, int rank, int world, long limit) {
        String what = "total " + total + " bad " + Arrays.toString(bad).substring(0, Math.min(80, Arrays.toString(bad).length()))
                + " shuffle " + shuffle + " seed " + seed + " shard " + rank + "/" + world + " limit " + limit;
        long[] order = SampleOrder.of(total, 0, shuffle, seed, rank, world);
        if (limit > 0 && order.length > limit) order = Arrays.copyOf(order, (int) limit);
        long[] expectOut = new long[total];
        boolean[] expectSelected = new boolean[total];
        Arrays.fill(expectOut, -1);
        long k = 0;
        for (long src : order) {
            expectSelected[(int) src] = true;
            if (Arrays.binarySearch(bad, src) < 0) expectOut[(int) src] = k++;
        }
        TableRows rows = new TableRows(total, bad, shuffle, seed, rank, world, limit);
        assertEquals(order.length, rows.selected(), what);
        assertEquals(k, rows.written(), what);
        for (int i = -1; i <= total; i++) {
            boolean inside = i >= 0 && i < total;
            assertEquals(inside ? expectOut[i] : -1, rows.outputRow(i), what + " row " + i);
            assertEquals(inside && expectSelected[i], rows.isSelected(i), what + " row " + i);
        }
    }
}
