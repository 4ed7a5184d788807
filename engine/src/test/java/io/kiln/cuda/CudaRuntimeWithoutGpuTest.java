package io.kiln.cuda;

import io.kiln.Backend;
import io.kiln.Device;
import io.kiln.Devices;
import io.kiln.KernelCompiler;
import io.kiln.KilnException;
import io.kiln.Target;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;
import io.kiln.ptx.KernelSignature;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceRuntime;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
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
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The CUDA back end's host side without a GPU: a missing or wrong driver library degrades to "not
 * available", and the FFM bindings run against a fake driver (test resource {@code fake_cuda.c},
 * compiled with gcc) that records what the driver would receive: launches are checked against the
 * kernel's signature and launch configuration.
 */
@SuppressWarnings("restricted")
class CudaRuntimeWithoutGpuTest {
    @TempDir
    static Path dir;
    static Path fakeDriver;
    static String gccMissing;

    @BeforeAll
    static void buildFakeDriver() throws Exception {
        Path source = dir.resolve("fake_cuda.c");
        try (InputStream in = CudaRuntimeWithoutGpuTest.class.getResourceAsStream("fake_cuda.c")) {
            Files.copy(in, source);
        }
        Path lib = dir.resolve("libfakecuda.so");
        try {
            Process p = new ProcessBuilder("gcc", "-shared", "-fPIC", "-O1", "-o", lib.toString(), source.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                gccMissing = "gcc failed to build the fake driver: " + out;
                return;
            }
            fakeDriver = lib;
        } catch (java.io.IOException e) {
            gccMissing = "gcc is not on the PATH, so the fake CUDA driver cannot be built: " + e.getMessage();
        }
    }

    @AfterEach
    void restoreProperty() {
        System.clearProperty(CudaBackendProvider.LIBRARY_PROPERTY);
    }

    static CudaBackendProvider providerFor(String library) {
        System.setProperty(CudaBackendProvider.LIBRARY_PROPERTY, library);
        return new CudaBackendProvider();
    }

    @Test
    void missingDriverIsNotAvailableWithTheReason() {
        CudaBackendProvider p = providerFor("libkiln-no-such-driver.so.1");
        assertTrue(p.devices().isEmpty());
        assertTrue(p.unavailableReason().startsWith("not available: libkiln-no-such-driver.so.1 not found"), p.unavailableReason());
    }

    @Test
    void aLibraryThatIsNotTheDriverIsNotAvailable() {
        CudaBackendProvider p = providerFor("libm.so.6");
        assertTrue(p.devices().isEmpty());
        assertTrue(p.unavailableReason().contains("has no cuGetErrorName"), p.unavailableReason());
    }

    @Test
    void devicesOmitCudaWhereTheDriverIsAbsentAndEmitStillWorks() {
        boolean hasCuda = Devices.list().stream().anyMatch(d -> d.backend() == Backend.CUDA);
        if (!hasCuda) {
            String reason = Devices.unavailable().get(Backend.CUDA);
            assertTrue(reason != null && reason.startsWith("not available: "), "reason: " + reason);
            assertTrue(Devices.list().isEmpty() || Devices.auto().backend() != Backend.CUDA);
        } else {
            assertEquals(Backend.CUDA, Devices.auto().backend(), "auto() prefers CUDA");
        }
        // PTX generation needs no driver
        String ptx = KernelCompiler.emit(JavaKernels.class, "matmul", Target.PTX);
        assertTrue(ptx.contains(".entry io_kiln_cuda_JavaKernels__matmul("), ptx);
        assertNull(new CudaBackendProvider().emit(FrontEnd.compile(JavaKernelsOnPtxTest.method("matmul")), Target.OPENCL_C));
    }

    private static SymbolLookup fake() {
        Assumptions.assumeTrue(fakeDriver != null, gccMissing);
        return SymbolLookup.libraryLookup(fakeDriver, Arena.global());
    }

    private static MemorySegment global(SymbolLookup fake, String name, long bytes) {
        return fake.find(name).orElseThrow().reinterpret(bytes);
    }

    @Test
    void oldGpusAreSkippedWithTheReason() {
        SymbolLookup fake = fake();
        global(fake, "fake_cc_major", 4).set(ValueLayout.JAVA_INT, 0, 7);
        global(fake, "fake_cc_minor", 4).set(ValueLayout.JAVA_INT, 0, 0);
        try {
            CudaBackendProvider p = providerFor(fakeDriver.toString());
            assertTrue(p.devices().isEmpty());
            assertTrue(p.unavailableReason().contains("Fake GPU 0 (compute capability 7.0)"), p.unavailableReason());
        } finally {
            global(fake, "fake_cc_minor", 4).set(ValueLayout.JAVA_INT, 0, 5);
        }
    }

