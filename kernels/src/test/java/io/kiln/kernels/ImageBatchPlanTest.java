package io.kiln.kernels;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.FloatArray;
import io.kiln.RunResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ImagePipeline#batchPlan}: one plan per output buffer, rebound to batches of other sizes and
 * other pixel arrays, gives bit for bit what the pipeline gives one image at a time; two plans run at
 * once; misuse is refused with a message that says what to do.
 */
class ImageBatchPlanTest {
    private static final int PER = 3 * 224 * 224;

    private static List<Device> devices() {
        List<Device> d = new ArrayList<>(List.of(Devices.get("cpu")));
        try {
            d.add(Devices.get("opencl:0"));
        } catch (RuntimeException e) {
            System.out.println("ImageBatchPlanTest: no opencl:0 (" + e.getMessage() + "): cpu only; CI needs pocl-opencl-icd for the rest");
        }
        return d;
    }

    /** Batches of 4, 2 (a short last batch) and 3 images of sizes that differ from batch to batch, seeds printed. */
    private static List<List<Image>> batches(long seed) {
        int[][][] sizes = {{{256, 256}, {300, 200}, {241, 239}, {500, 375}}, {{224, 224}, {1000, 257}}, {{257, 1000}, {320, 240}, {230, 260}}};
        List<List<Image>> out = new ArrayList<>();
        long s = seed;
        for (int[][] b : sizes) {
            List<Image> l = new ArrayList<>();
            for (int[] wh : b) l.add(s % 2 == 0 ? ImageResizeTest.smooth(s++, wh[0], wh[1], 3) : ImageResizeTest.random(s++, wh[0], wh[1], 3));
            out.add(l);
        }
        System.out.println("batch plan inputs seeds " + seed + ".." + (s - 1));
        return out;
    }

    @Test
    void oneRebuiltNeverPlanPerBufferEqualsTheImagesOneAtATime() {
        for (Device d : devices()) {
            for (ImagePipeline chain : List.of(ImagePresets.imagenetEval(), ImagePresets.imagenetTrain(5))) {
                List<List<Image>> bs = batches(500);
                ImagePipeline alone = chain.withSeed(5);       // the same random draws, one image at a time
                ImagePipeline batched = chain.withSeed(5);
                try (FloatArray out = FloatArray.allocate(4L * PER); ImagePipeline.BatchPlan plan = batched.batchPlan(4, out, d)) {
                    for (int b = 0; b < bs.size(); b++) {
                        List<Image> imgs = bs.get(b);
                        assertEquals(imgs.size(), plan.prepare(ImageBatch.of(imgs)));
                        RunResult r = plan.run();
                        assertTrue(r.totalNanos() > 0, r.toString());
                        for (int i = 0; i < imgs.size(); i++) {
                            float[] want = alone.apply(imgs.get(i), d);
                            for (int k = 0; k < PER; k++) {
                                assertEquals(Float.floatToRawIntBits(want[k]), Float.floatToRawIntBits(out.get((long) i * PER + k)),
                                        d.id() + " " + chain + " batch " + b + " image " + i + " element " + k);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void twoPlansRunAtOnceAndMisuseIsRefused() {
        Device cpu = Devices.get("cpu");
        List<List<Image>> bs = batches(700);
        ImagePipeline eval = ImagePresets.imagenetEval();
        try (FloatArray a = FloatArray.allocate(4L * PER); FloatArray b = FloatArray.allocate(4L * PER);
             ImagePipeline.BatchPlan pa = eval.batchPlan(4, a, cpu); ImagePipeline.BatchPlan pb = eval.batchPlan(4, b, cpu)) {
            assertThrows(IllegalStateException.class, pa::runAsync, "nothing prepared");
            pa.prepare(ImageBatch.of(bs.get(0)));
            pb.prepare(ImageBatch.of(bs.get(2)));
            CompletableFuture<RunResult> fa = pa.runAsync(), fb = pb.runAsync();
            CompletableFuture.allOf(fa, fb).join();
            float[] wa = eval.applyBatch(bs.get(0), cpu), wb = eval.applyBatch(bs.get(2), cpu);
            for (int k = 0; k < wa.length; k++) assertEquals(Float.floatToRawIntBits(wa[k]), Float.floatToRawIntBits(a.get(k)), "a " + k);
            for (int k = 0; k < wb.length; k++) assertEquals(Float.floatToRawIntBits(wb[k]), Float.floatToRawIntBits(b.get(k)), "b " + k);
            List<Image> five = new ArrayList<>(bs.get(0));
            five.add(bs.get(1).get(0));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> pa.prepare(ImageBatch.of(five)));
            assertTrue(e.getMessage().contains("a batch of 5 images for a plan of at most 4"), e.getMessage());
            pa.close();
            IllegalStateException c = assertThrows(IllegalStateException.class, () -> pa.prepare(ImageBatch.of(bs.get(1))));
            assertTrue(c.getMessage().contains("closed"), c.getMessage());
        }
        try (FloatArray small = FloatArray.allocate(PER)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> eval.batchPlan(2, small, cpu));
            assertTrue(e.getMessage().contains("a batch of 2 images needs " + 2 * PER), e.getMessage());
        }
    }
}
