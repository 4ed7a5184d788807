package io.kiln.opencl;

import io.kiln.IntArray;
import io.kiln.spi.DeviceSession;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A copy of more than 2<sup>31</sup> bytes to the device and back, which needs chunked copies at device
 * offsets (a direct buffer holds at most 2<sup>31</sup>-1 bytes). Host memory: the array plus, on PoCL,
 * the device buffer, both about 2 GiB.
 */
class LargeTransferSessionTest {
    static int pattern(long i) {
        return (int) (i * 0x9E3779B97F4A7C15L >>> 32);
    }

    @Test
    void moreThanTwoGibibytesRoundTrip() {
        OpenClDeviceRuntime device = ClTest.device();
        long max = device.maxAllocation();
        long bytes = Math.min(max, (1L << 31) + (1L << 20));
        if (bytes <= Integer.MAX_VALUE) {
            String reason = device.device().id() + " allows single allocations of at most " + max
                    + " bytes (CL_DEVICE_MAX_MEM_ALLOC_SIZE), not more than 2^31";
            System.out.println("skipped: " + reason);
            Assumptions.abort(reason);
        }
        if (bytes < (1L << 31) + (1L << 20)) {
            System.out.println("CL_DEVICE_MAX_MEM_ALLOC_SIZE is " + max + " bytes: the transfer is " + bytes
                    + " bytes, over Integer.MAX_VALUE (the direct-buffer limit) but not over 2^31");
        }
        long n = bytes / 4;
        try (IntArray x = IntArray.allocate(n); DeviceSession s = device.openSession()) {
            for (long i = 0; i < n; i++) x.set(i, pattern(i));
            long t0 = System.nanoTime();
            s.await(List.of(s.enqueueToDevice(x, List.of())));
            long t1 = System.nanoTime();
            x.segment().fill((byte) 0);
            s.await(List.of(s.enqueueToHost(x, List.of())));
            long t2 = System.nanoTime();
            System.out.printf("%d bytes: to the device %.2f s (%.2f GB/s), back %.2f s (%.2f GB/s)%n", bytes,
                    (t1 - t0) / 1e9, bytes / (double) (t1 - t0), (t2 - t1) / 1e9, bytes / (double) (t2 - t1));
            for (long i = 0; i < n; i++) {
                if (x.get(i) != pattern(i)) assertEquals(pattern(i), x.get(i), "element " + i + " of " + n);
            }
        }
    }
}
