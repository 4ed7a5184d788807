package io.kiln.cuda;

import io.kiln.FloatArray;
import io.kiln.IntArray;
import io.kiln.KernelContext;
import io.kiln.LongArray;
import io.kiln.frontend.FrontEnd;
import io.kiln.frontend.OffHeapArgs;
import io.kiln.frontend.OffHeapCases;
import io.kiln.frontend.OffHeapKernels;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ptx.KernelSignature;
import io.kiln.ptx.PtxAssembler;
import io.kiln.ptx.PtxEmitter;
import io.kiln.ptx.Ptxas;
import io.kiln.spi.CompiledKernel;
import io.kiln.spi.DeviceSession;
import io.kiln.spi.LaunchGeometry;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.BiFunction;

import static io.kiln.frontend.OffHeapArgs.bytes;
import static io.kiln.frontend.OffHeapArgs.doubles;
import static io.kiln.frontend.OffHeapArgs.floats;
import static io.kiln.frontend.OffHeapArgs.ints;
import static io.kiln.frontend.OffHeapArgs.longs;
import static io.kiln.frontend.OffHeapArgs.shorts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Off-heap array kernels through the PTX back end: ptxas accepts the PTX, the entry follows the kernel
 * ABI ({@code .u64} pointer, {@code .s64} length), and the PTX interpreter computes what the same
 * method computes on the JVM, for sizes 0, 1, a prime and more than one block (1024 threads).
 */
class OffHeapOnPtxTest {

    static Method method(String name) {
        return Arrays.stream(OffHeapKernels.class.getDeclaredMethods()).filter(m -> m.getName().equals(name)).findFirst().orElseThrow();
    }

    static void runOnJvm(Method m, KernelIR ir, Object[] args, long n) throws Exception {
        try {
            if (ir.kind() == KernelKind.WORK_ITEM) {
                KernelContext ctx = (KernelContext) args[0];
                for (int x = 0; x < n; x++) {
                    ctx.setGlobalId(x, 0, 0, (int) n, 1, 1);
                    m.invoke(null, args);
                }
            } else {
                m.invoke(null, args);
            }
        } catch (InvocationTargetException e) {
            throw (Exception) e.getCause();
        }
    }

