package io.kiln.loader;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.FloatArray;
import io.kiln.kernels.Image;
import io.kiln.kernels.ImagePipeline;
import io.kiln.kernels.ImagePresets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static io.kiln.loader.LoaderFixtures.idsOf;
import static io.kiln.loader.LoaderFixtures.liveThreads;
import static io.kiln.loader.LoaderFixtures.smallImages;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The image loader's semantics: order, shuffle, shards, epochs, last batch, backpressure, closing, results. */
@Timeout(120)
class ImageLoaderTest {
    private static final Device CPU = Devices.get("cpu");

    private static SampleSource source() {
        return SampleSource.directory(smallImages());
    }

    private static List<String> allIds() {
        List<String> ids = new ArrayList<>();
        for (Sample s : source().listed()) ids.add(s.id());
        return ids;
    }

    private static ImageLoader.Builder loader(String name) {
        return ImageLoader.builder(source()).batchSize(8).workers(2).prefetch(3).device(CPU).name(name);
    }

    @AfterEach
    void noThreadsLeft() throws InterruptedException {
        // every test closes its loaders: no platform thread of a loader may outlive it
        for (int i = 0; i < 50 && !liveThreads("t-").isEmpty(); i++) Thread.sleep(20);
        assertEquals(Set.of(), liveThreads("t-"), "loader threads still alive after close");
    }

    @Test
    void resultsEqualThePipelineAppliedOneImageAtATime() throws IOException {
        ImagePipeline eval = ImagePresets.imagenetEval();
        try (ImageLoader l = loader("t-equal").decoder(Decoder.IMAGEIO).pipeline(eval).build()) {
            int seen = 0;
            for (Batch b : l) {
                try (b) {
                    float[] got = b.toArray();
                    int per = 3 * 224 * 224;
                    assertArrayEquals(new long[] {b.size(), 3, 224, 224}, b.shape());
                    for (int i = 0; i < b.size(); i++) {
                        Image ref = LoaderFixtures.imageIoRgb(Files.readAllBytes(Path.of(b.ids().get(i))));
                        float[] one = ImagePresets.imagenetEval().apply(ref, CPU);
                        assertArrayEquals(one, Arrays.copyOfRange(got, i * per, (i + 1) * per), 0f, b.ids().get(i));
                        seen++;
                    }
                }
            }
            assertEquals(40, seen);
            LoaderReport r = l.report();
            assertEquals(java.util.Map.of("imageio", 40L), r.decoders());
            assertTrue(r.finished());
        }
    }

    @Test
    void orderedDeliversTheSourceOrderAndUnorderedTheSameBatches() {
        List<String> all = allIds();
        List<List<String>> ordered;
        try (ImageLoader l = loader("t-order").build()) {
            ordered = idsOf(l);
        }
        List<String> flat = ordered.stream().flatMap(List::stream).toList();
        assertEquals(all, flat);
        assertEquals(5, ordered.size());
        try (ImageLoader l = loader("t-unordered").order(Order.UNORDERED).workers(2).build()) {
            Set<List<String>> got = new HashSet<>();
            for (Batch b : l) {
                try (b) {
                    // under either order, batch k holds samples 8k .. 8k+7
                    assertEquals(all.subList((int) b.number() * 8, (int) b.number() * 8 + 8), b.ids());
                    got.add(List.copyOf(b.ids()));
                }
            }
            assertEquals(new HashSet<>(ordered), got);
        }
    }

    @Test
    void shuffleIsReproduciblePerEpochAndEveryEpochIsAPermutation() {
        long seed = 12345;
        System.out.println("shuffle seed " + seed);
        List<List<String>> a, b, c;
        try (ImageLoader l = loader("t-shuffle-a").shuffle(seed).epochs(3).build()) {
            a = perEpoch(l);
        }
        try (ImageLoader l = loader("t-shuffle-b").shuffle(seed).epochs(3).build()) {
            b = perEpoch(l);
        }
        try (ImageLoader l = loader("t-shuffle-c").shuffle(seed + 1).epochs(1).build()) {
            c = perEpoch(l);
        }
        assertEquals(a, b, "same seed, same order in every epoch");
        assertNotEquals(a.get(0), a.get(1), "epochs differ");
        assertNotEquals(a.get(1), a.get(2), "epochs differ");
        assertNotEquals(a.get(0), c.get(0), "another seed, another order");
        assertNotEquals(allIds(), a.get(0), "shuffled at all");
        for (List<String> e : a) assertEquals(new HashSet<>(allIds()), new HashSet<>(e), "an epoch is a permutation");
        for (List<String> e : a) assertEquals(40, e.size());
    }

