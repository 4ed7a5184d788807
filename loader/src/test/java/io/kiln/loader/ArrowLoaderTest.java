package io.kiln.loader;

import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.memory.RootAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float4Vector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.IntVector;
import org.apache.arrow.vector.UInt8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.ArrowFileWriter;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;
import org.apache.arrow.vector.ipc.ArrowWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ArrowLoader} on files written by Arrow's own writers: every row of record batches of sizes
 * that do not line up with the loader's batches, each value bit for bit the Java conversion of the
 * value written (nulls NaN), edge values of every type, both IPC formats, refusals and damage.
 */
class ArrowLoaderTest {
    private static final int[] RECORD_BATCHES = {1, 1000, 4097, 0, 3, 2039};
    private static final String[] NAMES = {"f", "d", "i", "l", "u", "b"};

    /** The values written, per row: what each column holds, as the exact source value (null for a null). */
    private record Table(List<Object[]> rows) {
    }

    @Test
    void fileAndStreamFormatsGiveEveryRowBitForBit(@TempDir Path dir) throws IOException {
        long seed = System.nanoTime();
        System.out.println("ArrowLoaderTest seed " + seed);
        for (boolean fileFormat : new boolean[] {true, false}) {
            Path f = dir.resolve(fileFormat ? "t.arrow" : "t.arrows");
            Table t = write(f, fileFormat, new SplittableRandom(seed), false);
            for (int rowsPerBatch : new int[] {1, 64, 4096, 100_000}) {
                check(f, t, rowsPerBatch, List.of(NAMES));
            }
            check(f, t, 777, List.of("u", "f")); // a subset, reordered
        }
        assertEquals(java.util.Set.of(), LoaderFixtures.liveThreads("kiln-arrow"));
    }

