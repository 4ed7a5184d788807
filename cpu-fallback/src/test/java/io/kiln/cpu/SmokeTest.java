package io.kiln.cpu;

import io.kiln.*;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class SmokeTest {
    public static void saxpy(float a, float[] x, float[] y) {
        for (@Parallel int i = 0; i < y.length; i++) {
            y[i] = a * x[i] + y[i];
        }
    }

    @Test
    void saxpy() {
        System.out.println(KernelCompiler.emit(SmokeTest.class, "saxpy", Target.IR));
        System.out.println(KernelCompiler.emit(SmokeTest.class, "saxpy", Target.JVM));
        float[] x = new float[100_003];
        float[] y = new float[x.length];
        for (int i = 0; i < x.length; i++) { x[i] = i * 0.5f; y[i] = i; }
        float[] ref = y.clone();
        saxpy(2f, x, ref);
        try (ExecutionPlan plan = new TaskGraph("g").task("s", SmokeTest::saxpy, 2f, x, y).plan(Devices.get("cpu"))) {
            System.out.println(plan.run());
        }
        assertArrayEquals(ref, y);
    }
}
