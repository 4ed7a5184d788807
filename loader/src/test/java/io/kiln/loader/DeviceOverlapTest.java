package io.kiln.loader;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The device stage keeps several batches on the device (issue 13): a user's graph, planned once per ring
 * slot, runs on every batch with the batch of the next slot's runs started before this one's ended; the
 * batches still come in order and equal the plan run batch by batch after the loader without it; a plan
 * failing mid-stream stops the run naming the batch; {@code close()} mid-stream waits for the runs in
 * flight and frees every tensor.
 */
@Timeout(300)
class DeviceOverlapTest {
    private static final int BATCH = 8;
    private static final long PER = 3L * 224 * 224;

    /**
     * The user's kernel: an affine map in place (exact in float: {@code x * 0.5} is exact, so a fused
     * multiply-add rounds the same) after {@code rounds} of arithmetic on a copy that never changes the result
     * (the copy stays below 3, so the test never adds 1) but that no compiler can drop: the device's work per batch.
     */
    static void work(FloatArray t, int rounds) {
        for (@Parallel long i = 0; i < t.length(); i++) {
            float v = t.get(i);
            float acc = v;
            for (int r = 0; r < rounds; r++) acc = acc * 0.75f + 0.5f;
            t.set(i, v * 0.5f - 3f + (acc > 1e30f ? 1f : 0f));
        }
    }

    /** Fails (reads past the end, which cpu checks) on the batch whose first element is {@code marker[0]}. */
    static void failOn(FloatArray t, FloatArray marker) {
        for (@Parallel long i = 0; i < t.length(); i++) {
            long at = t.get(0) == marker.get(0) ? i + t.length() : i;
            t.set(i, t.get(at) * 0.5f);
        }
    }

    private static ImageLoader.Builder loader(String name, Device d) {
        return ImageLoader.builder(SampleSource.directory(LoaderFixtures.smallImages())).batchSize(BATCH).workers(2).prefetch(3)
                .device(d).name(name);
    }

    private static TaskGraph workGraph(FloatArray input, int rounds) {
        return new TaskGraph("work").transferToDevice(Transfer.EVERY_RUN, input).task("work", DeviceOverlapTest::work, input, rounds)
                .transferToHost(Transfer.EVERY_RUN, input);
    }

    /** Each batch's real rows, closing the batch. */
    private static List<float[]> batches(ImageLoader l, List<Long> numbers) {
        List<float[]> out = new ArrayList<>();
        for (Batch b : l) {
            try (b) {
                numbers.add(b.number());
                float[] v = new float[(int) (b.size() * PER)];
                b.tensor().copyTo(0, v, 0, v.length);
                out.add(v);
            }
        }
        return out;
    }

    private static List<Device> devices() {
        List<Device> d = new ArrayList<>(List.of(Devices.get("cpu")));
        try {
            d.add(Devices.get("opencl:0"));
        } catch (RuntimeException e) {
            System.out.println("DeviceOverlapTest: no opencl:0 (" + e.getMessage() + "): the overlap is tested on cpu only;"
                    + " CI needs an OpenCL driver (pocl-opencl-icd) for the opencl:0 half");
        }
        return d;
    }

    /** Spans of the device stage, collected from the loader's threads. */
    private static final class DeviceSpans implements LoaderListener {
        final List<Span> spans = Collections.synchronizedList(new ArrayList<>());

        @Override
        public boolean wantsSpans() {
            return true;
        }

        @Override
        public void onSpan(Span s) {
            if (s.stage() == Stage.DEVICE) spans.add(s);
        }

        /** Pairs of batches whose device runs were executing at the same time. */
        int overlappingPairs() {
            List<Span> l = new ArrayList<>(spans);
            int pairs = 0;
            for (int i = 0; i < l.size(); i++) {
                for (int j = i + 1; j < l.size(); j++) {
                    if (l.get(i).startNanos() < l.get(j).endNanos() && l.get(j).startNanos() < l.get(i).endNanos()) pairs++;
                }
            }
            return pairs;
        }
    }

