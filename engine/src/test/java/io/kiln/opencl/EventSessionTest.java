package io.kiln.opencl;

import io.kiln.FloatArray;
import io.kiln.KilnException;
import io.kiln.ir.Access;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ScalarKind;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
import io.kiln.testing.Seeds;
import org.jocl.CL;
import org.jocl.cl_event;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Events of an OpenCL session: off-heap copies are asynchronous and ordered against launches that use
 * the same buffers (read after write, write after read) without the caller passing events, failures
 * surface in {@code await} with the device's words, timestamps are read, and native events are released.
 */
class EventSessionTest {
    static final long SEED = Seeds.seed("EventSessionTest");

    /**
     * {@code dst[i] = src[i] * k}, after some busy work per work-item, so that a copy that did not wait
     * for the kernel would change what it reads.
     */
    static final String SCALE = """
            #pragma OPENCL FP_CONTRACT OFF
            __kernel void scale(__global const float* src, long src_len, __global float* dst, long dst_len, float k, int spin) {
                float acc = 0.0f;
                for (int s = 0; s < spin; s++) acc = acc * 0.5f + 1.0f;
                for (long i = get_global_id(0); i < src_len; i += get_global_size(0)) {
                    dst[i] = src[i] * k + (acc - acc);
                }
            }
            """;