    private static void check(Path f, Table t, int rowsPerBatch, List<String> columns) {
        int[] at = columns.stream().mapToInt(c -> List.of(NAMES).indexOf(c)).toArray();
        try (ArrowLoader l = ArrowLoader.builder(f).columns(columns).rowsPerBatch(rowsPerBatch).prefetch(2).build()) {
            assertEquals(columns, l.columns());
            long row = 0;
            for (Batch b : l) {
                try (b) {
                    int n = b.size();
                    assertTrue(n == rowsPerBatch || row + n == t.rows().size(), "only the last batch is short: " + n + " at row " + row);
                    assertArrayEquals(new long[] {n, columns.size()}, b.shape());
                    float[] v = b.toArray();
                    for (int r = 0; r < n; r++, row++) {
                        assertEquals(row, b.indices()[r]);
                        for (int c = 0; c < at.length; c++) {
                            float want = expected(t.rows().get((int) row)[at[c]]);
                            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(v[r * columns.size() + c]),
                                    f.getFileName() + " row " + row + " column " + columns.get(c) + ": " + t.rows().get((int) row)[at[c]]);
                        }
                    }
                    assertTrue(b.failures().isEmpty());
                }
            }
            assertEquals(t.rows().size(), row, "every row once");
            LoaderReport rep = l.report();
            assertEquals(t.rows().size(), rep.delivered(), rep::toString);
        }
    }

    /** The float the loader must give for a written value, computed by Java's own conversions (BigDecimal for unsigned 64-bit). */
    private static float expected(Object v) {
        if (v == null) return Float.NaN;
        if (v instanceof Float x) return x;
        if (v instanceof Double x) return (float) (double) x;
        if (v instanceof Integer x) return (float) (int) x;
        if (v instanceof Long x) return (float) (long) x;
        if (v instanceof BigInteger x) return new BigDecimal(x).floatValue();
        if (v instanceof Boolean x) return x ? 1f : 0f;
        throw new AssertionError(v);
    }

    private static final float[] EDGE_F = {Float.NaN, -0f, 0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MIN_VALUE, Float.MAX_VALUE};
    private static final double[] EDGE_D = {1e300, -1e-300, Double.MIN_VALUE, 0.1, 16777217.0, Double.NaN, -0.0};
    private static final long[] EDGE_L = {Long.MIN_VALUE, Long.MAX_VALUE, (1L << 24) + 1, -((1L << 53) + 1), 0};
    private static final int[] EDGE_I = {Integer.MIN_VALUE, Integer.MAX_VALUE, 16777217, -1};
    private static final long[] EDGE_U = {-1L, Long.MIN_VALUE, Long.MIN_VALUE + 1, (1L << 40) + 1, 0x8000_0080_0000_0001L, 0x8000_0080_0000_0000L};

    /** Writes record batches of {@link #RECORD_BATCHES} rows; returns what was written. */
    private static Table write(Path f, boolean fileFormat, SplittableRandom r, boolean withText) throws IOException {
        List<Object[]> rows = new ArrayList<>();
        try (BufferAllocator a = new RootAllocator();
             Float4Vector fv = new Float4Vector("f", a); Float8Vector dv = new Float8Vector("d", a); IntVector iv = new IntVector("i", a);
             BigIntVector lv = new BigIntVector("l", a); UInt8Vector uv = new UInt8Vector("u", a); BitVector bv = new BitVector("b", a);
             VarCharVector sv = new VarCharVector("s", a)) {
            List<FieldVector> vs = new ArrayList<>(List.of(fv, dv, iv, lv, uv, bv));
            if (withText) vs.add(sv);
            try (VectorSchemaRoot root = new VectorSchemaRoot(vs);
                 FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                 ArrowWriter w = fileFormat ? new ArrowFileWriter(root, null, ch) : new ArrowStreamWriter(root, null, ch)) {
                w.start();
                int k = 0;
                for (int n : RECORD_BATCHES) {
                    for (FieldVector v : vs) {
                        v.reset();
                        v.setInitialCapacity(Math.max(1, n));
                        v.allocateNew();
                    }
                    for (int i = 0; i < n; i++, k++) {
                        Object[] row = new Object[NAMES.length];
                        boolean nul = r.nextInt(13) == 0;
                        float x = k < EDGE_F.length ? EDGE_F[k] : (float) r.nextGaussian();
                        double d = k < EDGE_D.length ? EDGE_D[k] : r.nextDouble() * 1e6;
                        int iv0 = k < EDGE_I.length ? EDGE_I[k] : r.nextInt();
                        long l = k < EDGE_L.length ? EDGE_L[k] : r.nextLong();
                        long u = k < EDGE_U.length ? EDGE_U[k] : r.nextLong();
                        boolean b = r.nextBoolean();
                        if (nul) fv.setNull(i); else { fv.set(i, x); row[0] = x; }
                        dv.set(i, d); row[1] = d;
                        iv.set(i, iv0); row[2] = iv0;
                        if (nul) lv.setNull(i); else { lv.set(i, l); row[3] = l; }
                        uv.set(i, u); row[4] = new BigInteger(Long.toUnsignedString(u));
                        bv.set(i, b ? 1 : 0); row[5] = b;
                        if (withText) sv.setSafe(i, ("r" + k).getBytes(StandardCharsets.UTF_8));
                        rows.add(row);
                    }
                    for (FieldVector v : vs) v.setValueCount(n);
                    root.setRowCount(n);
                    w.writeBatch();
                }
                w.end();
            }
        }
        return new Table(rows);
    }

    @Test
    void badColumnsAndDamagedFilesSayWhatIsWrong(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("text.arrow");
        write(f, true, new SplittableRandom(1), true);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ArrowLoader.builder(f).build());
        assertTrue(e.getMessage().contains("column s") && e.getMessage().contains("Utf8") && e.getMessage().contains("columns(...)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> ArrowLoader.builder(f).columns("f", "nope").build());
        assertTrue(e.getMessage().contains("column nope is not in") && e.getMessage().contains("[f, d, i, l, u, b, s]"), e.getMessage());
        try (ArrowLoader l = ArrowLoader.builder(f).columns("f", "b").build()) {
            long n = l.stream().mapToLong(b -> {
                try (b) {
                    return b.size();
                }
            }).sum();
            assertEquals(java.util.Arrays.stream(RECORD_BATCHES).sum(), n);
        }
        Path notArrow = dir.resolve("x.arrow");
        Files.writeString(notArrow, "a,b\n1,2\n");
        java.io.UncheckedIOException io = assertThrows(java.io.UncheckedIOException.class, () -> ArrowLoader.builder(notArrow).build());
        assertTrue(io.getMessage().contains("cannot read " + notArrow + " as an Arrow IPC file"), io.getMessage());
        // a stream cut in the middle of a record batch: the rows before it come, then the run fails naming the batch
        Path s = dir.resolve("t.arrows");
        write(s, false, new SplittableRandom(2), false);
        byte[] all = Files.readAllBytes(s);
        Path cut = dir.resolve("cut.arrows");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length * 2 / 3));
        long[] got = {0};
        try (ArrowLoader l = ArrowLoader.builder(cut).rowsPerBatch(500).build()) {
            LoaderException le = assertThrows(LoaderException.class, () -> {
                for (Batch b : l) {
                    try (b) {
                        got[0] += b.size();
                    }
                }
            });
            assertTrue(le.getMessage().contains("cannot read record batch") && le.getMessage().contains(cut.toString()), le.getMessage());
        }
        assertTrue(got[0] < java.util.Arrays.stream(RECORD_BATCHES).sum(), "the cut rows are not delivered");
        assertEquals(java.util.Set.of(), LoaderFixtures.liveThreads("kiln-arrow"));
    }

    @Test
    void closingMidRunStopsTheThreadAndFreesArrowMemory(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("t.arrow");
        write(f, true, new SplittableRandom(3), false);
        for (int i = 0; i < 20; i++) {
            try (ArrowLoader l = ArrowLoader.builder(f).rowsPerBatch(16).prefetch(1).build()) {
                var it = l.iterator();
                it.next().close(); // take one batch, leave the rest
            }
        }
        assertEquals(java.util.Set.of(), LoaderFixtures.liveThreads("kiln-arrow"));
    }

    @Test
    void unsignedSixtyFourBitValuesRoundToTheNearestFloat() {
        SplittableRandom r = new SplittableRandom(42);
        for (int i = 0; i < 200_000; i++) {
            long u = i < EDGE_U.length ? EDGE_U[i] : r.nextLong() >>> r.nextInt(64);
            float want = new BigDecimal(new BigInteger(Long.toUnsignedString(u))).floatValue();
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(ArrowRun.unsignedToFloat(u)), Long.toUnsignedString(u));
        }
    }
}
