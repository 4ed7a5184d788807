package io.kiln.spark;

import io.kiln.Devices;
import io.kiln.kernels.ImagePresets;
import io.kiln.loader.Decoder;
import io.kiln.loader.SampleImages;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The image transformer over {@code binaryFile} rows against the library on the same decoded images:
 * 12 generated JPEGs of random sizes, a PNG, a corrupt file and a truncated JPEG.
 */
class ImageTransformerTest {
    static SparkSession spark;
    @TempDir
    static Path dir;
    static List<Path> good;

    @BeforeAll
    static void start() throws Exception {
        long seed = System.nanoTime();
        System.out.println("ImageTransformerTest seed " + seed);
        good = SampleImages.ensure(dir.resolve("images"), 12, seed, 160);
        Random rnd = new Random(seed);
        byte[] junk = new byte[500];
        rnd.nextBytes(junk);
        Files.write(dir.resolve("images/corrupt.jpg"), junk);
        byte[] jpeg = Files.readAllBytes(good.get(0));
        Files.write(dir.resolve("images/truncated.jpg"), Arrays.copyOf(jpeg, jpeg.length / 3));
        spark = SparkTests.session("ImageTransformerTest");
    }

    static Dataset<Row> files() {
        return spark.read().format("binaryFile").option("pathGlobFilter", "*.jpg").load(dir.resolve("images").toString())
                .repartition(3);
    }

    @Test
    void tensorsEqualThePresetOnTheSameDecodedImageAndBadRowsAreCounted() {
        KilnImageTransformer t = new KilnImageTransformer().setBatchSize(4);
        List<Row> rows = t.transform(files()).select("path", "content", "tensor").collectAsList();
        assertEquals(good.size(), rows.size(), "the corrupt and the truncated file are dropped");
        assertEquals(2L, t.skipped().value(), "skipped rows counted");
        System.out.println("decoder: " + Decoder.turboJpegStatus());
        for (Row r : rows) {
            float[] expected = ImagePresets.imagenetEval().apply(Decoder.AUTO.decode((byte[]) r.get(1), 3), Devices.get("cpu"));
            List<Float> got = r.getList(2);
            assertEquals(3 * 224 * 224, got.size(), "tensor of " + r.get(0));
            float[] actual = new float[got.size()];
            for (int i = 0; i < actual.length; i++) actual[i] = got.get(i);
            assertArrayEquals(expected, actual, 0f, "tensor of " + r.get(0));
        }
    }

    @Test
    void rowPathAndInternalRowPathGiveTheSameTensorsAndCounts() {
        assertTrue(InternalRows.available(files()), "local[2] is classic Spark: the fast path is on");
        KilnImageTransformer t = new KilnImageTransformer().setBatchSize(5);
        // sorted here, not by Spark: a Spark sort samples its input first, computing the transform (and the count) twice
        java.util.Comparator<Row> byPath = java.util.Comparator.comparing(r -> r.getString(0));
        List<Row> fast = new java.util.ArrayList<>(t.transform(files()).select("path", "length", "tensor").collectAsList());
        fast.sort(byPath);
        assertEquals(2L, t.skipped().value(), "internal rows: skipped rows counted");
        System.setProperty(InternalRows.ROW_PATH, "true");
        try {
            List<Row> slow = new java.util.ArrayList<>(t.transform(files()).select("path", "length", "tensor").collectAsList());
            slow.sort(byPath);
            assertEquals(2L, t.skipped().value(), "row path: skipped rows counted");
            assertEquals(fast.size(), slow.size());
            for (int i = 0; i < fast.size(); i++) {
                assertEquals(fast.get(i).get(0), slow.get(i).get(0));
                assertEquals(fast.get(i).get(1), slow.get(i).get(1));
                assertEquals(fast.get(i).getList(2), slow.get(i).getList(2), "tensor of " + fast.get(i).get(0));
            }
        } finally {
            System.clearProperty(InternalRows.ROW_PATH);
        }
        assertEquals(good.size(), fast.size());
    }

    @Test
    void failPolicyFailsTheJobNamingTheFile() {
        KilnImageTransformer t = new KilnImageTransformer().setOnBadImage("fail");
        Exception e = assertThrows(Exception.class, () -> t.transform(files()).count());
        String all = e.toString() + (e.getCause() == null ? "" : e.getCause().toString());
        assertTrue(all.contains("does not decode") && (all.contains("corrupt.jpg") || all.contains("truncated.jpg")), all);
    }

    @Test
    void savedTransformerKeepsItsParametersAndWrongColumnsAreRefused() throws Exception {
        KilnImageTransformer t = new KilnImageTransformer().setPreset("imagenet-train").setSeed(42).setOutputCol("x");
        t.write().save(dir.resolve("saved").toString());
        KilnImageTransformer back = KilnImageTransformer.load(dir.resolve("saved").toString());
        assertEquals("imagenet-train", back.getOrDefault(back.preset()));
        assertEquals(42L, back.getOrDefault(back.seed()));
        assertEquals("x", back.getOrDefault(back.outputCol()));
        var e = assertThrows(IllegalArgumentException.class, () -> new KilnImageTransformer().setInputCol("path").transform(files()));
        assertTrue(e.getMessage().contains("must be binary"), e.getMessage());
        // the seeded train preset gives the same tensors twice for the same partitioning
        Dataset<Row> in = files().sortWithinPartitions("path");
        List<Row> a = t.transform(in).select("path", "x").collectAsList();
        List<Row> b = back.transform(in).select("path", "x").collectAsList();
        assertEquals(a, b);
    }
}