    private static List<List<String>> perEpoch(ImageLoader l) {
        List<List<String>> epochs = new ArrayList<>();
        for (Batch b : l) {
            try (b) {
                while (epochs.size() <= b.epoch()) epochs.add(new ArrayList<>());
                epochs.get(b.epoch()).addAll(b.ids());
            }
        }
        return epochs;
    }

    @Test
    void shardsCoverEverySampleExactlyOnce() {
        for (int world : new int[] {1, 2, 3, 7}) {
            List<String> union = new ArrayList<>();
            for (int rank = 0; rank < world; rank++) {
                try (ImageLoader l = loader("t-shard").shuffle(99).shard(rank, world).build()) {
                    List<String> mine = idsOf(l).stream().flatMap(List::stream).toList();
                    assertEquals(l.expectedSamples(), mine.size(), "rank " + rank + " of " + world);
                    union.addAll(mine);
                }
            }
            assertEquals(40, union.size(), "world " + world + ": no sample twice");
            assertEquals(new HashSet<>(allIds()), new HashSet<>(union), "world " + world + ": every sample");
        }
    }

    @Test
    void epochsAndLastBatchPolicies() {
        // 20 samples in batches of 8: 8, 8 and 4 left over
        List<Sample> twenty = source().listed().subList(0, 20);
        int[][] sizes = new int[3][];
        long[] padded = new long[3];
        for (LastBatch p : LastBatch.values()) {
            List<Integer> s = new ArrayList<>();
            try (ImageLoader l = ImageLoader.builder(SampleSource.samples(twenty)).batchSize(8).workers(2).name("t-last")
                    .lastBatch(p).epochs(2).build()) {
                for (Batch b : l) {
                    try (b) {
                        s.add(b.size());
                        if (p == LastBatch.PAD && b.size() == 4) {
                            assertEquals(4, b.padding());
                            assertArrayEquals(new long[] {8, 3, 224, 224}, b.shape());
                            float[] all = b.toArray();
                            int per = 3 * 224 * 224;
                            for (int i = 4 * per; i < 8 * per; i++) assertEquals(0f, all[i], "padding rows are zeros");
                            assertNotEquals(0f, all[3 * per + 5], "the last sample is there");
                        } else {
                            assertEquals(0, b.padding());
                        }
                    }
                }
                LoaderReport r = l.report();
                padded[p.ordinal()] = r.padded();
                assertEquals(2, r.epochs());
                if (p == LastBatch.DROP) assertEquals(8, r.dropped());
                assertEquals(r.read(), r.delivered() + r.skipped());
                assertEquals(l.expectedSamples(), r.read());
            }
            sizes[p.ordinal()] = s.stream().mapToInt(Integer::intValue).toArray();
        }
        assertArrayEquals(new int[] {8, 8, 4, 8, 8, 4}, sizes[LastBatch.KEEP.ordinal()]);
        assertArrayEquals(new int[] {8, 8, 8, 8}, sizes[LastBatch.DROP.ordinal()]);
        assertArrayEquals(new int[] {8, 8, 4, 8, 8, 4}, sizes[LastBatch.PAD.ordinal()]);
        assertEquals(8, padded[LastBatch.PAD.ordinal()]);
    }