    static KernelIR scaleIr() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "scale", KernelKind.WORK_ITEM);
        b.context();
        b.offHeapArray("src", ElementType.FLOAT, Access.READ);
        b.offHeapArray("dst", ElementType.FLOAT, Access.WRITE);
        b.scalar("k", ScalarKind.FLOAT);
        b.scalar("spin", ScalarKind.INT);
        b.ret();
        return b.build();
    }

    @Test
    void copiesAreAsynchronousAndOrderedAgainstLaunchesOfTheSameBuffers() {
        OpenClDeviceRuntime device = ClTest.device();
        Random r = new Random(SEED);
        int n = 100_003;
        long events = OpenClResources.live(OpenClResources.Kind.EVENT);
        try (OpenClCompiledKernel k = OffHeapSessionTest.handWritten(device, scaleIr(), SCALE, "scale");
             OpenClSession s = (OpenClSession) device.openSession();
             FloatArray src = FloatArray.allocate(n); FloatArray dst = FloatArray.allocate(n)) {
            LaunchGeometry g = new LaunchGeometry(new long[] {256}, new long[] {64});
            s.recordTimestamps(true);
            for (int round = 0; round < 20; round++) {
                float[] first = new float[n];
                for (int q = 0; q < n; q++) src.set(q, first[q] = r.nextFloat() * 2000 - 1000);
                DeviceEvent up = s.enqueueToDevice(src, List.of());
                assertNotSame(DeviceEvent.COMPLETE, up, "an off-heap copy returns its own event");
                s.enqueueToDevice(dst, List.of());
                // no 'after': the session orders the launch after the copies of src and dst
                DeviceEvent run = s.enqueueLaunch(k, new Object[] {null, src, dst, 3f, 20_000}, g, List.of());
                s.await(List.of(up)); // the copy is done: src's host memory may change now
                // write after read: this copy must not overwrite src on the device before the kernel read it
                for (int q = 0; q < n; q++) src.set(q, -1f);
                DeviceEvent second = s.enqueueToDevice(src, List.of());
                DeviceEvent down = s.enqueueToHost(dst, List.of());
                s.await(List.of(second, down, run));
                for (int q = 0; q < n; q++) {
                    assertEquals(first[q] * 3f + 0f, dst.get(q), "round " + round + " element " + q);
                }
                for (DeviceEvent e : List.of(up, run, second, down)) {
                    assertTrue(e.isComplete());
                    long[] t = e.timestamps();
                    assertNotNull(t, e + " has timestamps");
                    assertTrue(t[0] <= t[1] && t[1] <= t[2], e + ": queued <= start <= end: " + java.util.Arrays.toString(t));
                }
                long[] u = up.timestamps(), x = run.timestamps(), d = down.timestamps();
                assertTrue(u[2] <= x[1], "the launch started after the copy of its input ended: " + u[2] + " " + x[1]);
                assertTrue(x[2] <= d[1], "the copy back started after the launch ended: " + x[2] + " " + d[1]);
            }
            s.finish();
            assertEquals(0, s.pendingEvents());
            assertEquals(events, OpenClResources.live(OpenClResources.Kind.EVENT), "every native event released after finish");
        }
        assertEquals(events, OpenClResources.live(OpenClResources.Kind.EVENT));
    }

    @Test
    void blockingCallsKeepTheirOldMeaning() {
        OpenClDeviceRuntime device = ClTest.device();
        int n = 4099;
        try (OpenClCompiledKernel k = OffHeapSessionTest.handWritten(device, scaleIr(), SCALE, "scale");
             DeviceSession s = device.openSession(); FloatArray src = FloatArray.allocate(n); FloatArray dst = FloatArray.allocate(n)) {
            for (int q = 0; q < n; q++) src.set(q, q);
            s.toDevice(src);
            src.fill(0); // toDevice is complete when it returns
            s.toDevice(dst);
            s.launch(k, new Object[] {null, src, dst, -2f, 1000}, new LaunchGeometry(new long[] {128}, null));
            s.toHost(dst); // waits for the launch, which wrote dst
            for (int q = 0; q < n; q++) assertEquals(-2f * q + 0f, dst.get(q)); // + 0f: the kernel adds (acc - acc), which turns -0 into +0
        }
    }

    @Test
    void aFailedCommandIsReportedByAwaitWithTheDevicesWords() {
        OpenClDeviceRuntime device = ClTest.device();
        long events = OpenClResources.live(OpenClResources.Kind.EVENT);
        try (OpenClCompiledKernel k = OffHeapSessionTest.handWritten(device, scaleIr(), SCALE, "scale");
             OpenClSession s = (OpenClSession) device.openSession(); FloatArray src = FloatArray.allocate(64);
             FloatArray dst = FloatArray.allocate(64)) {
            s.toDevice(src);
            s.toDevice(dst);
            // a user event standing for a command that fails: what depends on it must fail too
            cl_event user = CL.clCreateUserEvent(device.context(), null);
            OpenClResources.created(OpenClResources.Kind.EVENT);
            OpenClQueues.ClEvent failing = s.queues().new ClEvent("a test command", false, user, user);
            DeviceEvent run = s.enqueueLaunch(k, new Object[] {null, src, dst, 1f, 1}, new LaunchGeometry(new long[] {64}, null),
                    List.of(failing));
            assertFalse(run.isComplete(), "the launch waits for the user event");
            CL.clSetUserEventStatus(user, CL.CL_OUT_OF_RESOURCES);
            KilnException e = assertThrows(KilnException.class, () -> s.await(List.of(run)));
            assertTrue(e.getMessage().contains("running TestKernels.scale on opencl:0"), e.getMessage());
            assertTrue(e.getMessage().contains("failed on the device: execution status -"), e.getMessage());
            System.out.println("a launch after a failed event: " + e.getMessage());
            KilnException direct = assertThrows(KilnException.class, () -> s.await(List.of(failing)));
            assertTrue(direct.getMessage().contains("a test command") && direct.getMessage().contains("CL_OUT_OF_RESOURCES"),
                    direct.getMessage());
            s.finish(); // both were reported already
        }
        assertEquals(events, OpenClResources.live(OpenClResources.Kind.EVENT), "the user event and the launch's event are released");
    }

    @Test
    void eventsOfAnotherSessionAreRefused() {
        OpenClDeviceRuntime device = ClTest.device();
        try (DeviceSession a = device.openSession(); DeviceSession b = device.openSession(); FloatArray x = FloatArray.allocate(1000)) {
            DeviceEvent e = a.enqueueToDevice(x, List.of());
            IllegalArgumentException other = assertThrows(IllegalArgumentException.class, () -> b.enqueueToDevice(x, List.of(e)));
            assertTrue(other.getMessage().contains("was not made by this OpenCL session"), other.getMessage());
            assertThrows(IllegalArgumentException.class, () -> b.await(List.of(e)));
            assertThrows(IllegalArgumentException.class, () -> a.enqueueToDevice(x, java.util.Arrays.asList((DeviceEvent) null)));
            assertSame(DeviceEvent.COMPLETE, a.enqueueToDevice(new float[3], List.of(e)), "heap copies are blocking");
            a.await(List.of(e, DeviceEvent.COMPLETE));
            assertTrue(e.isComplete());
        }
    }

    @Test
    void closedSessionsRefuseWorkAndCloseTwiceQuietly() {
        OpenClDeviceRuntime device = ClTest.device();
        DeviceSession s = device.openSession();
        FloatArray x = FloatArray.allocate(10);
        DeviceEvent e = s.enqueueToDevice(x, List.of());
        s.close();
        s.close(); // idempotent
        assertTrue(e.isComplete(), "close waits for the commands and settles their events");
        IllegalStateException closed = assertThrows(IllegalStateException.class, () -> s.enqueueToDevice(x, List.of()));
        assertTrue(closed.getMessage().contains("is closed"), closed.getMessage());
        assertThrows(IllegalStateException.class, () -> s.toHost(x));
        assertThrows(IllegalStateException.class, s::finish);
        x.close();
    }
}
