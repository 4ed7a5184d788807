package io.kiln.kernels.linalg;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KilnRuntime;
import io.kiln.RunResult;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The {@link Linalg} facade: calls on cpu and on every other device, plan reuse with new shapes and arrays. */
class LinalgTest {

    private static List<Device> devices() {
        List<Device> out = new ArrayList<>();
        for (Device d : Devices.list()) {
            if (!d.id().startsWith("ptx-interpreter")) out.add(d);
        }
        return out;
    }

    @Test
    void matmulOnEveryDeviceWithOptionsAndNewShapes() {
        for (Device d : devices()) {
            try (Linalg la = Linalg.on(d)) {
                int[][] shapes = {{5, 7, 3}, {64, 33, 100}, {1, 1, 1}, {40, 70, 9}};
                for (int s = 0; s < shapes.length; s++) {
                    int m = shapes[s][0], n = shapes[s][1], k = shapes[s][2];
                    GemmCheck g = new GemmCheck(900 + s, s % 2 == 1, s >= 2, m, n, k, s == 1 ? 3 : 0, s == 3 ? -2 : 1, s == 1 ? 0.5 : 0);
                    Matmul options = Matmul.DEFAULT.scale(g.alpha, g.beta).leadingDimensions(g.lda, g.ldb, g.ldc);
                    if (g.transA) options = options.transposeA();
                    if (g.transB) options = options.transposeB();
                    float[] c = GemmCheck.floats(g.c0);
                    RunResult.TaskRun run = la.matmul(GemmCheck.floats(g.a), GemmCheck.floats(g.b), c, m, n, k, options);
                    g.check(GemmCheck.doubles(c), 0x1p-24, "Linalg.matmul float on " + d.id());
                    assertEquals(d.backend() == Backend.CPU ? "CpuGemm.sgemm (Java variant)" : "GpuGemm.sgemm (variant)", run.implementation(), d.id());
                    try (io.kiln.FloatArray oa = GemmCheck.offHeap(g.a); io.kiln.FloatArray ob = GemmCheck.offHeap(g.b);
                         io.kiln.FloatArray oc = GemmCheck.offHeap(g.c0)) {
                        run = la.matmul(oa, ob, oc, m, n, k, options);
                        g.check(GemmCheck.doubles(oc), 0x1p-24, "Linalg.matmul off-heap on " + d.id());
                        assertEquals(d.backend() == Backend.CPU ? "CpuGemm.sgemm (Java variant)" : "Gemm.sgemm", run.implementation(), d.id());
                    }
                    double[] cd = g.c0.clone();
                    run = la.matmul(g.a, g.b, cd, m, n, k, options);
                    g.check(cd, 0x1p-53, "Linalg.matmul double on " + d.id());
                    assertEquals(d.backend() == Backend.CPU ? "CpuGemm.dgemm (Java variant)" : "GpuGemm.dgemm (variant)", run.implementation(), d.id());
                }
            }
        }
    }

    @Test
    void plainMatmulAndTheReferenceRuntime() {
        float[] a = {1, 2, 3, 4, 5, 6};          // 2 x 3
        float[] b = {7, 8, 9, 10, 11, 12};       // 3 x 2
        float[] c = new float[4];
        Linalg.shared().matmul(a, b, c, 2, 2, 3);
        assertEquals("[58.0, 64.0, 139.0, 154.0]", java.util.Arrays.toString(c));
        try (KilnRuntime reference = KilnRuntime.create().useVariants(false);
             Linalg la = Linalg.on(reference, reference.device("cpu"))) {
            float[] c2 = new float[4];
            assertEquals("Gemm.sgemm", la.matmul(a, b, c2, 2, 2, 3).implementation());
            assertEquals("[58.0, 64.0, 139.0, 154.0]", java.util.Arrays.toString(c2));
        }
    }

    @Test
    void wrongShapesAndClosedFacadesAreRefused() {
        Linalg la = Linalg.on(Devices.list().stream().filter(d -> d.backend() == Backend.CPU).findFirst().orElseThrow());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> la.matmul(new float[5], new float[6], new float[4], 2, 2, 3));
        assertTrue(e.getMessage().contains("A (2 x 3, leading dimension 3) needs 6 elements, its array has 5"), e.getMessage());
        la.close();
        assertThrows(IllegalStateException.class, () -> la.matmul(new float[6], new float[6], new float[4], 2, 2, 3));
        assertThrows(UnsupportedOperationException.class, () -> Linalg.shared().close());
    }
}