    @Test
    void aSlowConsumerKeepsMemoryBounded() throws InterruptedException {
        int prefetch = 2, batch = 4;
        try (ImageLoader l = loader("t-slow").batchSize(batch).prefetch(prefetch).epochs(2).build()) {
            long maxAhead = 0;
            for (Batch b : l) {
                try (b) {
                    Thread.sleep(30);
                    LoaderReport r = l.report();
                    maxAhead = Math.max(maxAhead, r.read() - r.delivered() - r.skipped());
                    assertTrue(r.read() - r.delivered() <= (long) prefetch * batch,
                            "read " + r.read() + " delivered " + r.delivered() + ": more in flight than the ring holds");
                }
            }
            System.out.println("slow consumer: at most " + maxAhead + " samples read ahead (ring holds " + prefetch * batch + ")");
            assertEquals(80, l.report().delivered());
            StageMetrics cons = l.report().stages().get(Stage.CONSUMER);
            assertTrue(cons.busyNanos() > 15 * 30_000_000L, "the consumer's own time is counted: " + cons);
            assertEquals(Stage.CONSUMER, l.report().bottleneck().stage(), l.report().bottleneck().verdict());
        }
    }

    @Test
    void holdingEveryBatchOpenIsAnErrorNotAHang() {
        try (ImageLoader l = loader("t-hold").prefetch(2).build()) {
            Iterator<Batch> it = l.iterator();
            Batch a = it.next(), b = it.next();
            IllegalStateException e = assertThrows(IllegalStateException.class, it::next);
            assertTrue(e.getMessage().contains("close each batch"), e.getMessage());
            a.close();
            b.close();
        }
    }

    @Test
    void closeMidEpochStopsEveryThreadAndReleasesEveryBuffer() throws InterruptedException {
        ImageLoader l = loader("t-cancel").batchSize(4).epochs(50).build();
        Iterator<Batch> it = l.iterator();
        Batch held = it.next();
        FloatArray tensor = held.tensor();
        it.next().close();
        assertFalse(liveThreads("t-cancel").isEmpty(), "running before close");
        l.close();
        assertEquals(Set.of(), liveThreads("t-cancel"), "no thread after close");
        assertTrue(tensor.isClosed(), "the ring's buffers are released");
        assertThrows(IllegalStateException.class, () -> tensor.get(0));
        held.close();
        assertFalse(it.hasNext(), "the iterator ends after close");
        LoaderReport r = l.report();
        assertTrue(r.finished());
        assertEquals(r.read(), r.delivered() + r.skipped() + r.abandoned());
        assertTrue(r.abandoned() > 0);
        l.close(); // idempotent
    }

    @Test
    void closeFromAnotherThreadWakesABlockedConsumer() throws Exception {
        ImageLoader l = loader("t-cancel2").batchSize(4).epochs(100).build();
        Iterator<Batch> it = l.iterator();
        AtomicInteger got = new AtomicInteger();
        Thread consumer = Thread.ofPlatform().name("consumer").start(() -> {
            while (it.hasNext()) {
                try (Batch b = it.next()) {
                    got.incrementAndGet();
                }
            }
        });
        Thread.sleep(300);
        l.close();
        consumer.join(10_000);
        assertFalse(consumer.isAlive(), "the consumer ended");
        assertTrue(got.get() > 0);
    }

    @Test
    void streamedSourcesShardByIndexAndKeepTheirIds() {
        List<Sample> samples = source().listed();
        List<String> union = new ArrayList<>();
        for (int rank = 0; rank < 3; rank++) {
            try (ImageLoader l = ImageLoader.builder(SampleSource.iterator(samples.iterator())).batchSize(5).workers(2)
                    .name("t-stream").shard(rank, 3).build()) {
                assertEquals(-1, l.expectedSamples());
                for (Batch b : l) {
                    try (b) {
                        for (int i = 0; i < b.size(); i++) {
                            assertEquals(rank, b.indices()[i] % 3);
                            assertEquals(samples.get((int) b.indices()[i]).id(), b.ids().get(i));
                            union.add(b.ids().get(i));
                        }
                    }
                }
            }
        }
        assertEquals(new HashSet<>(allIds()), new HashSet<>(union));
        assertEquals(40, union.size());
        assertThrows(IllegalArgumentException.class, () -> ImageLoader.builder(SampleSource.iterator(samples.iterator())).shuffle(1).build());
        assertThrows(IllegalArgumentException.class, () -> ImageLoader.builder(SampleSource.iterator(samples.iterator())).epochs(2).build());
        // a stream supplier gives one pass per epoch
        try (ImageLoader l = ImageLoader.builder(SampleSource.stream(samples::stream)).batchSize(16).name("t-stream2").epochs(2).build()) {
            assertEquals(80, idsOf(l).stream().mapToInt(List::size).sum());
        }
    }

