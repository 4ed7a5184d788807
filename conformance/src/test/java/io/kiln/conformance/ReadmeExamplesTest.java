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
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The README's examples, as written there, on every device: what a new user copies first must work.
 * Keep these in step with README.md.
 */
class ReadmeExamplesTest {

    static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    static void scale(float k, FloatArray in, FloatArray out) {
        for (@Parallel long i = 0; i < in.length(); i++) {
            out.set(i, k * in.get(i));
        }
    }

    @TestFactory
    List<DynamicTest> examplesOnEveryDevice() {
        List<Device> devices = TestDevices.all();
        if (devices.isEmpty()) TestDevices.noDevice();
        List<DynamicTest> tests = new ArrayList<>();
        for (Device d : devices) {
            tests.add(DynamicTest.dynamicTest("saxpy on " + d.id(), () -> saxpyExample(d)));
            tests.add(DynamicTest.dynamicTest("streaming on " + d.id(), () -> streamingExample(d)));
        }
        return tests;
    }

    private static void saxpyExample(Device device) {
        float[] x = new float[1 << 20], y = new float[1 << 20];
        Arrays.fill(x, 1f);
        TaskGraph graph = new TaskGraph("saxpy")
                .transferToDevice(Transfer.FIRST_RUN, x)
                .transferToDevice(Transfer.EVERY_RUN, y)
                .task("saxpy", ReadmeExamplesTest::saxpy, 2f, x, y)
                .transferToHost(Transfer.EVERY_RUN, y);
        try (ExecutionPlan plan = graph.plan(device)) {
            plan.run();
        }
        assertEquals(2.0f, y[0]);
        assertEquals(2.0f, y[y.length - 1]);
    }

    private static void streamingExample(Device device) {
        int n = PtxInterpreterCheck.small(device) ? 1 << 10 : 1 << 20;
        int batches = PtxInterpreterCheck.small(device) ? 7 : 100;
        FloatArray[] in = new FloatArray[3], out = new FloatArray[3];
        try {
            for (int b = 0; b < 3; b++) {
                in[b] = FloatArray.allocatePinned(n, device);
                out[b] = FloatArray.allocatePinned(n, device);
            }
            TaskGraph graph = new TaskGraph("stream")
                    .transferToDevice(Transfer.EVERY_RUN, in[0])
                    .task("scale", ReadmeExamplesTest::scale, 0.5f, in[0], out[0])
                    .transferToHost(Transfer.EVERY_RUN, out[0]);
            try (ExecutionPlan plan = graph.plan(device)) {
                for (int k = 0; k < batches; k++) {
                    int b = k % 3;
                    in[b].fill(k);
                    in[b].set(n - 1, -k);
                    plan.run(Bindings.of().data(in[0], in[b]).data(out[0], out[b]));
                    assertEquals(0.5f * k, out[b].get(0), "batch " + k + " element 0");
                    assertEquals(0.5f * k, out[b].get(n / 2), "batch " + k + " middle");
                    assertEquals(0.5f * (float) -k, out[b].get(n - 1), "batch " + k + " last element");
                }
                String schedule = plan.schedule().toString();
                assertTrue(schedule.contains("launch"), schedule);
            }
        } finally {
            for (int b = 0; b < 3; b++) {
                if (in[b] != null) in[b].close();
                if (out[b] != null) out[b].close();
            }
        }
    }

    /** The PTX interpreter runs kernels slowly: it gets smaller data. */
    private static final class PtxInterpreterCheck {
        static boolean small(Device d) {
            return io.kiln.cuda.PtxInterpreterProvider.isInterpreter(d);
        }
    }
}
