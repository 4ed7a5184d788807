package io.kiln.loader;

import io.kiln.FloatArray;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** CSV rows to float tensors: values as Float.parseFloat reads them, chunking, quoting, bad rows. */
@Timeout(120)
class CsvLoaderTest {

    /** A random field in one of the ways numbers are written, or blank. */
    private static String field(SplittableRandom r) {
        double v = (r.nextDouble() - 0.5) * Math.pow(10, r.nextInt(-8, 9));
        return switch (r.nextInt(9)) {
            case 0 -> String.format(Locale.ROOT, "%.6f", v);
            case 1 -> String.format(Locale.ROOT, "%.3e", v);
            case 2 -> Double.toString(v);
            case 3 -> Float.toString((float) v);
            case 4 -> Long.toString((long) (v * 1000));
            case 5 -> String.format(Locale.ROOT, " %.2f ", v);
            case 6 -> r.nextInt(20) == 0 ? "" : String.format(Locale.ROOT, "%.9g", v);
            case 7 -> r.nextInt(10) == 0 ? "-0" : String.format(Locale.ROOT, "%+.4f", v);
            default -> String.format(Locale.ROOT, "%.7f", v);
        };
    }

    private static float reference(String f) {
        return f.isBlank() ? Float.NaN : Float.parseFloat(f.strip());
    }

