package io.kiln.opencl;

import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.FloatArray;
import io.kiln.spi.DeviceSession;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongFunction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 10,000 allocate / copy there / copy back / close cycles of a pinned and of a plain {@link FloatArray}
 * through one session do not grow the process's native memory, read from {@code /proc/self/status}.
 */
class OffHeapNativeMemoryTest {
    static final int CYCLES = 10_000;
    /** 64 KiB per array: a leak of one array (or its device copy) per cycle would add 625 MiB. */
    static final int N = 16 * 1024;
    /**
     * Allowed growth of the resident set. A leaked array per cycle would show as 625 MiB (twice that
     * with its device buffer, which PoCL keeps in host memory too), so 64 MiB separates a leak from
     * noise by a factor of ten; the noise is the JIT compiling the loop, glibc keeping freed pages in
     * its arenas, and the Java heap touching new pages for the garbage of each cycle, which together
     * stay well under 64 MiB after the warm-up. Small native leaks (events, queues) are caught exactly
     * by the {@link OpenClResources} counters instead.
     */
    static final long TOLERANCE_KIB = 64 * 1024;

    static long rssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        } catch (IOException e) {
            throw new AssertionError("cannot read /proc/self/status: " + e);
        }
        throw new AssertionError("no VmRSS line in /proc/self/status");
    }

    static void cycles(DeviceSession s, LongFunction<FloatArray> make, int count) {
        for (int c = 0; c < count; c++) {
            try (FloatArray x = make.apply(N)) {
                x.set(0, c);
                x.set(N - 1, -c);
                s.await(List.of(s.enqueueToDevice(x, List.of())));
                x.set(0, 0);
                x.set(N - 1, 0);
                s.await(List.of(s.enqueueToHost(x, List.of())));
                if (x.get(0) != c || x.get(N - 1) != -c) {
                    throw new AssertionError("cycle " + c + ": " + x.get(0) + ", " + x.get(N - 1));
                }
                s.release(x);
            }
        }
    }

    @Test
    void tenThousandCyclesOfPinnedAndPlainArraysDoNotGrowNativeMemory() {
        OpenClDeviceRuntime runtime = ClTest.device();
        Device device = Devices.get(runtime.device().id());
        for (var kind : List.<java.util.Map.Entry<String, LongFunction<FloatArray>>>of(
                java.util.Map.entry("pinned", n -> FloatArray.allocatePinned(n, device)),
                java.util.Map.entry("plain", FloatArray::allocate))) {
            try (DeviceSession s = runtime.openSession()) {
                cycles(s, kind.getValue(), 1000); // warm-up: JIT, the driver's pools, the copy queue
                System.gc();
                long objects = OpenClResources.liveObjects();
                long before = rssKib();
                long start = System.nanoTime();
                cycles(s, kind.getValue(), CYCLES);
                System.gc();
                long after = rssKib();
                System.out.printf("%s FloatArray[%d]: %d cycles in %.1f s, VmRSS %d -> %d KiB (%+d KiB), OpenCL objects %s%n",
                        kind.getKey(), N, CYCLES, (System.nanoTime() - start) / 1e9, before, after, after - before, OpenClResources.describe());
                assertEquals(objects, OpenClResources.liveObjects(), kind.getKey() + ": OpenCL objects " + OpenClResources.describe());
                assertTrue(after - before < TOLERANCE_KIB, kind.getKey() + ": VmRSS grew by " + (after - before) + " KiB over "
                        + CYCLES + " cycles (" + before + " -> " + after + ")");
            }
        }
    }
}
