package io.kiln.opencl;

import io.kiln.Devices;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * HotSpot turns the SIGFPE of an {@code int} division by zero into {@code ArithmeticException}. PoCL
 * installs its own process-wide SIGFPE handler unless told not to, after which {@code x / 0} silently
 * returns {@code x} in every Java thread. Kiln tells PoCL not to before it loads the OpenCL driver.
 */
class JvmSignalsTest {

    static int divide(int a, int b) {
        return a / b;
    }

    static void half(int[] x) {
        for (@io.kiln.Parallel int i = 0; i < x.length; i++) {
            x[i] = x[i] / 2;
        }
    }

    @Test
    void integerDivisionByZeroStillThrowsAfterOpenClIsLoaded() {
        ClTest.device();
        int[] x = {4, 6};
        try (io.kiln.ExecutionPlan plan = new io.kiln.TaskGraph("half").task("half", JvmSignalsTest::half, x)
                .transferToHost(io.kiln.Transfer.EVERY_RUN, x).plan(Devices.get("opencl:0"))) {
            plan.run();
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(new int[] {2, 3}, x);
        for (int i = 0; i < 3; i++) {
            int divisor = i - i;
            assertThrows(ArithmeticException.class, () -> divide(2, divisor));
        }
    }
}
