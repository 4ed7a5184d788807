package io.kiln.loader;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import io.kiln.kernels.ImagePresets;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ImageLoader.Builder#devicePlan}: a user's plan, made once, rebound to every batch's tensor,
 * gives exactly the plan's kernel applied to the batches the loader delivers without it; a plan of the
 * wrong size is refused at build time; a failing plan stops the run with the batch named.
 */
class DevicePlanTest {
    private static final int BATCH = 8;

    /** The user's kernel: an affine map in place, as a model's input layer might do. */
    static void affine(FloatArray t, float a, float b) {
        for (@Parallel long i = 0; i < t.length(); i++) {
            t.set(i, a * t.get(i) + b);
        }
    }

    /** A broken kernel: reads past the end of its array. */
    static void broken(FloatArray t) {
        for (@Parallel long i = 0; i < t.length(); i++) {
            t.set(i, t.get(i + 1));
        }
    }

    private static ImageLoader.Builder loader(String name) {
        return ImageLoader.builder(SampleSource.directory(LoaderFixtures.smallImages())).batchSize(BATCH).workers(2).prefetch(3)
                .device(Devices.get("cpu")).name(name);
    }

    private static List<float[]> batches(ImageLoader l) {
        List<float[]> out = new ArrayList<>();
        for (Batch b : l) {
            try (b) {
                float[] v = b.toArray();
                out.add(java.util.Arrays.copyOf(v, (int) (b.size() * v.length / b.shape()[0])));
            }
        }
        return out;
    }

    @Test
    void thePlanRunsOnEveryBatchInPlace() {
        long per = 3L * 224 * 224;
        List<float[]> plain;
        try (ImageLoader l = loader("t-plain").build()) {
            plain = batches(l);
        }
        List<Device> devices = new ArrayList<>(List.of(Devices.get("cpu")));
        try {
            devices.add(Devices.get("opencl:0"));
        } catch (RuntimeException e) {
            System.out.println("DevicePlanTest: no opencl:0 (" + e.getMessage() + "), the plan runs on cpu only");
        }
        for (Device d : devices) {
            FloatArray input = FloatArray.allocate(BATCH * per);
            TaskGraph g = new TaskGraph("affine").transferToDevice(Transfer.EVERY_RUN, input)
                    .task("affine", DevicePlanTest::affine, input, 0.5f, -3f).transferToHost(Transfer.EVERY_RUN, input);
            try (ExecutionPlan plan = g.plan(d); ImageLoader l = loader("t-plan").devicePlan(plan, input).build()) {
                List<float[]> got = batches(l);
                assertEquals(plain.size(), got.size());
                for (int b = 0; b < got.size(); b++) {
                    assertEquals(plain.get(b).length, got.get(b).length);
                    for (int i = 0; i < got.get(b).length; i++) {
                        float want = 0.5f * plain.get(b)[i] + -3f; // Java's float arithmetic: the kernel's reference
                        assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(got.get(b)[i]),
                                d.id() + " batch " + b + " element " + i);
                    }
                }
                assertEquals(plain.stream().mapToLong(a -> a.length / per).sum(), l.report().delivered());
            } finally {
                input.close();
            }
        }
        assertEquals(Set.of(), LoaderFixtures.liveThreads("t-plan"));
    }

    @Test
    void aPlanOfTheWrongSizeIsRefusedAndAFailingPlanNamesTheBatch() {
        try (FloatArray small = FloatArray.allocate(10);
             ExecutionPlan p = new TaskGraph("a").task("affine", DevicePlanTest::affine, small, 1f, 0f).plan(Devices.get("cpu"))) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> loader("t-bad").devicePlan(p, small).build());
            assertTrue(e.getMessage().contains("the device plan's input has 10 floats, a batch tensor " + BATCH * 3 * 224 * 224), e.getMessage());
        }
        try (FloatArray input = FloatArray.allocate(BATCH * 3L * 224 * 224);
             ExecutionPlan p = new TaskGraph("b").task("broken", DevicePlanTest::broken, input).plan(Devices.get("cpu"));
             ImageLoader l = loader("t-broken").devicePlan(p, input).build()) {
            LoaderException e = assertThrows(LoaderException.class, () -> batches(l));
            assertTrue(e.getMessage().contains("the device plan failed on batch 0"), e.getMessage());
            assertTrue(e.getCause() instanceof ArrayIndexOutOfBoundsException, "the kernel's bounds failure is the cause: " + e.getCause());
        }
        assertEquals(Set.of(), LoaderFixtures.liveThreads("t-broken"));
    }
}
