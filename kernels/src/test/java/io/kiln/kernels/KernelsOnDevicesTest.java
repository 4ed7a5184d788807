package io.kiln.kernels;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.ExecutionPlan;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Every kernel of the library run through a {@link TaskGraph} on every device Kiln finds, compared
 * bit for bit with the same method run as plain Java.
 */
class KernelsOnDevicesTest {

    @TestFactory
    List<DynamicNode> kernelsMatchPlainJavaOnEveryDevice() {
        List<Device> devices = Devices.list();
        if (devices.isEmpty()) {
            return List.of(DynamicTest.dynamicTest("no device", () -> Assumptions.abort(
                    "no Kiln device here, so no kernel ran; unavailable back ends: " + Devices.unavailable())));
        }
        List<DynamicNode> nodes = new ArrayList<>();
        for (Device d : devices) {
            nodes.add(DynamicContainer.dynamicContainer(d.id(), List.of(
                    DynamicTest.dynamicTest("saxpy", () -> saxpy(d)),
                    DynamicTest.dynamicTest("sgemm", () -> sgemm(d)),
                    DynamicTest.dynamicTest("resizeBilinearU8", () -> resize(d)))));
        }
        return nodes;
    }

    /** Runs a plan once. */
    private static RunResult run(TaskGraph graph, Device device) {
        try (ExecutionPlan plan = graph.plan(device)) {
            return plan.run();
        }
    }

    private static void checkRanOn(RunResult result, Device device) {
        for (RunResult.TaskRun t : result.tasks()) {
            assertEquals(device.id(), t.device().id(), "task " + t.taskId() + " ran elsewhere: " + t.fallbackReason());
        }
    }

    private static void saxpy(Device device) {
        SplittableRandom rnd = new SplittableRandom(1);
        for (int n : new int[] {1, 3, 1000, 65_537}) {
            float[] x = BlasTest.random(rnd, n, -10f, 10f);
            float[] y = BlasTest.random(rnd, n, -10f, 10f);
            float[] expected = y.clone();
            float a = 1.1f;
            Blas.saxpy(a, x, expected);
            RunResult r = run(new TaskGraph("saxpy-" + n)
                    .transferToDevice(Transfer.EVERY_RUN, x, y)
                    .task("saxpy", Blas::saxpy, a, x, y)
                    .transferToHost(Transfer.EVERY_RUN, y), device);
            checkRanOn(r, device);
            assertBitsEqual(expected, y, "saxpy n=" + n + " on " + device.id());
        }
    }

    private static void sgemm(Device device) {
        int[][] shapes = {{1, 1, 1}, {7, 13, 17}, {64, 48, 33}, {100, 3, 129}};
        SplittableRandom rnd = new SplittableRandom(2);
        for (int[] s : shapes) {
            int m = s[0], n = s[1], k = s[2];
            float[] a = BlasTest.random(rnd, m * k, -1f, 1f);
            float[] b = BlasTest.random(rnd, k * n, -1f, 1f);
            float[] c = new float[m * n];
            float[] expected = new float[m * n];
            Blas.sgemm(m, n, k, a, b, expected);
            RunResult r = run(new TaskGraph("sgemm")
                    .transferToDevice(Transfer.EVERY_RUN, a, b)
                    .task("sgemm", Blas::sgemm, m, n, k, a, b, c)
                    .transferToHost(Transfer.EVERY_RUN, c), device);
            checkRanOn(r, device);
            assertBitsEqual(expected, c, "sgemm " + m + "x" + n + "x" + k + " on " + device.id());
        }
    }

    private static void resize(Device device) {
        int[][] cases = {{1, 1, 1, 1, 1}, {13, 11, 3, 29, 17}, {97, 89, 1, 31, 23}, {64, 48, 3, 32, 24},
                {640, 480, 3, 224, 224}, {1, 61, 3, 1, 13}};
        for (int[] s : cases) {
            int sw = s[0], sh = s[1], ch = s[2], dw = s[3], dh = s[4];
            byte[] src = ImageOpsTest.randomImage(sw * 31L + dh, sw, sh, ch);
            byte[] dst = new byte[dw * dh * ch];
            byte[] expected = new byte[dw * dh * ch];
            ImageOps.resizeBilinearU8(src, sw, sh, ch, expected, dw, dh);
            RunResult r = run(new TaskGraph("resize")
                    .transferToDevice(Transfer.EVERY_RUN, src)
                    .task("resize", ImageOps::resizeBilinearU8, src, sw, sh, ch, dst, dw, dh)
                    .transferToHost(Transfer.EVERY_RUN, dst), device);
            checkRanOn(r, device);
            if (!Arrays.equals(expected, dst)) {
                int i = Arrays.mismatch(expected, dst);
                fail("resize " + sw + "x" + sh + "x" + ch + " -> " + dw + "x" + dh + " on " + device.id() + ": byte " + i
                        + " is " + (dst[i] & 0xFF) + ", plain Java gives " + (expected[i] & 0xFF));
            }
        }
    }

    private static void assertBitsEqual(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            if (Float.floatToRawIntBits(expected[i]) != Float.floatToRawIntBits(actual[i])) {
                fail(what + ": element " + i + " is " + actual[i] + ", plain Java gives " + expected[i]);
            }
        }
    }
}
