package io.kiln.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.cli.preprocess.NpyFile;
import io.kiln.cli.preprocess.Progress;
import io.kiln.kernels.Image;
import io.kiln.kernels.ImagePipeline;
import io.kiln.kernels.ImagePresets;
import io.kiln.loader.SampleImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.stream.Stream;

import static io.kiln.cli.KilnCliTest.assertUsageError;
import static io.kiln.cli.KilnCliTest.run;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code kiln preprocess} end to end on generated images and a generated CSV: the tensors against the
 * library's operations applied one sample at a time, the manifest, bad samples under both policies,
 * progress lines, exit codes and the trace.
 */
class PreprocessCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int GOOD = 14;

    @TempDir
    static Path shared;
    static Path images;
    static Path list;

    /** 14 small photo-like JPEGs, a garbage file, a truncated JPEG and a missing file, in a list file. */
    @BeforeAll
    static void images() throws IOException {
        images = shared.resolve("images");
        List<Path> good = SampleImages.ensure(images, GOOD, 7, 48);
        Files.write(images.resolve("garbage.jpg"), new SplittableRandom(3).ints(2000, 0, 256).collect(
                java.io.ByteArrayOutputStream::new, (b, v) -> b.write(v), (a, b) -> a.write(b.toByteArray(), 0, b.size())).toByteArray());
        byte[] whole = Files.readAllBytes(good.get(0));
        Files.write(images.resolve("truncated.jpg"), Arrays.copyOf(whole, whole.length / 3));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < good.size(); i++) {
            lines.add(good.get(i).getFileName().toString());
            if (i == 3) lines.add("garbage.jpg");
            if (i == 8) lines.add("missing.jpg");
            if (i == 10) lines.add("truncated.jpg");
        }
        list = images.resolve("list.txt");
        Files.write(list, lines);
    }

    static JsonNode manifest(Path out) throws IOException {
        return JSON.readTree(out.resolve("manifest.json").toFile());
    }

    /** The image as an independent ImageIO decode gives it, RGB interleaved. */
    static Image decode(Path file) throws IOException {
        BufferedImage img = ImageIO.read(file.toFile());
        int w = img.getWidth(), h = img.getHeight();
        byte[] rgb = new byte[w * h * 3];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int p = img.getRGB(x, y);
                int o = (y * w + x) * 3;
                rgb[o] = (byte) (p >> 16);
                rgb[o + 1] = (byte) (p >> 8);
                rgb[o + 2] = (byte) p;
            }
        }
        return new Image(rgb, w, h, 3);
    }

    /** Every written sample equals the pipeline applied to that image alone, bit for bit. */
    static void assertSamplesMatchPipeline(Path out, JsonNode m, ImagePipeline pipeline) throws IOException {
        Device cpu = Devices.get("cpu");
        Map<Integer, NpyFile> files = new HashMap<>();
        JsonNode fileList = m.get("files");
        for (int i = 0; i < fileList.size(); i++) files.put(i, NpyFile.read(out.resolve(fileList.get(i).get("file").asText())));
        int per = 3 * 224 * 224;
        for (JsonNode s : m.get("samples")) {
            NpyFile f = files.get(s.get("shard").asInt());
            int offset = s.get("offset").asInt();
            float[] expected = pipeline.apply(decode(Path.of(s.get("id").asText())), cpu);
            float[] actual = Arrays.copyOfRange(f.data(), offset * per, (offset + 1) * per);
            int diff = Arrays.mismatch(expected, actual);
            assertEquals(-1, diff, () -> s + ": first difference at " + diff);
        }
    }

    @Test
    void imagesToOneNpyWithAManifestAndTheBadSamplesListed(@TempDir Path out) throws Exception {
        KilnCliTest.Result r = run("preprocess", "--in", list.toString(), "--out", out.toString(), "--batch", "4", "--device", "cpu",
                "--decoder", "imageio", "--workers", "2");
        assertEquals(0, r.exit(), r::toString);
        NpyFile npy = NpyFile.read(out.resolve("data.npy"));
        assertEquals(List.of(GOOD, 3, 224, 224), Arrays.stream(npy.shape()).boxed().map(Long::intValue).toList());
        JsonNode m = manifest(out);
        assertEquals("kiln preprocess", m.get("producer").asText());
        assertEquals(KilnCli.version(), m.get("kiln_version").asText());
        assertEquals("imagenet-eval", m.get("preset").get("name").asText());
        assertEquals(256, m.get("preset").get("resize_shorter").asInt());
        assertEquals(0.485, m.get("preset").get("mean").get(0).asDouble(), 1e-7);
        assertEquals(GOOD, m.get("samples").size());
        assertEquals(GOOD + 3, m.get("counts").get("read").asInt());
        // in list order, offsets 0..13 in the one file
        for (int i = 0; i < GOOD; i++) {
            JsonNode s = m.get("samples").get(i);
            assertEquals(0, s.get("shard").asInt());
            assertEquals(i, s.get("offset").asInt());
            assertTrue(s.get("id").asText().endsWith(SampleImages.fileName(i)), s::toString);
        }
        Map<String, String> skipped = new HashMap<>();
        for (JsonNode s : m.get("skipped")) {
            skipped.put(Path.of(s.get("id").asText()).getFileName().toString(), s.get("kind").asText());
            assertFalse(s.get("reason").asText().isBlank(), s::toString);
        }
        assertEquals(Map.of("garbage.jpg", "CORRUPT", "truncated.jpg", "CORRUPT", "missing.jpg", "UNREADABLE"), skipped);
        assertSamplesMatchPipeline(out, m, ImagePresets.imagenetEval());
        // the summary
        assertTrue(r.out().contains("preprocess: " + GOOD + " images written to " + out), r::toString);
        assertTrue(r.out().contains("17 read, 14 written, 3 skipped (UNREADABLE 1, CORRUPT 2"), r::toString);
        assertTrue(r.out().lines().anyMatch(l -> l.startsWith("  verdict   ") && l.length() > 14), r::toString);
        assertTrue(r.out().contains("  time      I/O "), r::toString);
        // NumPy reads the same numbers (last: skips, saying what to install, without python3-numpy)
        double sum = 0;
        for (float v : npy.data()) sum += v;
        String np = io.kiln.cli.preprocess.Python.numpy("""
                import sys, numpy as np
                a = np.load(sys.argv[1], mmap_mode='r')
                print(a.shape, a.dtype, repr(float(a.astype(np.float64).sum())))
                """, out.resolve("data.npy").toString()).strip();
        assertTrue(np.startsWith("(14, 3, 224, 224) float32 "), np);
        assertEquals(sum, Double.parseDouble(np.substring(np.lastIndexOf(' ') + 1)), 1e-6 * npy.data().length, np);
    }

    /** Every sample bad: the empty tensor must not pass for a success (exit 1, the reasons kept in the manifest). */
    @Test
    void aJobThatSkipsEverySampleFails(@TempDir Path base) throws Exception {
        Path in = Files.createDirectories(base.resolve("in"));
        Files.writeString(in.resolve("a.jpg"), "not a jpeg");
        Files.write(in.resolve("b.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path out = base.resolve("o");
        KilnCliTest.Result r = run("preprocess", "--in", in.toString(), "--out", out.toString(), "--device", "cpu", "--decoder", "imageio");
        assertEquals(KilnCli.FAILURE, r.exit(), r::toString);
        assertTrue(r.err().contains("kiln: preprocess failed: none of the 2 images could be used (CORRUPT 2)"), r::toString);
        assertTrue(r.err().contains(out.resolve("manifest.json").toString()) && r.err().contains("the first: " + in.resolve("a.jpg") + ": "), r::toString);
        assertEquals(2, manifest(out).get("skipped").size());
        // a job with some good samples still succeeds with the bad ones listed (above); so does an empty shard
        Files.copy(list.getParent().resolve(SampleImages.fileName(0)), in.resolve("good.jpg"));
        KilnCliTest.Result ok = run("preprocess", "--in", in.toString(), "--out", base.resolve("o2").toString(), "--device", "cpu",
                "--decoder", "imageio");
        assertEquals(0, ok.exit(), ok::toString);
        KilnCliTest.Result shard = run("preprocess", "--in", in.resolve("good.jpg").toString(), "--out", base.resolve("o3").toString(),
                "--device", "cpu", "--shard", "1/2");
        assertEquals(0, shard.exit(), shard::toString);
    }

    @Test
    void shardsOfBatchesAndAShuffledShardOfTheRanks(@TempDir Path base) throws Exception {
        Path out = base.resolve("o");
        KilnCliTest.Result r = run("preprocess", "--in", images.toString(), "--out", out.toString(), "--batch", "3", "--shard-size", "2",
                "--device", "cpu", "--decoder", "imageio", "--quiet");
        assertEquals(0, r.exit(), r::toString);
        assertEquals("", r.out(), "--quiet prints nothing");
        JsonNode m = manifest(out);
        // the folder holds the 14 good images and the two bad files (the list file is not an image)
        assertEquals(GOOD, m.get("counts").get("written").asInt(), m::toString);
        assertEquals(2, m.get("skipped").size());
        long total = 0;
        List<String> names = new ArrayList<>();
        for (JsonNode f : m.get("files")) {
            NpyFile npy = NpyFile.read(out.resolve(f.get("file").asText()));
            assertEquals(f.get("samples").asLong(), npy.shape()[0]);
            assertTrue(npy.shape()[0] <= 6, "2 batches of 3 per shard at most");
            total += npy.shape()[0];
            names.add(f.get("file").asText());
        }
        assertEquals(GOOD, total);
        assertEquals("data-00000.npy", names.get(0));
        try (Stream<Path> s = Files.list(out)) {
            Set<String> there = new HashSet<>(s.map(p -> p.getFileName().toString()).toList());
            Set<String> expected = new HashSet<>(names);
            expected.add("manifest.json");
            assertEquals(expected, there);
        }
        Set<String> places = new HashSet<>();
        for (JsonNode s : m.get("samples")) {
            assertTrue(places.add(s.get("shard").asInt() + "/" + s.get("offset").asInt()), "one place per sample");
            assertTrue(s.get("offset").asLong() < m.get("files").get(s.get("shard").asInt()).get("samples").asLong());
        }
        assertSamplesMatchPipeline(out, m, ImagePresets.imagenetEval());

        // two ranks of a shuffled run together hold every good sample exactly once; the same seed gives the same order
        List<String> all = new ArrayList<>();
        for (int rank = 0; rank < 2; rank++) {
            Path o = base.resolve("rank" + rank);
            KilnCliTest.Result rr = run("preprocess", "--in", list.toString(), "--out", o.toString(), "--shuffle", "--seed", "5",
                    "--shard", rank + "/2", "--device", "cpu", "--decoder", "imageio", "-q");
            assertEquals(0, rr.exit(), rr::toString);
            for (JsonNode s : manifest(o).get("samples")) all.add(s.get("id").asText());
        }
        assertEquals(GOOD, all.size());
        assertEquals(GOOD, new HashSet<>(all).size());
        KilnCliTest.Result again = run("preprocess", "--in", list.toString(), "--out", base.resolve("rank0").toString(), "--shuffle",
                "--seed", "5", "--shard", "0/2", "--device", "cpu", "--decoder", "imageio", "-q");
        assertEquals(0, again.exit(), again::toString);
        List<String> rank0 = new ArrayList<>();
        for (JsonNode s : manifest(base.resolve("rank0")).get("samples")) rank0.add(s.get("id").asText());
        assertEquals(all.subList(0, rank0.size()), rank0, "an earlier output is replaced, and the order is reproducible");
    }

    @Test
    void underFailABadSampleFailsTheJobAndLeavesNoOutput(@TempDir Path out) throws IOException {
        KilnCliTest.Result r = run("preprocess", "--in", list.toString(), "--out", out.toString(), "--on-error", "fail", "--batch", "4",
                "--device", "cpu");
        assertEquals(KilnCli.FAILURE, r.exit(), r::toString);
        assertTrue(r.err().startsWith("kiln: preprocess failed: "), r::toString);
        assertTrue(r.err().contains("garbage.jpg") || r.err().contains("missing.jpg") || r.err().contains("truncated.jpg"), r::toString);
        assertTrue(r.err().contains("--on-error skip"), r::toString);
        assertFalse(Files.exists(out.resolve("manifest.json")));
        assertFalse(Files.exists(out.resolve("data.npy")));
        // an interrupted job's folder (manifest "complete": false, a partial data.npy) can be given again
        Files.writeString(out.resolve("manifest.json"), "{\"producer\": \"kiln preprocess\", \"complete\": false, \"files\": []}");
        Files.write(out.resolve("data.npy"), new byte[100]);
        KilnCliTest.Result again = run("preprocess", "--in", images.toString(), "--out", out.toString(), "--device", "cpu", "-q");
        assertEquals(0, again.exit(), again::toString);
        assertTrue(manifest(out).get("complete").asBoolean());
        assertEquals(GOOD, NpyFile.read(out.resolve("data.npy")).shape()[0]);
    }

    @Test
    void limitProgressLinesAndTrace(@TempDir Path base) throws Exception {
        Path out = base.resolve("o");
        Path trace = base.resolve("trace.json");
        String old = System.getProperty(Progress.INTERVAL_PROPERTY);
        System.setProperty(Progress.INTERVAL_PROPERTY, "0");
        KilnCliTest.Result r;
        try {
            r = run("preprocess", "--in", images.toString(), "--out", out.toString(), "--batch", "2", "--limit", "5", "--device", "cpu",
                    "--trace", trace.toString());
        } finally {
            if (old == null) System.clearProperty(Progress.INTERVAL_PROPERTY);
            else System.setProperty(Progress.INTERVAL_PROPERTY, old);
        }
        assertEquals(0, r.exit(), r::toString);
        // the first 5 of the folder's sorted order: garbage.jpg, then four samples
        assertEquals(4, NpyFile.read(out.resolve("data.npy")).shape()[0]);
        JsonNode m = manifest(out);
        assertEquals(5, m.get("counts").get("read").asInt());
        assertEquals("garbage.jpg", Path.of(m.get("skipped").get(0).get("id").asText()).getFileName().toString());
        List<String> progress = r.out().lines().filter(l -> l.startsWith("progress: ")).toList();
        assertTrue(progress.size() >= 2, r::toString);
        assertTrue(progress.get(progress.size() - 1).startsWith("progress: 5/5 images, "), r::toString);
        assertFalse(r.out().contains("\r"), "no carriage returns off a terminal");

        JsonNode t = JSON.readTree(trace.toFile());
        Set<String> processes = new HashSet<>();
        Set<String> spanCats = new HashSet<>();
        for (JsonNode e : t.get("traceEvents")) {
            if (e.get("ph").asText().equals("M") && e.get("name").asText().equals("process_name")) processes.add(e.get("args").get("name").asText());
            if (e.get("ph").asText().equals("X")) {
                spanCats.add(e.get("cat").asText());
                assertTrue(e.get("dur").asDouble() >= 0 && e.get("ts").asDouble() >= -1e6, e::toString);
            }
        }
        assertTrue(processes.containsAll(List.of("read (I/O)", "decode", "device", "write")), processes::toString);
        assertTrue(spanCats.containsAll(List.of("read", "decode", "device", "consumer")), spanCats::toString);
    }

    @Test
    void tableIsFittedThenTransformedWithTheStatisticsBeside(@TempDir Path base) throws Exception {
        long seed = System.nanoTime();
        System.out.println("PreprocessCommandTest table seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int rows = 2500;
        StringBuilder csv = new StringBuilder("a,label,b\n");
        List<double[]> good = new ArrayList<>();
        for (int i = 0; i < rows; i++) {
            double a = rnd.nextDouble() * 10 - 3, b = rnd.nextGaussian() * 100 + 50;
            boolean missing = i % 17 == 5;
            if (i == 1234) {
                csv.append("1.5,x,oops\n");
                continue;
            }
            csv.append(missing ? "" : Float.toString((float) a)).append(",l").append(i).append(',').append(Float.toString((float) b)).append('\n');
            good.add(new double[] {missing ? Double.NaN : (float) a, (float) b});
        }
        Path file = base.resolve("data.csv");
        Files.writeString(file, csv);
        Path out = base.resolve("o");
        KilnCliTest.Result r = run("preprocess", "--in", file.toString(), "--out", out.toString(), "--preset", "standardize",
                "--columns", "a,b", "--batch", "700", "--device", "cpu", "--clip", "-2.5,2.5", "--trace", base.resolve("t.json").toString());
        assertEquals(0, r.exit(), r::toString);
        Set<String> cats = new HashSet<>();
        for (JsonNode e : JSON.readTree(base.resolve("t.json").toFile()).get("traceEvents")) {
            if (e.get("ph").asText().equals("X")) cats.add(e.get("cat").asText());
        }
        // the CSV loader emits no spans of its own yet: the trace holds the transform + write spans
        assertTrue(cats.contains("consumer"), "the transform + write spans: " + cats);
        // float64 reference: mean and population std of the non-missing values of the good rows
        double[] mean = new double[2], std = new double[2];
        for (int c = 0; c < 2; c++) {
            double sum = 0;
            int n = 0;
            for (double[] g : good) if (!Double.isNaN(g[c])) { sum += g[c]; n++; }
            mean[c] = sum / n;
            double m2 = 0;
            for (double[] g : good) if (!Double.isNaN(g[c])) m2 += (g[c] - mean[c]) * (g[c] - mean[c]);
            std[c] = Math.sqrt(m2 / n);
        }
        NpyFile npy = NpyFile.read(out.resolve("data.npy"));
        assertEquals(List.of((long) good.size(), 2L), Arrays.stream(npy.shape()).boxed().toList());
        for (int i = 0; i < good.size(); i++) {
            for (int c = 0; c < 2; c++) {
                double x = Double.isNaN(good.get(i)[c]) ? mean[c] : good.get(i)[c];
                double ref = Math.min(2.5, Math.max(-2.5, (x - mean[c]) / std[c]));
                float y = npy.data()[i * 2 + c];
                double bound = 4 * 0x1p-24 * ((Math.abs(x) + Math.abs(mean[c])) / std[c] + Math.abs(ref)) + 1e-9;
                assertTrue(Math.abs(y - ref) <= bound, "row " + i + " column " + c + ": " + y + " vs float64 " + ref);
            }
        }
        JsonNode st = JSON.readTree(out.resolve("statistics.json").toFile());
        for (int c = 0; c < 2; c++) {
            JsonNode col = st.get("columns").get(c);
            assertEquals(c == 0 ? "a" : "b", col.get("name").asText());
            assertEquals(mean[c], col.get("mean").asDouble(), 1e-12 * (Math.abs(mean[c]) + std[c]));
            assertEquals(std[c], col.get("std").asDouble(), 1e-9 * std[c]);
        }
        assertTrue(st.get("preprocessor_text").asText().startsWith("kiln-tabular-preprocessor 1"));
        JsonNode m = manifest(out);
        assertEquals("table", m.get("kind").asText());
        assertEquals(1, m.get("skipped").size());
        assertEquals("TRANSFORM", m.get("skipped").get(0).get("kind").asText());
        assertEquals(1234, m.get("skipped").get(0).get("index").asInt());
        assertEquals("[[0,1234],[1235,2500]]", m.get("source_rows").toString());
        assertTrue(r.out().contains("preprocess: " + good.size() + " rows written to " + out), r::toString);
    }

    /**
     * A shuffled table in three shards of files of two batches: together the ranks write every good row
     * exactly once, in the loader's order, each row bit for bit the row of the plain run (the fit is the
     * whole table's on every rank), and the row ids, files, manifest and skipped rows agree.
     */
    @Test
    void shuffledShardedTableRanksWriteEveryGoodRowOnce(@TempDir Path base) throws Exception {
        long seed = System.nanoTime();
        System.out.println("PreprocessCommandTest sharded table seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int rows = 1543; // prime: shards and files of unequal size
        StringBuilder csv = new StringBuilder("x,y\n");
        Set<Long> badRows = new HashSet<>();
        for (int i = 0; i < rows; i++) {
            if (rnd.nextInt(60) == 0) {
                csv.append("1,zz\n");
                badRows.add((long) i);
            } else {
                csv.append(rnd.nextInt(9) == 0 ? "" : Float.toString((float) rnd.nextGaussian())).append(',')
                        .append(Float.toString((float) (rnd.nextDouble() * 1e3))).append('\n');
            }
        }
        Path file = base.resolve("t.csv");
        Files.writeString(file, csv);
        Path plain = base.resolve("plain");
        assertEquals(0, run("preprocess", "--in", file.toString(), "--out", plain.toString(), "--device", "cpu", "--batch", "100").exit());
        NpyFile all = NpyFile.read(plain.resolve("data.npy"));
        long[] allIds = NpyFile.readInt64(plain.resolve("row_ids.npy"));
        java.util.Map<Long, Integer> rowOf = new java.util.HashMap<>();
        for (int k = 0; k < allIds.length; k++) rowOf.put(allIds[k], k);
        assertEquals(rows - badRows.size(), allIds.length);
        long shuffleSeed = rnd.nextLong();
        Set<Long> seen = new HashSet<>();
        for (int rank = 0; rank < 3; rank++) {
            Path out = base.resolve("r" + rank);
            KilnCliTest.Result r = run("preprocess", "--in", file.toString(), "--out", out.toString(), "--device", "cpu", "--batch", "100",
                    "--shuffle", "--seed", Long.toString(shuffleSeed), "--shard", rank + "/3", "--shard-size", "2");
            assertEquals(0, r.exit(), r::toString);
            JsonNode m = manifest(out);
            long[] ids = NpyFile.readInt64(out.resolve("row_ids.npy"));
            long[] order = io.kiln.loader.SampleOrder.of(rows, 0, true, shuffleSeed, rank, 3);
            long[] expected = Arrays.stream(order).filter(i -> !badRows.contains(i)).toArray();
            assertArrayEquals(expected, ids, "rank " + rank + ": the loader's order without the bad rows");
            int k = 0;
            for (int f = 0; f < m.get("files").size(); f++) {
                JsonNode fe = m.get("files").get(f);
                assertEquals(String.format(java.util.Locale.ROOT, "data-%05d.npy", f), fe.get("file").asText());
                NpyFile part = NpyFile.read(out.resolve(fe.get("file").asText()));
                assertEquals(fe.get("samples").asLong(), part.shape()[0]);
                assertTrue(part.shape()[0] == 200 || f == m.get("files").size() - 1, "two batches of 100 rows per file");
                for (int j = 0; j < part.shape()[0]; j++, k++) {
                    int ref = rowOf.get(ids[k]);
                    for (int c = 0; c < 2; c++) {
                        assertEquals(Float.floatToRawIntBits(all.data()[ref * 2 + c]), Float.floatToRawIntBits(part.data()[j * 2 + c]),
                                "rank " + rank + " row " + k + " (data row " + ids[k] + ") column " + c);
                    }
                    assertTrue(seen.add(ids[k]), "data row " + ids[k] + " written twice");
                }
            }
            assertEquals(ids.length, k);
            long skipped = Arrays.stream(order).filter(badRows::contains).count();
            assertEquals(skipped, m.get("skipped").size(), "rank " + rank + " skips only its own bad rows");
            assertEquals(order.length, m.get("counts").get("read").asLong());
            assertTrue(m.get("source_rows") == null, "a shuffled manifest records the order in row_ids.npy only");
            assertEquals("r" + rank, out.getFileName().toString());
        }
        assertEquals(rows - badRows.size(), seen.size(), "three ranks together write every good row");
        Path limited = base.resolve("lim");
        assertEquals(0, run("preprocess", "--in", file.toString(), "--out", limited.toString(), "--device", "cpu", "--shard", "1/2",
                "--limit", "100").exit());
        JsonNode m = manifest(limited);
        assertEquals(100, m.get("counts").get("read").asLong(), "written + skipped = the limit");
        long[] ids = NpyFile.readInt64(limited.resolve("row_ids.npy"));
        for (long id : ids) assertTrue(id % 2 == 1 && id < 200, "shard 1/2 unshuffled takes odd rows: " + id);
    }

    /**
     * A table whose every row is bad: each is read, listed as skipped and counted, under any sharding; and
     * the job fails (exit 1), since it wrote nothing usable.
     */
    @Test
    void aTableOfBadRowsSkipsAndCountsEveryRow(@TempDir Path base) throws Exception {
        Path csv = base.resolve("bad.csv");
        Files.writeString(csv, "a,b\nx,y\nz,w\n1,q\n");
        Path out = base.resolve("o");
        KilnCliTest.Result r = run("preprocess", "--in", csv.toString(), "--out", out.toString(), "--device", "cpu");
        assertEquals(KilnCli.FAILURE, r.exit(), r::toString);
        assertTrue(r.err().contains("none of the 3 rows could be used"), r::toString);
        assertTrue(r.out().contains("3 read, 0 written, 3 skipped"), r::toString);
        assertEquals(3, manifest(out).get("skipped").size());
        Path half = base.resolve("h");
        r = run("preprocess", "--in", csv.toString(), "--out", half.toString(), "--device", "cpu", "--shard", "1/2");
        assertEquals(KilnCli.FAILURE, r.exit(), r::toString);
        assertEquals(1, manifest(half).get("skipped").size(), "shard 1/2 holds row 1 only");
        assertEquals(1, manifest(half).get("skipped").get(0).get("index").asInt());
    }

    /** The same table as CSV and as an Arrow IPC file (nulls where the CSV is empty): the same tensor, bit for bit, and the same statistics. */
    @Test
    void arrowTableGivesTheCsvTablesTensor(@TempDir Path base) throws Exception {
        long seed = System.nanoTime();
        System.out.println("PreprocessCommandTest arrow seed " + seed);
        SplittableRandom rnd = new SplittableRandom(seed);
        int rows = 3001;
        float[][] v = new float[rows][3];
        StringBuilder csv = new StringBuilder("p,q,r\n");
        for (int i = 0; i < rows; i++) {
            for (int c = 0; c < 3; c++) {
                v[i][c] = rnd.nextInt(11) == 0 ? Float.NaN : (float) (rnd.nextGaussian() * (c + 1) * 10);
                if (c > 0) csv.append(',');
                if (!Float.isNaN(v[i][c])) csv.append(Float.toString(v[i][c]));
            }
            csv.append('\n');
        }
        Path csvFile = base.resolve("t.csv"), arrowFile = base.resolve("t.arrow");
        Files.writeString(csvFile, csv);
        try (org.apache.arrow.memory.BufferAllocator a = new org.apache.arrow.memory.RootAllocator();
             org.apache.arrow.vector.Float4Vector p = new org.apache.arrow.vector.Float4Vector("p", a);
             org.apache.arrow.vector.Float4Vector q = new org.apache.arrow.vector.Float4Vector("q", a);
             org.apache.arrow.vector.Float4Vector r = new org.apache.arrow.vector.Float4Vector("r", a);
             org.apache.arrow.vector.VectorSchemaRoot root = new org.apache.arrow.vector.VectorSchemaRoot(List.of(p, q, r));
             java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(arrowFile, java.nio.file.StandardOpenOption.CREATE,
                     java.nio.file.StandardOpenOption.WRITE);
             org.apache.arrow.vector.ipc.ArrowFileWriter w = new org.apache.arrow.vector.ipc.ArrowFileWriter(root, null, ch)) {
            w.start();
            org.apache.arrow.vector.Float4Vector[] vs = {p, q, r};
            for (int from = 0; from < rows; from += 1000) { // record batches of 1000: not the job's batch size
                int n = Math.min(1000, rows - from);
                for (var x : vs) {
                    x.reset();
                    x.allocateNew(n);
                }
                for (int i = 0; i < n; i++) {
                    for (int c = 0; c < 3; c++) {
                        if (Float.isNaN(v[from + i][c])) vs[c].setNull(i);
                        else vs[c].set(i, v[from + i][c]);
                    }
                }
                for (var x : vs) x.setValueCount(n);
                root.setRowCount(n);
                w.writeBatch();
            }
            w.end();
        }
        Path fromCsv = base.resolve("c"), fromArrow = base.resolve("a");
        assertEquals(0, run("preprocess", "--in", csvFile.toString(), "--out", fromCsv.toString(), "--device", "cpu", "--batch", "512",
                "--preset", "robust").exit());
        KilnCliTest.Result r = run("preprocess", "--in", arrowFile.toString(), "--out", fromArrow.toString(), "--device", "cpu", "--batch", "512",
                "--preset", "robust", "--columns", "p,q,r");
        assertEquals(0, r.exit(), r::toString);
        NpyFile c = NpyFile.read(fromCsv.resolve("data.npy")), a = NpyFile.read(fromArrow.resolve("data.npy"));
        assertArrayEquals(c.shape(), a.shape());
        assertEquals(rows, a.shape()[0]);
        for (int i = 0; i < c.data().length; i++) {
            assertEquals(Float.floatToRawIntBits(c.data()[i]), Float.floatToRawIntBits(a.data()[i]), "element " + i);
        }
        assertEquals(JSON.readTree(fromCsv.resolve("statistics.json").toFile()).get("preprocessor_text"),
                JSON.readTree(fromArrow.resolve("statistics.json").toFile()).get("preprocessor_text"));
        assertEquals(arrowFile.toString(), manifest(fromArrow).get("input").asText());
        assertUsageError(run("preprocess", "--in", arrowFile.toString(), "--columns", "p,zz", "--out", base.resolve("z").toString()),
                "column zz is not in");
    }

    /** No --in: sample images are made once into the cache, the output goes to a temporary folder the summary names. */
    @Test
    void withoutInputItRunsOnGeneratedSamplesIntoATemporaryFolder(@TempDir Path cache) throws Exception {
        String old = System.getProperty(PreprocessCommand.SAMPLES_PROPERTY);
        System.setProperty(PreprocessCommand.SAMPLES_PROPERTY, cache.toString());
        try {
            KilnCliTest.Result r = run("preprocess", "--samples", "6", "--device", "cpu");
            assertEquals(0, r.exit(), r::toString);
            assertTrue(r.out().startsWith("preprocess: no --in given: generating 6 sample JPEGs into " + cache), r::toString);
            String line = r.out().lines().filter(l -> l.startsWith("preprocess: 6 images written to ")).findFirst().orElseThrow();
            Path out = Path.of(line.substring("preprocess: 6 images written to ".length(), line.indexOf(" (")));
            assertTrue(out.getFileName().toString().startsWith("kiln-preprocess-"), line);
            assertEquals(6, NpyFile.read(out.resolve("data.npy")).shape()[0]);
            assertTrue(SampleImages.isComplete(cache, 6, 0, SampleImages.DEFAULT_SIZE));
            for (String f : List.of("data.npy", "manifest.json")) Files.delete(out.resolve(f));
            Files.delete(out);
            KilnCliTest.Result again = run("preprocess", "--samples", "6", "--device", "cpu", "-q", "--out", cache.resolve("o2").toString());
            assertEquals(0, again.exit(), again::toString);
            assertEquals("", again.out(), "the second run reuses the cache and prints nothing under --quiet");
        } finally {
            if (old == null) System.clearProperty(PreprocessCommand.SAMPLES_PROPERTY);
            else System.setProperty(PreprocessCommand.SAMPLES_PROPERTY, old);
        }
    }

    @Test
    void badUsageExitsWithTwoAndSaysWhatToFix(@TempDir Path base) throws IOException {
        String in = images.toString();
        assertUsageError(run("preprocess", "--in", in, "--shard", "2/2"), "--shard 2/2: need WORLD >= 1 and 0 <= RANK < WORLD");
        assertUsageError(run("preprocess", "--in", in, "--shard", "x"), "--shard x: give RANK/WORLD");
        assertUsageError(run("preprocess", "--in", in, "--on-error", "ignore"), "--on-error ignore: use skip or fail");
        assertUsageError(run("preprocess", "--in", in, "--preset", "resnet"), "--preset resnet is not a preset; image presets: imagenet-eval");
        assertUsageError(run("preprocess", "--in", in, "--preset", "standardize"), "is a table preset: give a .csv or .arrow file");
        assertUsageError(run("preprocess", "--in", in, "--columns", "a"), "--columns is for tables");
        assertUsageError(run("preprocess", "--in", base.resolve("nope").toString()), "nope does not exist: give a folder of images, a list file (.txt), a glob");
        Path empty = Files.createDirectories(base.resolve("empty-input"));
        assertUsageError(run("preprocess", "--in", empty.toString()), "holds no image file (bmp, gif, jpeg, jpg, png): the folder is empty");
        assertUsageError(run("preprocess", "--in", in, "--device", "no-such-device"), "no device 'no-such-device'");
        assertUsageError(run("preprocess", "--in", in, "--batch", "0"), "--batch 0 is not positive");
        assertUsageError(run("preprocess", "--in", in, "--decoder", "libpng"), "--decoder libpng: use auto, turbojpeg or imageio");
        Path full = Files.createDirectories(base.resolve("full"));
        Files.writeString(full.resolve("precious.txt"), "x");
        assertUsageError(run("preprocess", "--in", in, "--out", full.toString()), "is not empty and holds no earlier Kiln output");
        assertTrue(Files.exists(full.resolve("precious.txt")));
        Path csv = base.resolve("t.csv");
        Files.writeString(csv, "a,b\n1,2\n");
        assertUsageError(run("preprocess", "--in", csv.toString(), "--preset", "imagenet-eval"), "is an image preset, and --in is a table");
        assertUsageError(run("preprocess", "--in", csv.toString(), "--clip", "5"), "--clip 5: give two numbers LOW,HIGH");
        assertUsageError(run("preprocess", "--in", csv.toString(), "--shard", "3/3"), "need WORLD >= 1 and 0 <= RANK < WORLD");
        assertUsageError(run("preprocess", "--in", csv.toString(), "--columns", "a,zzz", "--out", base.resolve("t").toString()), "zzz");
    }

    @Test
    void helpListsPreprocessAndBenchFirst() {
        KilnCliTest.Result r = run("--help");
        assertEquals(0, r.exit(), r::toString);
        int pre = r.out().indexOf("\n  preprocess "), bench = r.out().indexOf("\n  bench "), demo = r.out().indexOf("\n  demo ");
        assertTrue(pre > 0 && bench > pre && demo > bench, r::toString);
        KilnCliTest.Result h = run("preprocess", "--help");
        for (String o : List.of("--in", "--out", "--preset", "--batch", "--device", "--workers", "--prefetch", "--on-error", "--shuffle",
                "--seed", "--shard", "--limit", "--decoder", "--shard-size", "--columns", "--quiet", "--trace")) {
            assertTrue(h.out().contains(o), () -> o + " missing:\n" + h);
        }
        assertEquals("imagenet-eval", io.kiln.cli.preprocess.ImagePreset.IMAGENET_EVAL.id().toLowerCase(Locale.ROOT));
    }
}