    @Test
    void valuesEqualFloatParseFloatAcrossChunksAndBatches(@TempDir Path dir) throws IOException {
        long seed = 20261201;
        System.out.println("csv seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        int rows = 30_000, cols = 6;
        StringBuilder csv = new StringBuilder("a,b,c,d,e,f\n");
        String[][] text = new String[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int k = 0; k < cols; k++) {
                text[i][k] = field(r);
                csv.append(k == 0 ? "" : ",").append(text[i][k]);
            }
            csv.append(i % 3 == 0 ? "\r\n" : "\n");
        }
        Path file = dir.resolve("rows.csv");
        Files.writeString(file, csv);
        // columns picked and reordered; small chunks and batches, so that records cross chunk ends
        try (CsvLoader l = CsvLoader.builder(file).columns("e", "a", "c").chunkBytes(4096).rowsPerBatch(1000).workers(2).build()) {
            assertEquals(List.of("e", "a", "c"), l.columns());
            int[] pick = {4, 0, 2};
            long row = 0;
            for (Batch b : l) {
                try (b) {
                    assertEquals(3, b.shape()[1]);
                    FloatArray t = b.tensor();
                    for (int i = 0; i < b.size(); i++, row++) {
                        assertEquals(row, b.indices()[i]);
                        assertEquals("row " + row, b.ids().get(i));
                        for (int k = 0; k < 3; k++) {
                            float want = reference(text[(int) row][pick[k]]);
                            float got = t.get((long) i * 3 + k);
                            assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(got),
                                    "row " + row + " column " + pick[k] + " '" + text[(int) row][pick[k]] + "'");
                        }
                    }
                }
            }
            assertEquals(rows, row);
            LoaderReport rep = l.report();
            assertEquals(rows, rep.read());
            assertEquals(rows, rep.delivered());
            assertEquals(30, rep.batches());
            System.out.println(rep.summary());
        }
    }

    @Test
    void quotedFieldsWithDelimitersAndLineBreaks(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("q.csv");
        Files.writeString(file, "name,x,\"y, the second\"\n\"a, b\",1.5,2\n\"line\nbreak\",\"3.25\",-4e2\n\"say \"\"hi\"\"\",7,8\n");
        try (CsvLoader l = CsvLoader.builder(file).columns("x", "y, the second").build()) {
            try (Batch b = l.readAll()) {
                assertEquals(List.of(3L, 2L), List.of(b.shape()[0], b.shape()[1]));
                float[] v = b.toArray();
                assertEquals(List.of(1.5f, 2f, 3.25f, -400f, 7f, 8f), List.of(v[0], v[1], v[2], v[3], v[4], v[5]));
            }
        }
    }

    @Test
    void noHeaderNamesColumnsByPosition(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("n.csv");
        Files.writeString(file, "1;2;3\n4;5;6\n");
        try (CsvLoader l = CsvLoader.builder(file).header(false).delimiter(';').columns("c2", "c0").build()) {
            try (Batch b = l.readAll()) {
                float[] v = b.toArray();
                assertEquals(List.of(3f, 1f, 6f, 4f), List.of(v[0], v[1], v[2], v[3]));
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CsvLoader.builder(file).header(false).delimiter(';').columns("x").build());
        assertTrue(e.getMessage().contains("c0, c1"), e.getMessage());
    }

    @Test
    void badRowsAreSkippedWithTheirReasonOrFailTheRun(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.csv");
        StringBuilder s = new StringBuilder("a,b\n");
        for (int i = 0; i < 5000; i++) {
            if (i == 17) s.append("1,abc\n");
            else if (i == 2500) s.append("7\n");
            else if (i == 4999) s.append("\"unterminated,1\n");
            else s.append(i).append(',').append(i * 0.5).append('\n');
        }
        Files.writeString(file, s);
        try (CsvLoader l = CsvLoader.builder(file).chunkBytes(2048).rowsPerBatch(777).build()) {
            long n = 0;
            List<Failure> inBatches = new ArrayList<>();
            for (Batch b : l) {
                try (b) {
                    n += b.size();
                    inBatches.addAll(b.failures());
                    float[] v = b.toArray();
                    for (int i = 0; i < b.size(); i++) assertEquals(b.indices()[i], (long) v[2 * i], "row order kept");
                }
            }
            LoaderReport r = l.report();
            System.out.println(r.failures());
            assertEquals(3, r.skipped());
            assertEquals(4997, n);
            assertEquals(r.read(), r.delivered() + r.skipped());
            assertEquals(List.of("row 17", "row 2500", "row 4999"), r.failures().stream().map(Failure::id).toList());
            assertTrue(r.failures().get(0).message().contains("'abc'"), r.failures().get(0).message());
            assertTrue(r.failures().get(1).message().contains("fields"), r.failures().get(1).message());
            assertEquals(Map.of(FailureKind.TRANSFORM, 3L), r.skippedByKind());
            assertEquals(3, inBatches.size());
        }
        try (CsvLoader l = CsvLoader.builder(file).onBadSample(BadSamplePolicy.FAIL).build()) {
            LoaderException e = assertThrows(LoaderException.class, () -> {
                for (Batch b : l) b.close();
            });
            assertNotNull(e.failure());
            assertEquals("row 17", e.failure().id());
        }
        assertEquals(java.util.Set.of(), LoaderFixtures.liveThreads("kiln-csv"));
    }

    /**
     * A record with more or fewer fields than the first record has lost or gained a delimiter: it is skipped
     * with the reason, also where the selected columns exist in it, quoted or not, with or without a header.
     */
    @Test
    void recordsWithTheWrongNumberOfFieldsAreSkipped(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("ragged.csv");
        Files.writeString(file, "a,b,c\n1,2,3\n4,5,6,7\n8,9\n\"10\",11,12,13\n14,15,16\n17,18,19,\n");
        for (String[] columns : new String[][] {{"a", "b", "c"}, {"a"}}) {
            try (CsvLoader l = CsvLoader.builder(file).columns(columns).build()) {
                List<Float> firsts = new ArrayList<>();
                for (Batch b : l) {
                    try (b) {
                        float[] v = b.toArray();
                        for (int i = 0; i < b.size(); i++) firsts.add(v[i * columns.length]);
                    }
                }
                LoaderReport r = l.report();
                assertEquals(List.of(1f, 14f), firsts, "the well-formed rows, columns " + List.of(columns));
                assertEquals(List.of("row 1", "row 2", "row 3", "row 5"), r.failures().stream().map(Failure::id).toList());
                assertTrue(r.failures().get(0).message().contains("the record has more than 3 fields, the header 3"), r.failures().get(0).message());
                assertTrue(r.failures().get(1).message().contains(columns.length == 1 ? "the record has 2 fields, the header 3" : "column c is field 3"),
                        r.failures().get(1).message());
                assertTrue(r.failures().get(2).message().contains("more than 3 fields"), r.failures().get(2).message());   // quoted
            }
        }
        Path noHeader = dir.resolve("noheader.csv");
        Files.writeString(noHeader, "1,2\n3,4,5\n6,7\n");
        try (CsvLoader l = CsvLoader.builder(noHeader).header(false).build()) {
            long n = 0;
            for (Batch b : l) {
                try (b) {
                    n += b.size();
                }
            }
            assertEquals(2, n);
            assertTrue(l.report().failures().get(0).message().contains("the first record 2"), l.report().failures().get(0).message());
        }
    }

    /** Bad rows at the end of the file (after a full batch, or every row bad) still reach the consumer in a batch. */
    @Test
    void trailingBadRowsArriveInALastEmptyBatch(@TempDir Path dir) throws IOException {
        // rows 0..7 good, then 3 bad: with 4 rows per batch the good rows fill two batches exactly
        StringBuilder sb = new StringBuilder("a,b\n");
        for (int i = 0; i < 8; i++) sb.append(i).append(',').append(i * 2).append('\n');
        sb.append("x,1\n1,y\nz,z\n");
        Path tail = dir.resolve("tail.csv");
        Files.writeString(tail, sb);
        Path allBad = dir.resolve("allbad.csv");
        Files.writeString(allBad, "a,b\nx,y\nz,w\n");
        for (Path f : List.of(tail, allBad)) {
            for (int rows : new int[] {1, 4, 100}) {
                List<Long> bad = new ArrayList<>();
                long good = 0;
                try (CsvLoader l = CsvLoader.builder(f).rowsPerBatch(rows).workers(2).build()) {
                    for (Batch b : l) {
                        try (b) {
                            good += b.size();
                            assertTrue(b.size() > 0 || !b.failures().isEmpty(), "an empty batch only to carry failures");
                            for (Failure x : b.failures()) bad.add(x.index());
                        }
                    }
                    assertEquals(l.report().skipped(), bad.size(), f + " rows/batch " + rows + ": every failure inside a batch");
                }
                assertEquals(f == tail ? List.of(8L, 9L, 10L) : List.of(0L, 1L), bad, f + " rows/batch " + rows);
                assertEquals(f == tail ? 8 : 0, good);
            }
        }
    }

    @Test
    void spansPerChunk(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("s.csv");
        StringBuilder s = new StringBuilder("a\n");
        for (int i = 0; i < 3000; i++) s.append(i).append('\n');
        Files.writeString(file, s);
        java.util.Map<Stage, java.util.concurrent.atomic.AtomicInteger> n = new java.util.concurrent.ConcurrentHashMap<>();
        LoaderListener l = new LoaderListener() {
            @Override
            public boolean wantsSpans() {
                return true;
            }

            @Override
            public void onSpan(Span span) {
                assertTrue(span.label().startsWith("chunk "), span.label());
                n.computeIfAbsent(span.stage(), k -> new java.util.concurrent.atomic.AtomicInteger()).incrementAndGet();
            }
        };
        try (CsvLoader csv = CsvLoader.builder(file).chunkBytes(2048).listener(l).build()) {
            try (Batch b = csv.readAll()) {
                assertEquals(3000, b.size());
            }
        }
        int chunks = n.get(Stage.READ).get();
        assertTrue(chunks >= 6, "chunks: " + chunks);
        assertEquals(chunks, n.get(Stage.DECODE).get());
        assertEquals(chunks, n.get(Stage.ASSEMBLE).get());
    }

    /** The backward scan for quote-free chunks finds the boundary the forward walk finds, on random line-break mixes. */
    @Test
    void quoteFreeBoundaryEqualsTheRecordWalk() {
        long seed = System.nanoTime();
        System.out.println("CsvLoaderTest boundary seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        byte[] alphabet = {'a', '1', ',', '\n', '\r'};
        for (int t = 0; t < 20_000; t++) {
            byte[] b = new byte[r.nextInt(0, 24)];
            for (int i = 0; i < b.length; i++) b[i] = alphabet[r.nextInt(alphabet.length)];
            int from = b.length == 0 ? 0 : r.nextInt(b.length + 1);
            assertEquals(CsvRun.lastBoundaryQuoted(b, from, b.length), CsvRun.lastBoundary(b, from, b.length),
                    "bytes " + java.util.Arrays.toString(b) + " from " + from + " (seed " + seed + ")");
        }
    }

    @Test
    void recordBoundariesRespectQuotes() {
        byte[] b = "a,\"x\ny\",c\r\nnext\rlast".getBytes();
        // a , " x LF y " , c CR LF | n e x t CR | l a s t
        assertEquals(11, CsvRun.recordEnd(b, 0, b.length, true), "the line break inside quotes is no boundary");
        assertEquals(16, CsvRun.recordEnd(b, 11, b.length, true), "a lone CR ends a record");
        assertEquals(-1, CsvRun.recordEnd(b, 16, b.length, false));
        assertEquals(16, CsvRun.lastBoundary(b, 0, b.length));
        byte[] cr = "x\r".getBytes();
        assertEquals(-1, CsvRun.recordEnd(cr, 0, cr.length, false), "a CR at a chunk's end may be half of CR LF");
        assertEquals(2, CsvRun.recordEnd(cr, 0, cr.length, true));
    }
}
