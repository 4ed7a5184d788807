package io.kiln.opencl;

import io.kiln.FloatArray;
import io.kiln.ir.Access;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ScalarKind;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A long kernel on the compute queue and an independent large off-heap copy on the copy queue: the copy
 * does not wait for the kernel. Whether the device actually runs them at the same time is the driver's
 * choice; this test measures it from the events' device timestamps and prints the numbers. It asserts
 * what the session controls: the copy was issued without a dependence (it was queued before the kernel
 * ended, and the data are right), and with {@code -Dkiln.requireOverlap=true} also that the intervals
 * intersect.
 */
class CopyKernelOverlapTest {
    /** A heap-array busy loop: {@code a[i] = spin iterations of a * 0.5 + 1} per work-item. */
    static final String BUSY = """
            __kernel void busy(__global float* a, int a_len, int spin) {
                int i = get_global_id(0);
                float acc = a[i];
                for (int s = 0; s < spin; s++) acc = acc * 0.5f + 1.0f;
                a[i] = acc;
            }
            """;

    static KernelIR busyIr() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "busy", KernelKind.WORK_ITEM);
        b.context();
        b.array("a", ElementType.FLOAT, Access.READ_WRITE);
        b.scalar("spin", ScalarKind.INT);
        b.ret();
        return b.build();
    }

    @Test
    void anIndependentCopyRunsBesideALongKernel() {
        OpenClDeviceRuntime device = ClTest.device();
        int n = 64 << 20 >> 2; // 64 MiB of floats
        float[] a = new float[64];
        try (OpenClCompiledKernel k = OffHeapSessionTest.handWritten(device, busyIr(), BUSY, "busy");
             OpenClSession s = (OpenClSession) device.openSession(); FloatArray big = FloatArray.allocate(n)) {
            s.recordTimestamps(true);
            for (int q = 0; q < n; q += 4096) big.set(q, q);
            s.toDevice(a);
            s.await(List.of(s.enqueueToDevice(big, List.of()))); // warm-up: the copy queue, the buffer
            // warm-up: PoCL compiles a kernel for its work-group size at the first launch
            s.await(List.of(s.enqueueLaunch(k, new Object[] {null, a, 1}, new LaunchGeometry(new long[] {64}, new long[] {64}), List.of())));
            a[0] = 0;
            s.toDevice(a);
            int spin = 2_000_000;
            long[] kt = null, ct = null;
            boolean overlapped = false;
            for (int attempt = 0; attempt < 3 && !overlapped; attempt++) {
                DeviceEvent kernel = s.enqueueLaunch(k, new Object[] {null, a, spin}, new LaunchGeometry(new long[] {64}, new long[] {64}), List.of());
                DeviceEvent copy = s.enqueueToDevice(big, List.of());
                DeviceEvent back = s.enqueueToHost(big, List.of(copy));
                s.await(List.of(kernel, copy, back));
                kt = kernel.timestamps();
                ct = copy.timestamps();
                assertNotNull(kt);
                assertNotNull(ct);
                overlapped = ct[1] < kt[2] && kt[1] < ct[2];
                System.out.printf("overlap attempt %d: kernel [%d, %d] %.1f ms, copy of 64 MiB [%d, %d] %.1f ms, copy queued %.1f ms "
                                + "after the kernel started; intervals %s%n", attempt, 0, kt[2] - kt[1], (kt[2] - kt[1]) / 1e6,
                        ct[1] - kt[1], ct[2] - kt[1], (ct[2] - ct[1]) / 1e6, (ct[0] - kt[1]) / 1e6,
                        overlapped ? "INTERSECT" : "do not intersect");
                assertTrue(ct[0] < kt[2], "the copy was queued while the kernel ran: it did not wait for it");
            }
            float expect = 0;
            for (int q = 0; q < spin; q++) expect = expect * 0.5f + 1f;
            s.toHost(a);
            assertEquals(expect, a[0]);
            for (int q = 0; q < n; q += 4096) assertEquals(q, big.get(q));
            if (Boolean.getBoolean("kiln.requireOverlap")) assertTrue(overlapped, "the copy and the kernel did not overlap");
        }
    }
}
