package io.kiln.cuda;

import io.kiln.IntArray;
import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceEvent;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.HostAllocation;
import io.kiln.spi.LaunchGeometry;
import io.kiln.testing.Seeds;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA session's off-heap copies, events, launch marshalling and pinned memory, run against the
 * fake driver (test resource {@code fake_cuda.c}, built with gcc), which implements device memory and
 * copies on the host: what can be checked without a GPU.
 */
@SuppressWarnings("restricted")
class CudaSessionWithoutGpuTest {
    static final long SEED = Seeds.seed("CudaSessionWithoutGpuTest");

    @TempDir
    static Path dir;
    static Path fakeDriver;
    static String missing;

    @BeforeAll
    static void buildFakeDriver() throws Exception {
        Path source = dir.resolve("fake_cuda.c");
        try (InputStream in = CudaSessionWithoutGpuTest.class.getResourceAsStream("fake_cuda.c")) {
            Files.copy(in, source);
        }
        Path lib = dir.resolve("libfakecuda_session.so");
        try {
            Process p = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O1", "-o", lib.toString(), source.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                missing = "gcc failed to build the fake driver: " + out;
                return;
            }
            fakeDriver = lib;
        } catch (java.io.IOException e) {
            missing = "gcc is not on the PATH, so the fake CUDA driver cannot be built: " + e.getMessage();
        }
    }

    @AfterEach
    void restoreProperty() {
        System.clearProperty(CudaBackendProvider.LIBRARY_PROPERTY);
    }

    static DeviceRuntime fakeDevice() {
        Assumptions.assumeTrue(fakeDriver != null, missing);
        System.setProperty(CudaBackendProvider.LIBRARY_PROPERTY, fakeDriver.toString());
        return new CudaBackendProvider().devices().get(0);
    }

    static int liveAllocations() {
        return SymbolLookup.libraryLookup(fakeDriver, Arena.global()).find("fake_live_allocations").orElseThrow()
                .reinterpret(4).get(ValueLayout.JAVA_INT, 0);
    }

    static MemorySegment global(String name, long bytes) {
        return SymbolLookup.libraryLookup(fakeDriver, Arena.global()).find(name).orElseThrow().reinterpret(bytes);
    }

    /** The fake driver adds one to each int of the first parameter of an entry named ...fakeAddOne. */
    static KernelIR addOne() {
        IrBuilder kb = new IrBuilder("test.Kernels", "fakeAddOne", KernelKind.WORK_ITEM);
        kb.context();
        ArrayRef a = kb.offHeapArray("a", ElementType.INT, Access.READ_WRITE);
        IrBuilder.BlockBuilder e = kb.entry();
        Var g = e.workItem(WorkItemQuery.GLOBAL_ID, 0);
        e.store(a, g, e.load(a, g));
        e.ret();
        return kb.build();
    }

    @Test
    void offHeapArraysRoundTripAndLaunchWithLongLengths() {
        DeviceRuntime device = fakeDevice();
        Random r = new Random(SEED);
        int before = liveAllocations();
        for (int n : new int[] {0, 1, 7919}) {
            int[] want = new int[n];
            try (CompiledKernel k = device.compile(addOne()); CudaSession s = (CudaSession) device.openSession();
                 IntArray a = IntArray.allocate(n)) {
                for (int q = 0; q < n; q++) a.set(q, want[q] = r.nextInt());
                if (n > 1) a.set(0, want[0] = Integer.MAX_VALUE); // wraps to MIN_VALUE
                DeviceEvent up = s.enqueueToDevice(a, List.of());
                if (n > 0) assertNotSame(DeviceEvent.COMPLETE, up, "an off-heap copy is asynchronous");
                DeviceEvent run = s.enqueueLaunch(k, new Object[] {null, a}, new LaunchGeometry(new long[] {Math.max(1, n)}, null), List.of(up));
                a.fill(0);
                DeviceEvent down = s.enqueueToHost(a, List.of(run));
                s.await(List.of(down));
                for (int q = 0; q < n; q++) assertEquals(want[q] + 1, a.get(q), "element " + q + " of " + n);
                long[] t = run.timestamps();
                assertNotNull(t);
                assertTrue(t[0] <= t[1] && t[1] <= t[2], java.util.Arrays.toString(t));
                // the launch passed the device pointer and the long length n
                int count = global("fake_param_count", 4).get(ValueLayout.JAVA_INT, 0);
                assertTrue(count >= 2, "parameters: " + count);
                assertEquals(n, global("fake_params", 16).get(ValueLayout.JAVA_INT, 8), "the length parameter");
                s.finish();
                assertEquals(0, s.pendingEvents(), "every CUDA event destroyed once complete");
                assertEquals(before + 1, liveAllocations(), "one device buffer, no staging buffer for an off-heap array");
            }
            assertEquals(before, liveAllocations());
        }
    }

    @Test
    void heapArraysStillWorkBesideOffHeapOnes() {
        DeviceRuntime device = fakeDevice();
        int[] heap = {1, 2, 3};
        try (DeviceSession s = device.openSession(); IntArray off = IntArray.of(4, 5)) {
            assertEquals(DeviceEvent.COMPLETE, s.enqueueToDevice(heap, List.of()), "heap copies complete before they return");
            s.toDevice(off);
            heap[0] = 9;
            off.set(0, 9);
            s.toHost(heap);
            s.toHost(off);
            assertArrayEquals(new int[] {1, 2, 3}, heap);
            assertArrayEquals(new int[] {4, 5}, off.toArray());
        }
    }

    @Test
    void misuseIsRefusedClearly() {
        DeviceRuntime device = fakeDevice();
        DeviceSession s = device.openSession();
        CompiledKernel k = device.compile(addOne());
        int[] heap = new int[4];
        s.toDevice(heap);
        IllegalArgumentException kind = assertThrows(IllegalArgumentException.class,
                () -> s.launch(k, new Object[] {null, heap}, new LaunchGeometry(new long[] {4}, null)));
        assertTrue(kind.getMessage().contains("was compiled for an off-heap array, but a int[] was given"), kind.getMessage());
        IntArray a = IntArray.allocate(4);
        assertThrows(IllegalStateException.class, () -> s.toHost(a), "never copied there");
        DeviceSession other = device.openSession();
        DeviceEvent foreign = other.enqueueToDevice(a, List.of());
        IllegalArgumentException wrongSession = assertThrows(IllegalArgumentException.class, () -> s.enqueueToDevice(a, List.of(foreign)));
        assertTrue(wrongSession.getMessage().contains("not made by this CUDA session"), wrongSession.getMessage());
        other.close();
        a.close();
        IllegalStateException closedArray = assertThrows(IllegalStateException.class, () -> s.toDevice(a));
        assertTrue(closedArray.getMessage().contains("is closed"), closedArray.getMessage());
        k.close();
        s.close();
        s.close(); // idempotent
        assertThrows(IllegalStateException.class, () -> s.toDevice(heap));
    }

    @Test
    void pinnedMemoryIsAlignedZeroedAndFreedOnce() {
        DeviceRuntime device = fakeDevice();
        int before = liveAllocations();
        for (long alignment : new long[] {1, 128, 1 << 16}) {
            HostAllocation h = device.allocateHost(1000, alignment);
            assertTrue(h.pinned());
            assertEquals(1000, h.segment().byteSize());
            assertEquals(0, h.segment().address() % alignment, "aligned to " + alignment);
            for (long q = 0; q < 1000; q++) assertEquals(0, h.segment().get(ValueLayout.JAVA_BYTE, q));
            assertEquals(before + 1, liveAllocations(), "one cuMemHostAlloc");
            h.release().run();
            h.release().run();
            assertEquals(before, liveAllocations(), "one cuMemFreeHost");
            assertThrows(IllegalStateException.class, () -> h.segment().get(ValueLayout.JAVA_BYTE, 0), "closed with the release");
        }
        assertThrows(IllegalArgumentException.class, () -> device.allocateHost(8, 24));
        assertThrows(IllegalArgumentException.class, () -> device.allocateHost(-8, 8));
    }
}
