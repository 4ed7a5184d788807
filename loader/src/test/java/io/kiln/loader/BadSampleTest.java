package io.kiln.loader;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.kiln.loader.LoaderFixtures.liveThreads;
import static io.kiln.loader.LoaderFixtures.smallImages;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Every kind of bad sample, under SKIP (left out, exact accounting) and FAIL (the run stops, naming the sample). */
@Timeout(120)
class BadSampleTest {

    /** The bad samples, by the kind each must be filed under, mixed with 16 good ones. */
    private static List<Sample> mixed(Path dir, Map<String, FailureKind> expected) throws IOException {
        Files.createDirectories(dir);
        List<Sample> good = SampleSource.directory(smallImages()).listed().subList(0, 16);
        byte[] jpeg = Files.readAllBytes(good.get(0).path());
        List<Sample> out = new ArrayList<>(good);
        Path truncated = dir.resolve("truncated.jpg");
        Files.write(truncated, java.util.Arrays.copyOf(jpeg, jpeg.length / 2));
        Path garbage = dir.resolve("garbage.jpg");
        byte[] g = new byte[5000];
        new java.util.Random(3).nextBytes(g);
        Files.write(garbage, g);
        Path jpegGarbage = dir.resolve("jpeg-header-garbage.jpg");
        byte[] jg = java.util.Arrays.copyOf(jpeg, jpeg.length);
        for (int i = 700; i < jg.length - 2; i++) jg[i] = (byte) (i * 31);
        Files.write(jpegGarbage, jg);
        Path empty = dir.resolve("empty.jpg");
        Files.write(empty, new byte[0]);
        Path missing = dir.resolve("missing.jpg");
        Path folder = Files.createDirectories(dir.resolve("a-folder.jpg"));
        add(out, expected, Sample.of(truncated), FailureKind.CORRUPT);
        add(out, expected, Sample.of(garbage), FailureKind.CORRUPT);
        add(out, expected, Sample.of(jpegGarbage), FailureKind.CORRUPT);
        add(out, expected, Sample.of(empty), FailureKind.CORRUPT);
        add(out, expected, Sample.of(missing), FailureKind.UNREADABLE);
        add(out, expected, Sample.of(folder), FailureKind.UNREADABLE);
        add(out, expected, Sample.of("text", "not an image at all".getBytes()), FailureKind.CORRUPT);
        // a large image: more pixels than the loader allows (maxPixels is set to 100 x 100 below)
        add(out, expected, Sample.of("large", SampleImages.encode(SampleImages.render(1, 1, 160), 0.9f)), FailureKind.WRONG_SIZE);
        // a PNG decodes (ImageIO) and is good
        java.io.ByteArrayOutputStream png = new java.io.ByteArrayOutputStream();
        javax.imageio.ImageIO.write(javax.imageio.ImageIO.read(good.get(1).path().toFile()), "png", png);
        out.add(Sample.of("good.png", png.toByteArray()));
        // interleave: the bad ones spread over the batches
        java.util.Collections.shuffle(out, new java.util.Random(11));
        return out;
    }

    private static void add(List<Sample> out, Map<String, FailureKind> expected, Sample s, FailureKind kind) {
        out.add(s);
        expected.put(s.id(), kind);
    }

    @Test
    void skipLeavesEachBadSampleOutWithItsReason(@TempDir Path dir) throws IOException {
        for (Decoder decoder : new Decoder[] {Decoder.AUTO, Decoder.IMAGEIO}) {
            Map<String, FailureKind> expected = new HashMap<>();
            List<Sample> samples = mixed(dir.resolve(decoder.name()), expected);
            Map<String, FailureKind> seen = new HashMap<>();
            int delivered = 0;
            try (ImageLoader l = ImageLoader.builder(SampleSource.samples(samples)).batchSize(5).workers(2).decoder(decoder)
                    .maxPixels(100 * 100).name("t-skip").onBadSample(BadSamplePolicy.SKIP).build()) {
                for (Batch b : l) {
                    try (b) {
                        delivered += b.size();
                        for (Failure f : b.failures()) seen.put(f.id(), f.kind());
                        for (String id : b.ids()) assertTrue(!expected.containsKey(id), id + " is bad but was delivered");
                        assertEquals(5, b.size() + b.failures().size(), "a batch's range: delivered + failed");
                    }
                }
                LoaderReport r = l.report();
                System.out.println(decoder + ": " + r.failures());
                assertEquals(expected, seen, decoder + ": every bad sample with its kind, in its batch");
                assertEquals(samples.size(), r.read());
                assertEquals(samples.size() - expected.size(), r.delivered());
                assertEquals(delivered, r.delivered());
                assertEquals(expected.size(), r.skipped());
                assertEquals(r.read(), r.delivered() + r.skipped(), "delivered + skipped == read");
                assertEquals(0, r.abandoned());
                Map<FailureKind, Long> byKind = new EnumMap<>(FailureKind.class);
                expected.values().forEach(k -> byKind.merge(k, 1L, Long::sum));
                assertEquals(byKind, r.skippedByKind());
                for (Failure f : r.failures()) {
                    assertTrue(f.index() >= 0 && f.index() < samples.size());
                    assertEquals(samples.get((int) f.index()).id(), f.id());
                    assertTrue(!f.message().isBlank());
                }
            }
        }
        assertEquals(Set.of(), liveThreads("t-skip"));
    }