    @TestFactory
    List<DynamicTest> interpreterAgreesWithTheJvm() {
        List<DynamicTest> tests = new ArrayList<>();
        for (OffHeapCases.Case c : OffHeapCases.all()) {
            for (int n : OffHeapCases.SIZES) {
                tests.add(DynamicTest.dynamicTest(c.method() + " n=" + n, () -> {
                    long seed = new Random().nextLong();
                    System.out.println("OffHeapOnPtxTest " + c.method() + " n=" + n + " seed=" + seed);
                    Method m = method(c.method());
                    KernelIR ir = FrontEnd.compile(m);
                    String ptx = PtxEmitter.emit(ir);
                    Object[] args = c.args().apply(new Random(seed), n);
                    Object[] jvm = OffHeapArgs.copy(args);
                    try {
                        runOnJvm(m, ir, jvm, n);
                        long[] grid = c.workItems() ? new long[] {Math.max(n, 1)} : null;
                        if (c.workItems() && n == 0) return; // an empty grid launches nothing
                        PtxRunner.run(ir, ptx, args, PtxRunner.geometry(ir, args, grid, null));
                        String diff = OffHeapArgs.firstDifference(jvm, args);
                        assertNull(diff, () -> c.method() + " n=" + n + " seed=" + seed + ": " + diff + "\n" + ptx);
                    } finally {
                        OffHeapArgs.close(args, jvm);
                    }
                }));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> ptxasAcceptsEveryKernel() {
        return OffHeapCases.all().stream().map(c -> DynamicTest.dynamicTest(c.method(), () -> {
            Assumptions.assumeTrue(Ptxas.available(), Ptxas.absentReason());
            String ptx = PtxEmitter.emit(FrontEnd.compile(method(c.method())));
            PtxAssembler.Result r = PtxAssembler.assemble(ptx, PtxEmitter.PTX_TARGET);
            assertEquals(0, r.exitCode(), () -> r.output() + "\n" + ptx);
            assertTrue(r.clean(), () -> "ptxas warned: " + r.output());
        })).toList();
    }

    @Test
    void entryFollowsTheKernelAbi() {
        String saxpy = PtxEmitter.emit(FrontEnd.compile(method("saxpy")));
        assertTrue(saxpy.contains(".param .u64 p1_x,\n\t.param .s64 p1_x_len,"), saxpy);
        // x.get(i) is not proven by the loop bound on y: the entry ends with the error record
        assertTrue(saxpy.contains(".param .u64 p2_y,\n\t.param .s64 p2_y_len,\n\t.param .u64 kiln_err\n"), saxpy);
        assertTrue(saxpy.contains("ld.param.s64"), saxpy);
        assertTrue(saxpy.contains("cvt.u64.u32"), "the long loop's first index is the zero-extended global id:\n" + saxpy);
        assertTrue(saxpy.contains("mul.wide.u32"), "the long loop's stride is a 64-bit product:\n" + saxpy);
        assertTrue(saxpy.contains("mul.lo.s64"), "an I64 index scales in 64 bits:\n" + saxpy);
        String mixed = PtxEmitter.emit(FrontEnd.compile(method("mixed")));
        assertTrue(mixed.contains(".param .u64 p0_a,\n\t.param .s32 p0_a_len,"), mixed);
        assertTrue(mixed.contains(".param .u64 p1_b,\n\t.param .s64 p1_b_len,"), mixed);
        assertTrue(mixed.contains("mul.wide.s32"), "Java arrays keep 32-bit indices:\n" + mixed);

        KernelIR ir = FrontEnd.compile(method("mixed"));
        KernelSignature sig = KernelSignature.of(ir);
        // only b is proven by the loop bound: a, c and d are checked, so the error record's pointer comes last
        assertEquals(List.of("U64", "S32", "U64", "S64", "U64", "S32", "U64", "S64", "U64"),
                sig.slots().stream().map(s -> s.type().name()).toList());
        assertEquals(KernelSignature.Source.ERROR_RECORD, sig.slots().getLast().source());
        try (FloatArray b = FloatArray.allocate(5); io.kiln.DoubleArray d = io.kiln.DoubleArray.allocate(6)) {
            long[] packed = sig.pack(ir, new Object[] {new float[4], b, new float[3], d}, a -> 0x1000, null);
            assertEquals(4, packed[1]);
            assertEquals(5, packed[3]);
            assertEquals(3, packed[5]);
            assertEquals(6, packed[7]);
            IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                    () -> sig.pack(ir, new Object[] {new float[4], new float[5], new float[3], d}, a -> 0, null));
            assertTrue(wrong.getMessage().contains("argument 1 ('b') must be an io.kiln.FloatArray, but a float[] was given"), wrong.getMessage());
            IllegalArgumentException swapped = assertThrows(IllegalArgumentException.class,
                    () -> sig.pack(ir, new Object[] {b, b, new float[3], d}, a -> 0, null));
            assertTrue(swapped.getMessage().contains("argument 0 ('a') must be a float[], but a FloatArray was given"), swapped.getMessage());
            b.close();
            IllegalArgumentException closed = assertThrows(IllegalArgumentException.class,
                    () -> sig.pack(ir, new Object[] {new float[4], b, new float[3], d}, a -> 0, null));
            assertTrue(closed.getMessage().contains("is a closed FloatArray"), closed.getMessage());
        }
    }

    /** Through the interpreter device's session: copies to the device, a launch, copies back. */
    @Test
    void sessionMarshalsOffHeapArguments() throws Exception {
        long seed = new Random().nextLong();
        System.out.println("OffHeapOnPtxTest session seed=" + seed);
        Random r = new Random(seed);
        PtxInterpreterProvider.Runtime rt = new PtxInterpreterProvider.Runtime();
        KernelIR ir = FrontEnd.compile(method("mixed"));
        CompiledKernel k = rt.compile(ir);
        int n = 1031;
        Object[] args = {OffHeapArgs.javaFloats(r, n), floats(r, n), new float[n], doubles(r, n)};
        Object[] jvm = OffHeapArgs.copy(args);
        try (DeviceSession s = rt.openSession()) {
            method("mixed").invoke(null, jvm);
            for (Object a : args) s.toDevice(a);
            // the host copy changes after the transfer: the launch must use the device copy
            ((FloatArray) args[1]).fill(99f);
            s.launch(k, args, PtxRunner.geometry(ir, args, null, null));
            s.toHost(args[2]);
            s.toHost(args[3]);
            ((FloatArray) args[1]).copyFrom((FloatArray) jvm[1]);
            assertNull(OffHeapArgs.firstDifference(jvm, args), "seed " + seed);
            s.release(args[3]);
            IllegalStateException gone = assertThrows(IllegalStateException.class, () -> s.toHost(args[3]));
            assertTrue(gone.getMessage().contains("no copy"), gone.getMessage());
        } finally {
            OffHeapArgs.close(args, jvm);
        }
    }

    @Test
    void longTripCountsLaunchByStriding() {
        // a 64-bit trip count larger than any grid: the launch is capped and the loop strides, and the
        // interpreter's run stays correct on the elements that exist
        KernelIR ir = FrontEnd.compile(method("saxpy"));
        try (FloatArray x = FloatArray.allocate(3000); FloatArray y = FloatArray.allocate(3000)) {
            x.fill(2f);
            y.fill(1f);
            Object[] args = {3f, x, y};
            LaunchGeometry g = new LaunchGeometry(new long[] {100}, null); // fewer work-items than elements
            PtxRunner.run(ir, args, g);
            for (long i = 0; i < y.length(); i++) assertEquals(7f, y.get(i), "index " + i);
        }
    }
}
