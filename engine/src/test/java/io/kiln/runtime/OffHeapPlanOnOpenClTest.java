package io.kiln.runtime;

import io.kiln.Bindings;
import io.kiln.Device;
import io.kiln.ExecutionPlan;
import io.kiln.FloatArray;
import io.kiln.Parallel;
import io.kiln.RunResult;
import io.kiln.TaskGraph;
import io.kiln.Transfer;
import org.junit.jupiter.api.Test;

import java.util.SplittableRandom;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-heap arrays through a plan on {@code opencl:0}, compiled by the real front end: streaming through
 * three buffer sets (sizes 1009, 1, 0) compared with plain Java, and a closed array refused by name.
 */
class OffHeapPlanOnOpenClTest {
    public static void saxpy(float a, FloatArray x, FloatArray y) {
        for (@Parallel long i = 0; i < y.length(); i++) {
            y.set(i, a * x.get(i) + y.get(i));
        }
    }

    @Test
    void offHeapStreamingOnOpenCl() {
        Device cl = PlanOnOpenClRebindingTest.opencl();
        long seed = System.nanoTime();
        System.out.println("OffHeapPlanOnOpenClTest seed " + seed);
        SplittableRandom r = new SplittableRandom(seed);
        int[] sizes = {1009, 1, 0};
        FloatArray[] xs = new FloatArray[3], ys = new FloatArray[3];
        for (int b = 0; b < 3; b++) {
            xs[b] = FloatArray.allocate(sizes[b]);
            ys[b] = FloatArray.allocate(sizes[b]);
        }
        TaskGraph g = new TaskGraph("off").transferToDevice(Transfer.EVERY_RUN, xs[0], ys[0])
                .task("saxpy", OffHeapPlanOnOpenClTest::saxpy, 2f, xs[0], ys[0]).transferToHost(Transfer.EVERY_RUN, ys[0]);
        try (ExecutionPlan plan = g.plan(cl)) {
            for (int k = 0; k < 9; k++) {
                int b = k % 3;
                float[] want = new float[sizes[b]];
                for (int i = 0; i < sizes[b]; i++) {
                    float x = (float) r.nextGaussian(), y = (float) r.nextGaussian();
                    xs[b].set(i, x);
                    ys[b].set(i, y);
                    want[i] = 3f * x + y;
                }
                RunResult res = plan.run(Bindings.of().data(xs[0], xs[b]).data(ys[0], ys[b]).scalar("saxpy", "a", 3f));
                assertEquals(2, res.copiesToDevice());
                for (int i = 0; i < sizes[b]; i++) assertEquals(want[i], ys[b].get(i), "batch " + k + " element " + i + " seed " + seed);
            }
            System.out.println(plan.schedule());
            xs[1].close();
            IllegalStateException e = assertThrows(IllegalStateException.class, () -> plan.run(Bindings.of().data(xs[0], xs[1]).data(ys[0], ys[1])));
            assertTrue(e.getMessage().contains("parameter 'x'"), e.getMessage());
        }
    }
}
