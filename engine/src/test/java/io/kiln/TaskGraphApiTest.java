package io.kiln;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** API contract checks that need no device. */
class TaskGraphApiTest {

    static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    static void fifteen(int a, int b, int c, int d, int e, int f, int g, int h, int i, int j, int k, int l, int m, int n, float[] out) {
        out[0] = a + b + c + d + e + f + g + h + i + j + k + l + m + n;
    }

    @Test
    void aNullDeviceIdNamesTheChoices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.get(null));
        assertTrue(e.getMessage().startsWith("no device id given (null): pass one of ["), e.getMessage());
        assertTrue(e.getMessage().endsWith(" or \"auto\" (see Devices.list())"), e.getMessage());
    }

    @Test
    void taskIdsMustBeUnique() {
        float[] x = new float[4];
        TaskGraph g = new TaskGraph("g").task("t", TaskGraphApiTest::saxpy, 2f, x, x);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> g.task("t", TaskGraphApiTest::saxpy, 2f, x, x));
        assertTrue(e.getMessage().contains("already has a task 't'"), e.getMessage());
    }

    @Test
    void nullArgumentsAreRefusedWithTheirPosition() {
        float[] x = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("t", TaskGraphApiTest::saxpy, 2f, x, null));
        assertTrue(e.getMessage().contains("argument 2 is null"), e.getMessage());
    }

    static void scaleItems(KernelContext ctx, float[] x) {
        int i = ctx.globalIdx();
        if (i < x.length) x[i] *= 2f;
    }

    @Test
    void aNullContextSaysWhatToPass() {
        float[] x = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("t", TaskGraphApiTest::scaleItems, null, x));
        assertTrue(e.getMessage().contains("argument 0 is null") && e.getMessage().contains("new KernelContext()"), e.getMessage());
    }

    @Test
    void onDemandIsOnlyForTransfersToTheHost() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").transferToDevice(Transfer.ON_DEMAND, new float[1]));
        assertTrue(e.getMessage().contains("ON_DEMAND"), e.getMessage());
    }

    @Test
    void transfersTakePrimitiveArraysOnly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").transferToDevice(Transfer.EVERY_RUN, "not an array"));
        assertTrue(e.getMessage().contains("primitive arrays"), e.getMessage());
    }

    @Test
    void emptyGraphCannotBePlanned() {
        Device fake = new Device("cpu", Backend.CPU, DeviceType.CPU, "fake", "fake", 1, 1);
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new TaskGraph("empty").plan(fake));
        assertTrue(e.getMessage().contains("has no tasks"), e.getMessage());
    }

    @Test
    void lambdasAreRefusedInFavourOfMethodReferences() {
        float[] x = new float[4];
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new TaskGraph("g").task("t", (Float a, float[] p, float[] q) -> saxpy(a, p, q), 2f, x, x));
        assertTrue(e.getMessage().contains("method reference"), e.getMessage());
    }

    @Test
    void fifteenParametersCompileAndResolve() {
        float[] out = new float[1];
        TaskGraph g = new TaskGraph("g").task("t", TaskGraphApiTest::fifteen, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, out);
        assertEquals("g", g.name());
    }

    @Test
    void unknownTaskIdsInPlanOptionsAreRefused() {
        float[] x = new float[4];
        Device fake = new Device("nowhere:0", Backend.CPU, DeviceType.CPU, "fake", "fake", 1, 1);
        try (ExecutionPlan plan = new TaskGraph("g").task("t", TaskGraphApiTest::saxpy, 2f, x, x).plan(fake)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> plan.withGrid("nope", Grid.of(4)));
            assertTrue(e.getMessage().contains("has no task 'nope'"), e.getMessage());
        }
    }

    @Test
    void gridsValidateTheirSizes() {
        assertThrows(IllegalArgumentException.class, () -> Grid.of(-1));
        assertThrows(IllegalArgumentException.class, () -> Grid.of(8, 8).local(4));
        assertThrows(IllegalArgumentException.class, () -> Grid.of(8).local(0));
        Grid g = Grid.of(64, 32).local(8, 4);
        assertEquals(2, g.dimensions());
        assertEquals(32, g.global(1));
        assertEquals(4, g.localSizes()[1]);
    }

    @Test
    void closedPlansRefuseToRun() {
        float[] x = new float[4];
        Device fake = new Device("nowhere:0", Backend.CPU, DeviceType.CPU, "fake", "fake", 1, 1);
        ExecutionPlan plan = new TaskGraph("g").task("t", TaskGraphApiTest::saxpy, 2f, x, x).plan(fake);
        plan.close();
        plan.close();
        IllegalStateException e = assertThrows(IllegalStateException.class, plan::run);
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
    }

    @Test
    void absentDeviceFailsLoudlyByDefault() {
        float[] x = new float[4];
        Device fake = new Device("nowhere:0", Backend.CPU, DeviceType.CPU, "fake", "fake", 1, 1);
        try (ExecutionPlan plan = new TaskGraph("g").task("t", TaskGraphApiTest::saxpy, 2f, x, x).plan(fake)) {
            KilnException e = assertThrows(KilnException.class, plan::run);
            assertTrue(e.getMessage().contains("device nowhere:0 is not available"), e.getMessage());
        }
    }
}