    @Test
    void bytesInMemoryAndLimit() throws IOException {
        List<byte[]> encoded = new ArrayList<>();
        for (Sample s : source().listed().subList(0, 12)) encoded.add(Files.readAllBytes(s.path()));
        try (ImageLoader l = ImageLoader.builder(SampleSource.bytes(encoded)).batchSize(5).name("t-bytes").limit(7).build()) {
            List<List<String>> ids = idsOf(l);
            assertEquals(List.of(List.of("#0", "#1", "#2", "#3", "#4"), List.of("#5", "#6")), ids);
            assertEquals(7, l.report().read());
            assertEquals(7, l.expectedSamples());
        }
    }

    @Test
    void listenerSeesSpansBatchesFailuresAndTheEnd() throws IOException {
        List<Sample> samples = new ArrayList<>(source().listed().subList(0, 10));
        samples.add(Sample.of("garbage", new byte[] {1, 2, 3, 4}));
        ConcurrentHashMap<Stage, AtomicInteger> spans = new ConcurrentHashMap<>();
        Set<String> tracks = ConcurrentHashMap.newKeySet();
        List<BatchInfo> infos = new ArrayList<>();
        List<Failure> failures = new ArrayList<>();
        AtomicInteger ends = new AtomicInteger();
        LoaderListener listener = new LoaderListener() {
            @Override
            public boolean wantsSpans() {
                return true;
            }

            @Override
            public void onSpan(Span s) {
                assertTrue(s.endNanos() >= s.startNanos());
                spans.computeIfAbsent(s.stage(), k -> new AtomicInteger()).incrementAndGet();
                tracks.add(s.thread());
            }

            @Override
            public void onBatch(BatchInfo info) {
                infos.add(info);
                if (infos.size() == 1) throw new IllegalStateException("a listener's exception is not the loader's");
            }

            @Override
            public synchronized void onFailure(Failure f) {
                failures.add(f);
            }

            @Override
            public void onEnd(LoaderReport report) {
                ends.incrementAndGet();
            }
        };
        try (ImageLoader l = ImageLoader.builder(SampleSource.samples(samples)).batchSize(4).workers(2).name("t-listen")
                .listener(listener).build()) {
            idsOf(l);
            assertEquals(10, spans.get(Stage.READ).get());
            assertEquals(10, spans.get(Stage.DECODE).get());
            assertEquals(3, spans.get(Stage.ASSEMBLE).get());
            assertEquals(3, spans.get(Stage.DEVICE).get());
            assertTrue(tracks.contains("device cpu"), tracks.toString());
            assertTrue(tracks.stream().anyMatch(t -> t.matches("t-listen-\\d+-decode-\\d")), tracks.toString());
            assertTrue(tracks.stream().anyMatch(t -> t.matches("t-listen-\\d+-read-\\d+")), tracks.toString());
            assertEquals(3, infos.size());
            assertEquals(10, infos.get(2).delivered());
            assertEquals(1, infos.get(2).skipped());
            assertEquals(11, infos.get(2).expected());
            assertEquals(1, failures.size());
            assertEquals("garbage", failures.get(0).id());
            assertEquals(1, ends.get());
            assertEquals(1, l.report().listenerErrors());
        }
    }

    @Test
    void decodeThreadsHaveTheirOwnRandomStreams() {
        Set<Long> first = ConcurrentHashMap.newKeySet();
        Set<String> threads = ConcurrentHashMap.newKeySet();
        ConcurrentHashMap<String, Long> firstDraw = new ConcurrentHashMap<>();
        try (ImageLoader l = loader("t-rng").seed(5).sampleTransform((img, index, id, random) -> {
            String t = Thread.currentThread().getName();
            threads.add(t);
            long v = random.nextLong();
            if (firstDraw.putIfAbsent(t, v) == null) first.add(v);
            // a mirrored copy, to check the transform's output is what the pipeline gets
            return img;
        }).build()) {
            idsOf(l);
        }
        System.out.println("decode threads used: " + threads);
        assertEquals(threads.size(), first.size(), "each thread's first draw differs: " + firstDraw);
    }
}
