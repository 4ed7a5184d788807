package io.kiln.conformance;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The streaming pattern of docs/memory.md with batches that live for one run: allocate a batch, bind
 * it, run, close it; the next batch in its place. The plan must forget the closed batches it
 * remembers among its recent bindings (it once failed the second run sizing a closed one), every
 * batch's result must be the kernel's, and a closed array still bound is refused by name.
 */
class StreamingClosedBatchesTest {
    static void scale(float k, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < x.length(); i++) y.set(i, k * x.get(i));
    }

    @TestFactory
    List<DynamicTest> batchesClosedAfterTheirRunOnEveryDevice() {
        List<Device> devices = TestDevices.all();
        if (devices.isEmpty()) TestDevices.noDevice();
        List<DynamicTest> tests = new ArrayList<>();
        for (Device d : devices) tests.add(DynamicTest.dynamicTest(d.id(), () -> run(d)));
        return tests;
    }

    private static void run(Device device) {
        long seed = Seeds.BASE ^ device.id().hashCode();
        SplittableRandom r = new SplittableRandom(seed);
        int n = 1031;
        try (FloatArray x = FloatArray.allocate(n); FloatArray y = FloatArray.allocate(n)) {
            TaskGraph g = new TaskGraph("stream").transferToDevice(Transfer.EVERY_RUN, x)
                    .task("scale", StreamingClosedBatchesTest::scale, 1.5f, x, y).transferToHost(Transfer.EVERY_RUN, y);
            try (ExecutionPlan plan = g.plan(device)) {
                for (int k = 0; k < 12; k++) {
                    FloatArray bx = FloatArray.allocate(n), by = FloatArray.allocate(n);
                    float[] in = new float[n];
                    for (int i = 0; i < n; i++) in[i] = (float) r.nextGaussian();
                    bx.copyFrom(in);
                    plan.run(Bindings.of().data(x, bx).data(y, by));
                    for (int i = 0; i < n; i++) {
                        assertEquals(Float.floatToRawIntBits(1.5f * in[i]), Float.floatToRawIntBits(by.get(i)),
                                device.id() + " batch " + k + " element " + i + " seed " + seed);
                    }
                    bx.close();
                    by.close();
                    if (k == 5) {
                        // the closed batch is still bound: a plain run() refuses it by name, and the plan stays usable
                        IllegalStateException e = assertThrows(IllegalStateException.class, plan::run);
                        assertTrue(e.getMessage().contains("closed") && e.getMessage().contains("'x'"), e.getMessage());
                    }
                }
                // back to the graph's own arrays after all the closed batches
                x.fill(2f);
                plan.run(Bindings.of().data(x, x).data(y, y));
                assertEquals(3f, y.get(n - 1), device.id());
            }
        }
    }
}