    @Test
    void noGpuIsNotAvailable() {
        SymbolLookup fake = fake();
        global(fake, "fake_device_count", 4).set(ValueLayout.JAVA_INT, 0, 0);
        try {
            CudaBackendProvider p = providerFor(fakeDriver.toString());
            assertTrue(p.devices().isEmpty());
            assertEquals("not available: the CUDA driver finds no GPU", p.unavailableReason());
        } finally {
            global(fake, "fake_device_count", 4).set(ValueLayout.JAVA_INT, 0, 1);
        }
    }

    @Test
    void discoversDevicesThroughTheDriver() {
        fake();
        List<DeviceRuntime> devices = providerFor(fakeDriver.toString()).devices();
        assertEquals(1, devices.size());
        Device d = devices.get(0).device();
        assertEquals(new Device("cuda:0", Backend.CUDA, io.kiln.DeviceType.GPU, "Fake GPU 0", "NVIDIA", 4, 1L << 30), d);
    }

    @Test
    void launchPassesExactlyTheSignaturesParameters() throws Exception {
        SymbolLookup fake = fake();
        DeviceRuntime device = providerFor(fakeDriver.toString()).devices().get(0);
        KernelIR ir = FrontEnd.compile(JavaKernelsOnPtxTest.method("scalars"));
        double[] out = new double[1000];
        Object[] args = {true, (byte) -7, (short) 300, 'x', -5, 1L << 40, 0.1f, 1e-3, out};
        try (CompiledKernel k = device.compile(ir); DeviceSession s = device.openSession()) {
            s.toDevice(out);
            LaunchGeometry geometry = PtxRunner.geometry(ir, args, null, null);
            s.launch(k, args, geometry);
            s.finish();
            KernelSignature sig = KernelSignature.of(ir);
            int n = global(fake, "fake_param_count", 4).get(ValueLayout.JAVA_INT, 0);
            assertEquals(sig.slots().size(), n, "the driver sees as many parameters as the signature has");
            MemorySegment sizes = global(fake, "fake_param_sizes", 4L * n);
            MemorySegment params = global(fake, "fake_params", 8L * n);
            // ..., out, out_len, kiln_err: the error record's device address is the last parameter
            assertEquals(KernelSignature.Source.ERROR_RECORD, sig.slots().get(n - 1).source());
            long outPointer = params.get(ValueLayout.JAVA_LONG, 8L * (n - 3));
            long record = params.get(ValueLayout.JAVA_LONG, 8L * (n - 1));
            assertNotEquals(0L, record, "a checked launch gets the session's error record");
            assertNotEquals(outPointer, record, "the record is an allocation of its own");
            long[] expected = sig.pack(ir, args, a -> outPointer, geometry.sizes(), record);
            for (int i = 0; i < n; i++) {
                KernelSignature.Slot slot = sig.slots().get(i);
                assertEquals(slot.type().bytes(), sizes.getAtIndex(ValueLayout.JAVA_INT, i), "size of " + slot.name());
                long got = slot.type().bytes() == 4 ? params.get(ValueLayout.JAVA_INT, 8L * i) : params.get(ValueLayout.JAVA_LONG, 8L * i);
                long want = slot.type().bytes() == 4 ? (int) expected[i] : expected[i];
                assertEquals(want, got, "value of " + slot.name());
            }
            LaunchConfig lc = LaunchConfig.of(ir, geometry, ((CudaDevice) device).limits());
            assertArrayEquals(lc.grid(), global(fake, "fake_grid", 12).toArray(ValueLayout.JAVA_INT));
            assertArrayEquals(lc.block(), global(fake, "fake_block", 12).toArray(ValueLayout.JAVA_INT));
            assertEquals(0.5f, ((CudaSession) s).lastLaunchMillis());
            // a wrongly typed argument is refused before the driver sees it
            Object[] wrong = args.clone();
            wrong[4] = 5L;
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.launch(k, wrong, geometry));
            assertTrue(e.getMessage().contains("argument 4 ('n') must be a int, but a Long was given"), e.getMessage());
        }
    }

    /**
     * The session's side of bounds checks without a GPU: the fake driver's device memory is host memory,
     * so the test plays the device and writes a violation into the error record that a checked launch was
     * given; the next launch's copy back must turn it into the exception, and the launch after that must
     * find the record zeroed again.
     */
    @Test
    void aViolationRecordedOnTheDeviceBecomesTheException() {
        SymbolLookup fake = fake();
        DeviceRuntime device = providerFor(fakeDriver.toString()).devices().get(0);
        KernelIR ir = FrontEnd.compile(JavaKernelsOnPtxTest.method("workItem2d"));
        int outId = ir.arrayParams().get(0).array().id();
        int[] out = new int[8];
        Object[] args = {new io.kiln.KernelContext(), 4, out};
        LaunchGeometry geometry = new LaunchGeometry(new long[] {4, 2}, null);
        int before = global(fake, "fake_live_allocations", 4).get(ValueLayout.JAVA_INT, 0);
        try (CompiledKernel k = device.compile(ir); DeviceSession s = device.openSession()) {
            s.toDevice(out);
            s.launch(k, args, geometry);
            s.finish(); // a zeroed record: no violation
            int n = global(fake, "fake_param_count", 4).get(ValueLayout.JAVA_INT, 0);
            long address = global(fake, "fake_params", 8L * n).get(ValueLayout.JAVA_LONG, 8L * (n - 1));
            MemorySegment record = MemorySegment.ofAddress(address).reinterpret(CudaSession.RECORD_BYTES);
            assertEquals(0, record.get(ValueLayout.JAVA_INT, 0), "the record starts zeroed");

            // "the device": the first failing work-item wins the flag and writes array, line, index, length
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.FLAG, 1);
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.ARRAY, outId);
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.LINE, 186);
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.INDEX_LO, 9);
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.INDEX_LO + 1, 0);
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.LENGTH_LO, 8);
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.LENGTH_LO + 1, 0);
            io.kiln.spi.DeviceEvent launched = s.enqueueLaunch(k, args, geometry, List.of());
            assertTrue(!launched.isComplete(), "a checked launch is not complete until its record was looked at");
            io.kiln.KernelIndexOutOfBoundsException e = assertThrows(io.kiln.KernelIndexOutOfBoundsException.class,
                    () -> s.await(List.of(launched)));
            assertEquals("out", e.arrayName());
            assertEquals(9, e.index());
            assertEquals(8, e.length());
            assertEquals(186, e.line());
            assertTrue(e.getMessage().contains("workItem2d") && e.getMessage().contains("out"), e.getMessage());
            assertTrue(launched.isComplete(), "reported: complete now");
            s.finish(); // reported once, not again

            // the next checked launch zeroes the record before it runs
            s.launch(k, args, geometry);
            s.finish();
            assertEquals(0, record.get(ValueLayout.JAVA_INT, 0), "zeroed after the violation was reported");
            // a violation on the last launch is reported by finish as well
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.FLAG, 1);
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.INDEX_LO, -1);
            record.setAtIndex(ValueLayout.JAVA_INT, io.kiln.frontend.BoundsChecks.INDEX_LO + 1, -1);
            s.launch(k, args, geometry);
            io.kiln.KernelIndexOutOfBoundsException negative = assertThrows(io.kiln.KernelIndexOutOfBoundsException.class, s::finish);
            assertEquals(-1, negative.index());
        }
        assertEquals(before, global(fake, "fake_live_allocations", 4).get(ValueLayout.JAVA_INT, 0),
                "the record, its zeros and the host records are freed with the session");
    }

    @Test
    void copiesRoundTripThroughDeviceMemory() {
        SymbolLookup fake = fake();
        DeviceRuntime device = providerFor(fakeDriver.toString()).devices().get(0);
        IrBuilder kb = new IrBuilder("test.Kernels", "fakeAddOne", KernelKind.WORK_ITEM);
        kb.context();
        ArrayRef a = kb.array("a", ElementType.INT, Access.READ_WRITE);
        IrBuilder.BlockBuilder e = kb.entry();
        Var g = e.workItem(WorkItemQuery.GLOBAL_ID, 0);
        e.store(a, g, e.load(a, g));
        e.ret();
        KernelIR ir = kb.build();
        int before = global(fake, "fake_live_allocations", 4).get(ValueLayout.JAVA_INT, 0);
        int[] data = {1, 2, 3, -1};
        try (CompiledKernel k = device.compile(ir); DeviceSession s = device.openSession()) {
            s.toDevice(data);
            s.toDevice(data);
            s.launch(k, new Object[] {null, data}, new LaunchGeometry(new long[] {4}, null));
            s.launch(k, new Object[] {null, data}, new LaunchGeometry(new long[] {0}, null));
            assertArrayEquals(new int[] {1, 2, 3, -1}, data, "the host copy is untouched until toHost");
            s.toHost(data);
            assertArrayEquals(new int[] {2, 3, 4, 0}, data, "one launch ran, the empty grid was skipped");
            assertEquals(before + 2, global(fake, "fake_live_allocations", 4).get(ValueLayout.JAVA_INT, 0));
            s.release(data);
            assertEquals(before, global(fake, "fake_live_allocations", 4).get(ValueLayout.JAVA_INT, 0));
        }
    }

    @Test
    void aRefusedModuleReportsTheJitLog() {
        fake();
        DeviceRuntime device = providerFor(fakeDriver.toString()).devices().get(0);
        IrBuilder kb = new IrBuilder("test.Kernels", "INVALID", KernelKind.SINGLE);
        kb.entry().ret();
        KilnException e = assertThrows(KilnException.class, () -> device.compile(kb.build()));
        assertTrue(e.getMessage().contains("CUDA_ERROR_INVALID_PTX"), e.getMessage());
        assertTrue(e.getMessage().contains("JIT log:\nptxas fatal   : fake error in the kernel named INVALID"), e.getMessage());
    }
}
