package io.kiln.opencl;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.DoubleArray;
import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.OffHeapArray;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.HostAllocation;
import io.kiln.testing.Seeds;
import org.junit.jupiter.api.Test;

import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Pinned host memory on OpenCL: {@code CL_MEM_ALLOC_HOST_PTR} buffers, mapped, aligned, zeroed, released once. */
class PinnedMemoryTest {
    static final long SEED = Seeds.seed("PinnedMemoryTest");

    static Device opencl() {
        return Devices.get(ClTest.device().device().id());
    }

    @Test
    void pinnedArraysAreAlignedZeroedAndCopyAsynchronously() {
        Device device = opencl();
        OpenClDeviceRuntime runtime = ClTest.device();
        Random r = new Random(SEED);
        long mems = OpenClResources.live(OpenClResources.Kind.MEM);
        try (DeviceSession s = runtime.openSession()) {
            for (long n : new long[] {0, 1, 7919, 1 << 20}) {
                try (FloatArray x = FloatArray.allocatePinned(n, device)) {
                    assertEquals(OffHeapArray.Kind.PINNED, x.kind());
                    assertTrue(x.isPinned());
                    assertEquals(n, x.length());
                    assertEquals(0, x.segment().address() % OffHeapArray.ALIGNMENT, "aligned to " + OffHeapArray.ALIGNMENT);
                    for (long q = 0; q < n; q++) assertEquals(0, Float.floatToRawIntBits(x.get(q)), "zero-filled at " + q);
                    float[] want = new float[(int) n];
                    for (int q = 0; q < n; q++) x.set(q, want[q] = Float.intBitsToFloat(r.nextInt()));
                    if (n > 1) {
                        x.set(0, Float.NaN);
                        want[0] = Float.NaN;
                        x.set(1, -0f);
                        want[1] = -0f;
                    }
                    DeviceEvent up = s.enqueueToDevice(x, List.of());
                    if (n > 0) assertNotSame(DeviceEvent.COMPLETE, up, "a copy from pinned memory is asynchronous");
                    s.await(List.of(up));
                    x.fill(3f);
                    s.await(List.of(s.enqueueToHost(x, List.of())));
                    for (int q = 0; q < n; q++) {
                        assertEquals(Float.floatToRawIntBits(want[q]), Float.floatToRawIntBits(x.get(q)), "element " + q + " of " + n);
                    }
                    s.release(x);
                }
            }
        }
        assertEquals(mems, OpenClResources.live(OpenClResources.Kind.MEM), "every pinned buffer freed on close");
    }

    @Test
    void otherTypesAndAlignmentsAndBadRequests() {
        Device device = opencl();
        OpenClDeviceRuntime runtime = ClTest.device();
        try (IntArray i = IntArray.allocatePinned(1001, device); DoubleArray d = DoubleArray.allocatePinned(17, device)) {
            i.set(1000, Integer.MIN_VALUE);
            d.set(16, Double.NEGATIVE_INFINITY);
            assertEquals(Integer.MIN_VALUE, i.get(1000));
            assertEquals(Double.NEGATIVE_INFINITY, d.get(16));
            assertThrows(IndexOutOfBoundsException.class, () -> i.get(1001));
        }
        for (long alignment : new long[] {1, 64, 4096, 1 << 16}) {
            HostAllocation a = runtime.allocateHost(100, alignment);
            try {
                assertEquals(100, a.segment().byteSize());
                assertEquals(0, a.segment().address() % alignment, "alignment " + alignment);
                assertTrue(a.pinned());
                a.segment().set(ValueLayout.JAVA_BYTE, 99, (byte) 1);
            } finally {
                a.release().run();
                a.release().run(); // a second release does nothing
            }
            assertThrows(IllegalStateException.class, () -> a.segment().get(ValueLayout.JAVA_BYTE, 0), "the segment is closed");
        }
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class, () -> runtime.allocateHost(10, 3));
        assertTrue(odd.getMessage().contains("power of two"), odd.getMessage());
        assertThrows(IllegalArgumentException.class, () -> runtime.allocateHost(-1, 8));
        IllegalArgumentException huge = assertThrows(IllegalArgumentException.class, () -> FloatArray.allocatePinned(1L << 30, device));
        assertTrue(huge.getMessage().contains("use allocate(n) instead"), huge.getMessage());
    }

    @Test
    void useAfterCloseAndDoubleCloseAreClear() {
        Device device = opencl();
        OpenClDeviceRuntime runtime = ClTest.device();
        FloatArray x = FloatArray.allocatePinned(64, device);
        x.set(3, 1f);
        x.close();
        x.close(); // idempotent: the memory is released once
        assertTrue(x.isClosed());
        IllegalStateException get = assertThrows(IllegalStateException.class, () -> x.get(3));
        assertTrue(get.getMessage().contains("closed"), get.getMessage());
        assertThrows(IllegalStateException.class, () -> x.set(3, 2f));
        assertThrows(IllegalStateException.class, x::segment);
        try (DeviceSession s = runtime.openSession()) {
            IllegalStateException copy = assertThrows(IllegalStateException.class, () -> s.enqueueToDevice(x, List.of()));
            assertTrue(copy.getMessage().contains("FloatArray[64] is closed"), copy.getMessage());
        }
        assertEquals("FloatArray[64] (closed)", x.toString());
    }
}
