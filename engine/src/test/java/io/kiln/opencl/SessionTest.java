package io.kiln.opencl;

import io.kiln.KilnException;
import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.ScalarKind;
import io.kiln.ir.Var;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import static io.kiln.ir.IrBuilder.i;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sessions: transfers, scalar arguments, empty arrays, sharing kernels between threads, leaks, build errors. */
class SessionTest {

    /** {@code out[i] = a[i] * s + (i < b.length ? b[i] : 0) + flag + (int) c} over scalars of every kind. */
    static KernelIR scaleKernel() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "scale", KernelKind.WORK_ITEM);
        b.context();
        Var s = b.scalar("s", ScalarKind.INT);
        ArrayRef a = b.array("a", ElementType.INT, Access.READ);
        ArrayRef bb = b.array("b", ElementType.INT, Access.READ);
        ArrayRef out = b.array("out", ElementType.INT, Access.WRITE);
        Var flag = b.scalar("flag", ScalarKind.BOOLEAN);
        Var c = b.scalar("c", ScalarKind.CHAR);
        Var by = b.scalar("by", ScalarKind.BYTE);
        Var l = b.scalar("l", ScalarKind.LONG);
        Var idx = b.guardedIndex(b.length(a));
        Var v = b.binary(BinOp.MUL, b.load(a, idx), s);
        Var extra = b.var(io.kiln.ir.Type.I32, "extra");
        b.move(extra, i(0));
        IrBuilder.BlockBuilder load = b.block();
        IrBuilder.BlockBuilder join = b.block();
        b.branch(io.kiln.ir.CmpOp.LT, idx, b.length(bb), load, join);
        b.at(load).move(extra, b.load(bb, idx));
        b.jump(join);
        b.at(join);
        Var sum = b.binary(BinOp.ADD, b.binary(BinOp.ADD, v, extra), b.binary(BinOp.ADD, flag, b.binary(BinOp.ADD, c, by)));
        Var withL = b.binary(BinOp.ADD, sum, b.convert(io.kiln.ir.Conversion.L2I, b.binary(BinOp.SHR, l, i(32))));
        b.store(out, idx, withL);
        b.ret();
        return b.build();
    }

    static int[] expected(int[] a, int s, int[] b, boolean flag, char c, byte by, long l) {
        int[] r = new int[a.length];
        for (int k = 0; k < a.length; k++) {
            r[k] = a[k] * s + (k < b.length ? b[k] : 0) + (flag ? 1 : 0) + c + by + (int) (l >> 32);
        }
        return r;
    }

    @Test
    void scalarsOfEveryKindAndEmptyArrays() {
        OpenClDeviceRuntime device = ClTest.device();
        int[] a = {1, 2, 3, -4, Integer.MAX_VALUE};
        int[] empty = new int[0];
        int[] out = new int[a.length];
        try (CompiledKernel k = device.compile(scaleKernel()); DeviceSession s = device.openSession()) {
            s.toDevice(a);
            s.toDevice(empty);
            s.toDevice(out);
            s.launch(k, new Object[] {null, 3, a, empty, out, true, '\uffff', (byte) -5, 7L << 32}, new LaunchGeometry(new long[] {a.length}, null));
            s.toHost(out);
            s.toHost(empty);
            assertArrayEquals(expected(a, 3, empty, true, '\uffff', (byte) -5, 7L << 32), out);
            // the same session again, with new contents in a and a different scalar
            a[0] = 100;
            s.toDevice(a);
            s.launch(k, new Object[] {null, -1, a, a, out, false, 'A', (byte) 127, -1L}, new LaunchGeometry(new long[] {a.length}, null));
            s.toHost(out);
            assertArrayEquals(expected(a, -1, a, false, 'A', (byte) 127, -1L), out);
            // nothing to do: a zero-size launch is skipped, not an OpenCL error
            s.launch(k, new Object[] {null, 1, empty, empty, empty, false, 'a', (byte) 0, 0L}, new LaunchGeometry(new long[] {0}, null));
            s.finish();
        }
    }

    @Test
    void misuseGivesClearMessages() {
        OpenClDeviceRuntime device = ClTest.device();
        int[] a = {1};
        try (CompiledKernel k = device.compile(scaleKernel()); DeviceSession s = device.openSession()) {
            IllegalStateException notThere = assertThrows(IllegalStateException.class,
                    () -> s.launch(k, new Object[] {null, 1, a, a, a, true, 'a', (byte) 0, 0L}, new LaunchGeometry(new long[] {1}, null)));
            assertTrue(notThere.getMessage().contains("toDevice"), notThere.getMessage());
            s.toDevice(a);
            IllegalArgumentException wrongScalar = assertThrows(IllegalArgumentException.class,
                    () -> s.launch(k, new Object[] {null, "three", a, a, a, true, 'a', (byte) 0, 0L}, new LaunchGeometry(new long[] {1}, null)));
            assertTrue(wrongScalar.getMessage().contains("'s'"), wrongScalar.getMessage());
            assertThrows(IllegalStateException.class, () -> s.toHost(new int[1]));
            assertThrows(IllegalArgumentException.class, () -> s.toDevice(new Object[1]));
        }
    }

    @Test
    void buildFailureCarriesTheLogAndNumberedSource() {
        OpenClDeviceRuntime device = ClTest.device();
        // An IR the emitter translates but the device refuses: a float used as an array index.
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "broken", KernelKind.SINGLE);
        ArrayRef a = b.array("a", ElementType.INT, Access.WRITE);
        b.add(new Instr.Store(a, Const.ofFloat(1.5f), i(1), 0));
        b.ret();
        KernelIR broken = b.buildUnverified(); // the verifier would refuse it (TYPE), as the front end never makes it
        KilnException e = assertThrows(KilnException.class, () -> device.compile(broken));
        String m = e.getMessage();
        assertTrue(m.contains("--- build log ---") && m.contains("--- OpenCL C source ---"), m);
        assertTrue(m.contains("TestKernels.broken") && m.contains("opencl:0"), m);
        assertTrue(m.matches("(?s).*\\n *1\\| /\\*.*"), "the source is printed with line numbers: " + m);
        assertTrue(m.toLowerCase().contains("subscript") || m.contains("error"), "the device's own diagnostics are included: " + m);
    }

    @Test
    void sessionsAndKernelsReleaseEverything() {
        OpenClDeviceRuntime device = ClTest.device();
        long baseline = OpenClResources.liveObjects();
        CompiledKernel k = device.compile(scaleKernel());
        assertEquals(baseline + 2, OpenClResources.liveObjects(), "a compiled kernel holds a program and a kernel: " + OpenClResources.describe());
        int[] a = {1, 2, 3};
        int[] empty = new int[0];
        int[] out = new int[3];
        for (int round = 0; round < 2000; round++) {
            try (DeviceSession s = device.openSession()) {
                s.toDevice(a);
                s.toDevice(empty);
                s.toDevice(out);
                if (round == 0) {
                    assertEquals(baseline + 2 + 1 + 3, OpenClResources.liveObjects(), "a queue and three buffers: " + OpenClResources.describe());
                }
                s.launch(k, new Object[] {null, round, a, empty, out, false, 'a', (byte) 1, 0L}, new LaunchGeometry(new long[] {3}, null));
                s.toHost(out);
                s.release(empty);
            }
            assertEquals(round * 1 + 'a' + 1, out[0]);
        }
        assertEquals(baseline + 2, OpenClResources.liveObjects(), "after closing every session: " + OpenClResources.describe());
        k.close();
        k.close(); // idempotent
        assertEquals(baseline, OpenClResources.liveObjects(), "after closing the kernel: " + OpenClResources.describe());
        for (int round = 0; round < 10; round++) {
            device.compile(scaleKernel()).close();
        }
        assertEquals(baseline, OpenClResources.liveObjects(), "compile + close ten times: " + OpenClResources.describe());
    }

    @Test
    void oneKernelSharedByManyThreads() throws Exception {
        OpenClDeviceRuntime device = ClTest.device();
        long baseline = OpenClResources.liveObjects();
        try (CompiledKernel k = device.compile(scaleKernel())) {
            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> jobs = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    int scale = t + 2;
                    jobs.add(pool.submit(() -> {
                        int[] a = new int[257];
                        for (int q = 0; q < a.length; q++) a[q] = q * scale;
                        int[] out = new int[a.length];
                        try (DeviceSession s = device.openSession()) {
                            s.toDevice(a);
                            s.toDevice(out);
                            for (int round = 0; round < 100; round++) {
                                s.launch(k, new Object[] {null, round, a, out, out, false, (char) 0, (byte) 0, 0L},
                                        new LaunchGeometry(new long[] {a.length}, null));
                                s.toHost(out);
                                for (int q = 0; q < a.length; q++) {
                                    // out was copied to the device before this launch, and b aliases it: out = a * round + out_before
                                    if (out[q] != a[q] * round + expectedBefore(a, q, round)) {
                                        throw new AssertionError("thread " + scale + " round " + round + " element " + q + ": " + out[q]);
                                    }
                                }
                                s.toDevice(out);
                            }
                        }
                        return null;
                    }));
                }
                for (Future<?> f : jobs) f.get();
            } finally {
                pool.shutdown();
            }
        }
        assertEquals(baseline, OpenClResources.liveObjects(), OpenClResources.describe());
    }

    /** out after {@code round} rounds of {@code out = a * r + out} is {@code a * (0 + 1 + ... + round - 1)}. */
    private static int expectedBefore(int[] a, int q, int round) {
        return a[q] * (round * (round - 1) / 2);
    }

    @Test
    void deviceDescription() {
        OpenClDeviceRuntime device = ClTest.device();
        assertEquals("opencl:0", device.device().id());
        assertNotNull(device.device().type());
        assertTrue(!device.device().name().isBlank() && device.device().computeUnits() > 0 && device.device().memoryBytes() > 0,
                device.device().toString());
    }
}
