package io.kiln.cuda;

import io.kiln.KernelContext;
import io.kiln.KernelIndexOutOfBoundsException;
import io.kiln.frontend.BoundsChecks;
import io.kiln.frontend.FrontEnd;
import io.kiln.ir.KernelIR;
import io.kiln.passes.BoundsKernels;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Java's array bounds in the PTX the CUDA back end emits, run by the interpreter device. The
 * interpreter faults on any access outside an allocation, so a passing test also shows that a failed
 * check touched no memory past the array.
 */
class BoundsChecksOnPtxTest {
    private static final int N = 300;

    private static Method method(String name) {
        return Arrays.stream(BoundsKernels.class.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    /** Through the interpreter device's session: launch, then the wait reports the violation. */
    private static KernelIndexOutOfBoundsException failing(KernelIR ir, Object[] args, LaunchGeometry g) {
        PtxInterpreterProvider.Runtime rt = new PtxInterpreterProvider.Runtime();
        CompiledKernel k = rt.compile(ir);
        try (DeviceSession s = rt.openSession()) {
            for (Object a : args) if (PtxRunner.isData(a)) s.toDevice(a);
            s.launch(k, args, g);
            KernelIndexOutOfBoundsException e = assertThrows(KernelIndexOutOfBoundsException.class, s::finish);
            s.finish(); // reported once; the session stays usable
            return e;
        }
    }

    @Test
    void readsAndWritesJustPastFarPastAndNegative() {
        long seed = new Random().nextLong();
        System.out.println("BoundsChecksOnPtxTest seed=" + seed);
        Random r = new Random(seed);
        float[] in = new float[N];
        for (int i = 0; i < N; i++) in[i] = r.nextFloat();
        for (String kernel : new String[] {"shiftedCopy", "shiftedStore"}) {
            KernelIR ir = FrontEnd.compile(method(kernel));
            assertTrue(BoundsChecks.hasChecks(ir));
            for (int offset : new int[] {1, -1, 100_000_000, Integer.MIN_VALUE}) {
                Object[] args = {in, new float[N], offset};
                KernelIndexOutOfBoundsException e = failing(ir, args, PtxRunner.geometry(ir, args, null, null));
                assertEquals(kernel.equals("shiftedCopy") ? "in" : "out", e.arrayName(), e.getMessage());
                assertEquals(N, e.length());
                assertEquals(PtxInterpreterProvider.ID, e.device());
                assertTrue((long) e.index() - offset >= 0 && (long) e.index() - offset < N, e.getMessage());
                if (offset == 1) assertEquals(N, e.index());
                if (offset == -1) assertEquals(-1, e.index());
            }
            // in range: the JVM's result
            float[] got = new float[N];
            float[] want = new float[N];
            PtxRunner.run(ir, new Object[] {in, got, 0}, PtxRunner.geometry(ir, new Object[] {in, got, 0}, null, null));
            if (kernel.equals("shiftedCopy")) BoundsKernels.shiftedCopy(in, want, 0);
            else BoundsKernels.shiftedStore(in, want, 0);
            assertArrayEquals(want, got);
        }
    }

    @Test
    void roundedUpGridPrivateAndLocalArrays() {
        KernelIR scale = FrontEnd.compile(method("unguardedScale"));
        float[] x = new float[N];
        KernelIndexOutOfBoundsException e = failing(scale, new Object[] {new KernelContext(), x},
                new LaunchGeometry(new long[] {320}, new long[] {64}));
        assertTrue(e.index() >= N && e.index() < 320, e.getMessage());

        KernelIR priv = FrontEnd.compile(method("privateIndex"));
        int[] idx = new int[64];
        idx[10] = 4;
        e = failing(priv, new Object[] {idx, new int[64]}, PtxRunner.geometry(priv, new Object[] {idx, new int[64]}, null, null));
        assertEquals("private array", e.arrayKind());
        assertEquals(4, e.index());
        assertEquals(4, e.length());

        KernelIR local = FrontEnd.compile(method("localIndex"));
        int[] li = new int[128];
        li[100] = -5;
        e = failing(local, new Object[] {new KernelContext(), li, new int[128]}, new LaunchGeometry(new long[] {128}, new long[] {64}));
        assertEquals("local array", e.arrayKind());
        assertEquals(-5, e.index());
        assertEquals(64, e.length());
    }
}