    @Test
    void failStopsTheRunAndNamesTheSample(@TempDir Path dir) throws IOException {
        Map<String, FailureKind> expected = new HashMap<>();
        List<Sample> samples = mixed(dir, expected);
        for (Map.Entry<String, FailureKind> bad : expected.entrySet()) {
            // one bad sample among good ones, under FAIL
            List<Sample> one = new ArrayList<>();
            for (Sample s : samples) if (!expected.containsKey(s.id()) || s.id().equals(bad.getKey())) one.add(s);
            try (ImageLoader l = ImageLoader.builder(SampleSource.samples(one)).batchSize(4).workers(2).maxPixels(100 * 100)
                    .name("t-fail").onBadSample(BadSamplePolicy.FAIL).build()) {
                LoaderException e = assertThrows(LoaderException.class, () -> {
                    for (Batch b : l) b.close();
                });
                assertNotNull(e.failure(), e.getMessage());
                assertEquals(bad.getKey(), e.failure().id());
                assertEquals(bad.getValue(), e.failure().kind());
                assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
                assertEquals(Set.of(), liveThreads("t-fail"), "the loader stopped every thread before throwing");
                LoaderReport r = l.report();
                assertTrue(r.finished());
                assertEquals(r.read(), r.delivered() + r.skipped() + r.abandoned());
                assertEquals(0, r.skipped());
                assertTrue(r.abandoned() >= 1, "the failing sample is not delivered");
            }
        }
    }

    @Test
    void aTransformThatThrowsIsATransformFailure() {
        List<Sample> good = SampleSource.directory(smallImages()).listed().subList(0, 12);
        try (ImageLoader l = ImageLoader.builder(SampleSource.samples(good)).batchSize(4).name("t-transform")
                .sampleTransform((img, index, id, r) -> {
                    if (index % 5 == 0) throw new IllegalArgumentException("no multiples of five");
                    return img;
                }).build()) {
            int n = 0;
            for (Batch b : l) {
                try (b) {
                    n += b.size();
                }
            }
            assertEquals(9, n);
            assertEquals(Map.of(FailureKind.TRANSFORM, 3L), l.report().skippedByKind());
        }
    }

    @Test
    void aSourceIteratorThatThrowsIsAnUnreadableSample() {
        List<Sample> good = SampleSource.directory(smallImages()).listed().subList(0, 6);
        java.util.Iterator<Sample> it = new java.util.Iterator<>() {
            int i;

            @Override
            public boolean hasNext() {
                return i < 7;
            }

            @Override
            public Sample next() {
                int k = i++;
                if (k == 3) throw new IllegalStateException("object store said 503");
                return good.get(k > 3 ? k - 1 : k);
            }
        };
        try (ImageLoader l = ImageLoader.builder(SampleSource.iterator(it)).batchSize(4).name("t-iter").build()) {
            int n = 0;
            for (Batch b : l) {
                try (b) {
                    n += b.size();
                }
            }
            assertEquals(6, n);
            LoaderReport r = l.report();
            assertEquals(7, r.read());
            assertEquals(1, r.skipped());
            assertEquals(FailureKind.UNREADABLE, r.failures().get(0).kind());
            assertEquals("#3", r.failures().get(0).id());
        }
    }
}