    @Test
    void batchesComeInOrderEqualToThePlanRunBatchByBatchWithSeveralOnTheDevice() {
        for (Device d : devices()) {
            // the reference: the loader without a device plan, then the plan run on each batch alone, one after another
            List<Long> plainNumbers = new ArrayList<>();
            List<float[]> plain;
            try (ImageLoader l = loader("t-ovl-plain", d).build()) {
                plain = batches(l, plainNumbers);
            }
            int rounds = d.id().equals("cpu") ? 40 : 20;
            List<float[]> reference = new ArrayList<>();
            try (FloatArray in = FloatArray.allocate(BATCH * PER); ExecutionPlan p = workGraph(in, rounds).plan(d)) {
                for (float[] b : plain) {
                    try (FloatArray one = FloatArray.allocate(BATCH * PER)) {
                        one.copyFrom(b, 0, 0, b.length);
                        p.run(Bindings.of().data(in, one));
                        float[] r = new float[b.length];
                        one.copyTo(0, r, 0, r.length);
                        reference.add(r);
                    }
                }
            }
            DeviceSpans spans = new DeviceSpans();
            List<Long> numbers = new ArrayList<>();
            List<float[]> got;
            LoaderReport report;
            try (FloatArray input = FloatArray.allocate(BATCH * PER);
                 ImageLoader l = loader("t-ovl", d).devicePlan(workGraph(input, rounds), input).listener(spans).build()) {
                got = batches(l, numbers);
                report = l.report();
            }
            assertEquals(plainNumbers, numbers, d.id() + ": batches in order");
            assertEquals(List.of(0L, 1L, 2L, 3L, 4L), numbers, d.id());
            for (int b = 0; b < got.size(); b++) {
                assertEquals(reference.get(b).length, got.get(b).length, d.id() + " batch " + b);
                for (int i = 0; i < got.get(b).length; i++) {
                    float java = plain.get(b)[i] * 0.5f - 3f; // Java's float arithmetic: an independent reference
                    assertEquals(Float.floatToRawIntBits(reference.get(b)[i]), Float.floatToRawIntBits(got.get(b)[i]),
                            d.id() + " batch " + b + " element " + i);
                    assertEquals(Float.floatToRawIntBits(java), Float.floatToRawIntBits(got.get(b)[i]), d.id() + " batch " + b + " element " + i);
                }
            }
            StageMetrics dev = report.stages().get(Stage.DEVICE);
            System.out.println("DeviceOverlapTest " + d.id() + ": " + spans.overlappingPairs() + " overlapping pairs of batch runs, at most "
                    + dev.maxQueueDepth() + " batches on the device, " + report.deviceOverlapNanos() / 1e6 + " ms with two or more; "
                    + spans.spans.stream().map(Span::label).toList());
            assertEquals(5, spans.spans.size(), "one device span per batch");
            assertTrue(dev.maxQueueDepth() >= 2, d.id() + ": several batches on the device at once: " + report.summary());
            assertTrue(report.deviceOverlapNanos() > 0, d.id() + ": " + report.summary());
            // the runs themselves (the spans go from the pipeline run's start to the plan run's end) were executing together
            assertTrue(spans.overlappingPairs() >= 1, d.id() + ": the runs of two batches overlap in time: " + spans.spans);
            assertEquals(report.read(), report.delivered() + report.skipped() + report.abandoned());
        }
        assertEquals(Set.of(), LoaderFixtures.liveThreads("t-ovl"));
    }

    @Test
    void aPlanFailingMidStreamStopsTheRunNamingTheBatch() {
        Device cpu = Devices.get("cpu");
        List<float[]> plain;
        try (ImageLoader l = loader("t-ovl-ref", cpu).build()) {
            plain = batches(l, new ArrayList<>());
        }
        List<Long> numbers = new ArrayList<>();
        LoaderReport report;
        try (FloatArray input = FloatArray.allocate(BATCH * PER); FloatArray marker = FloatArray.of(plain.get(2)[0])) {
            for (int b = 0; b < plain.size(); b++) {
                if (b != 2) Assumptions.assumeTrue(plain.get(b)[0] != plain.get(2)[0], "batch " + b + " starts as batch 2 does");
            }
            TaskGraph g = new TaskGraph("fail").transferToDevice(Transfer.EVERY_RUN, input)
                    .task("failOn", DeviceOverlapTest::failOn, input, marker).transferToHost(Transfer.EVERY_RUN, input);
            try (ImageLoader l = loader("t-ovl-fail", cpu).devicePlan(g, input).build()) {
                LoaderException e = assertThrows(LoaderException.class, () -> batches(l, numbers));
                assertTrue(e.getMessage().contains("the device plan failed on batch 2 of epoch 0"), e.getMessage());
                assertTrue(e.getCause() instanceof ArrayIndexOutOfBoundsException, "the kernel's bounds failure is the cause: " + e.getCause());
                report = l.report();
            }
        }
        // batches 0 and 1 may have been dropped from the ready queue by the failure, never reordered, never 2 or later
        assertTrue(numbers.equals(List.of()) || numbers.equals(List.of(0L)) || numbers.equals(List.of(0L, 1L)), numbers.toString());
        assertTrue(report.finished());
        assertEquals(report.read(), report.delivered() + report.skipped() + report.abandoned(), report.summary());
        assertEquals(numbers.size() * (long) BATCH, report.delivered());
        assertEquals(Set.of(), LoaderFixtures.liveThreads("t-ovl-fail"));
    }

    @Test
    void closeMidStreamWaitsForTheRunsInFlightAndFreesEverything() {
        for (Device d : devices()) {
            String name = "t-ovl-close-" + d.id().replace(':', '-');
            FloatArray held;
            LoaderReport report;
            try (FloatArray input = FloatArray.allocate(BATCH * PER)) {
                ImageLoader l = loader(name, d).devicePlan(workGraph(input, d.id().equals("cpu") ? 40 : 20), input).build();
                var it = l.iterator();
                assertTrue(it.hasNext());
                Batch first = it.next();
                held = first.tensor();
                assertEquals(0, first.number());
                l.close(); // batches 1.. are on the device, decoding or waiting
                assertTrue(held.isClosed(), "the ring's tensors are freed by close()");
                assertThrows(IllegalStateException.class, () -> held.get(0));
                assertTrue(!it.hasNext(), "the iterator ends after close()");
                report = l.report();
                first.close();
            }
            assertTrue(report.finished());
            assertEquals(report.read(), report.delivered() + report.skipped() + report.abandoned(), report.summary());
            assertEquals(BATCH, report.delivered());
            assertEquals(Set.of(), LoaderFixtures.liveThreads(name), d.id() + ": no loader thread left");
        }
    }
}
