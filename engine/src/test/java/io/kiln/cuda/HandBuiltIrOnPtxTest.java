package io.kiln.cuda;

import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.AtomicOp;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.CompareKind;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import io.kiln.ir.WorkItemQuery;
import io.kiln.ptx.PtxAssembler;
import io.kiln.ptx.PtxEmitter;
import io.kiln.spi.LaunchGeometry;
import io.kiln.testing.RandomArrays;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static io.kiln.ir.IrBuilder.d;
import static io.kiln.ir.IrBuilder.f;
import static io.kiln.ir.IrBuilder.i;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * IR the front end does not (yet) produce, built by hand: division by zero, three-way compares as
 * values, barriers with local memory, atomics, every work-item query, narrow constant tables and
 * float-typed math calls. Each kernel is assembled by ptxas and run in the interpreter.
 */
class HandBuiltIrOnPtxTest {

    static void assemble(KernelIR ir) {
        String ptx = PtxEmitter.emit(ir);
        if (PtxAssembler.find() == null) return;
        PtxAssembler.Result r = PtxAssembler.assemble(ptx, PtxEmitter.PTX_TARGET);
        assertTrue(r.clean(), () -> "ptxas: " + r.output() + "\n" + ptx);
    }

    static void run(KernelIR ir, Object[] args, long[] grid, long[] local) {
        assemble(ir);
        PtxRunner.run(ir, args, PtxRunner.geometry(ir, args, grid, local));
    }

    @Test
    void integerDivisionByZeroGivesZeroAndMinOverMinusOneWraps() {
        IrBuilder k = new IrBuilder("test.Kernels", "div", KernelKind.WORK_ITEM);
        k.context();
        ArrayRef a = k.array("a", ElementType.INT, Access.READ);
        ArrayRef b = k.array("b", ElementType.INT, Access.READ);
        ArrayRef q = k.array("q", ElementType.INT, Access.WRITE);
        ArrayRef la = k.array("la", ElementType.LONG, Access.READ);
        ArrayRef lb = k.array("lb", ElementType.LONG, Access.READ);
        ArrayRef lq = k.array("lq", ElementType.LONG, Access.WRITE);
        IrBuilder.BlockBuilder e = k.entry();
        Var g = e.workItem(WorkItemQuery.GLOBAL_ID, 0);
        Var x = e.load(a, g);
        Var y = e.load(b, g);
        Var o = e.binary(BinOp.MUL, g, i(4));
        e.store(q, o, e.binary(BinOp.DIV, x, y));
        e.store(q, e.binary(BinOp.ADD, o, i(1)), e.binary(BinOp.REM, x, y));
        e.store(q, e.binary(BinOp.ADD, o, i(2)), e.binary(BinOp.DIV, x, i(0)));
        e.store(q, e.binary(BinOp.ADD, o, i(3)), e.binary(BinOp.DIV, x, i(-1)));
        Var lx = e.load(la, g);
        Var ly = e.load(lb, g);
        Var lo = e.binary(BinOp.MUL, g, i(2));
        e.store(lq, lo, e.binary(BinOp.DIV, lx, ly));
        e.store(lq, e.binary(BinOp.ADD, lo, i(1)), e.binary(BinOp.REM, lx, ly));
        e.ret();
        KernelIR ir = k.build();
        int[] ai = {7, Integer.MIN_VALUE, Integer.MIN_VALUE, -7, 5};
        int[] bi = {0, -1, 0, 2, -1};
        long[] al = {7, Long.MIN_VALUE, Long.MIN_VALUE, -7, 5};
        long[] bl = {0, -1, 0, 2, -1};
        int[] qi = new int[20];
        long[] ql = new long[10];
        run(ir, new Object[] {null, ai, bi, qi, al, bl, ql}, new long[] {5}, null);
        int[] want = new int[20];
        long[] wantL = new long[10];
        for (int n = 0; n < 5; n++) {
            want[4 * n] = bi[n] == 0 ? 0 : ai[n] / bi[n];
            want[4 * n + 1] = bi[n] == 0 ? 0 : ai[n] % bi[n];
            want[4 * n + 2] = 0;
            want[4 * n + 3] = ai[n] / -1;
            wantL[2 * n] = bl[n] == 0 ? 0 : al[n] / bl[n];
            wantL[2 * n + 1] = bl[n] == 0 ? 0 : al[n] % bl[n];
        }
        assertArrayEquals(want, qi);
        assertArrayEquals(wantL, ql);
    }

    @Test
    void threeWayComparesAsValues() {
        IrBuilder k = new IrBuilder("test.Kernels", "cmp", KernelKind.WORK_ITEM);
        k.context();
        ArrayRef fa = k.array("fa", ElementType.FLOAT, Access.READ);
        ArrayRef da = k.array("da", ElementType.DOUBLE, Access.READ);
        ArrayRef la = k.array("la", ElementType.LONG, Access.READ);
        ArrayRef out = k.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder e = k.entry();
        Var g = e.workItem(WorkItemQuery.GLOBAL_ID, 0);
        Var n = e.workItem(WorkItemQuery.GLOBAL_SIZE, 0);
        Var h = e.binary(BinOp.SUB, e.binary(BinOp.SUB, n, g), i(1));
        Var o = e.binary(BinOp.MUL, g, i(5));
        e.store(out, o, e.compare(CompareKind.FCMPL, e.load(fa, g), e.load(fa, h)));
        e.store(out, e.binary(BinOp.ADD, o, i(1)), e.compare(CompareKind.FCMPG, e.load(fa, g), e.load(fa, h)));
        e.store(out, e.binary(BinOp.ADD, o, i(2)), e.compare(CompareKind.DCMPL, e.load(da, g), e.load(da, h)));
        e.store(out, e.binary(BinOp.ADD, o, i(3)), e.compare(CompareKind.DCMPG, e.load(da, g), d(0.5)));
        e.store(out, e.binary(BinOp.ADD, o, i(4)), e.compare(CompareKind.LCMP, e.load(la, g), e.load(la, h)));
        e.ret();
        KernelIR ir = k.build();
        float[] fs = {Float.NaN, 1f, -0f, 0f, 2f, Float.NEGATIVE_INFINITY, 1f};
        double[] ds = {0.5, Double.NaN, -0d, 0d, 3, 0.5, Double.POSITIVE_INFINITY};
        long[] ls = {Long.MIN_VALUE, 5, -5, 0, 5, Long.MAX_VALUE, -1};
        int[] got = new int[35];
        run(ir, new Object[] {null, fs, ds, ls, got}, new long[] {7}, null);
        int[] want = new int[35];
        for (int g2 = 0; g2 < 7; g2++) {
            int h2 = 6 - g2;
            want[5 * g2] = fcmpl(fs[g2], fs[h2]);
            want[5 * g2 + 1] = fcmpg(fs[g2], fs[h2]);
            want[5 * g2 + 2] = fcmpl(ds[g2], ds[h2]);
            want[5 * g2 + 3] = fcmpg(ds[g2], 0.5);
            want[5 * g2 + 4] = Long.compare(ls[g2], ls[h2]);
        }
        assertArrayEquals(want, got);
    }

    /** The JVM's fcmpl/dcmpl: NaN gives -1. */
    static int fcmpl(double a, double b) {
        return a > b ? 1 : a == b ? 0 : -1;
    }

    /** The JVM's fcmpg/dcmpg: NaN gives 1. */
    static int fcmpg(double a, double b) {
        return a < b ? -1 : a == b ? 0 : 1;
    }

    @Test
    void barrierAndLocalMemoryReverseEachWorkGroup() {
        IrBuilder k = new IrBuilder("test.Kernels", "reverse", KernelKind.WORK_ITEM);
        k.context();
        ArrayRef in = k.array("in", ElementType.FLOAT, Access.READ);
        ArrayRef out = k.array("out", ElementType.FLOAT, Access.WRITE);
        ArrayRef ids = k.array("ids", ElementType.INT, Access.WRITE);
        ArrayRef tile = k.localArray("tile", ElementType.FLOAT, 16);
        IrBuilder.BlockBuilder e = k.entry();
        Var g = e.workItem(WorkItemQuery.GLOBAL_ID, 0);
        Var l = e.workItem(WorkItemQuery.LOCAL_ID, 0);
        Var ls = e.workItem(WorkItemQuery.LOCAL_SIZE, 0);
        Var grp = e.workItem(WorkItemQuery.GROUP_ID, 0);
        Var ng = e.workItem(WorkItemQuery.NUM_GROUPS, 0);
        e.store(tile, l, e.load(in, g));
        e.barrier();
        e.store(out, g, e.load(tile, e.binary(BinOp.SUB, e.binary(BinOp.SUB, ls, l), i(1))));
        Var packed = e.binary(BinOp.ADD, e.binary(BinOp.MUL, grp, i(100)), ng);
        e.store(ids, g, e.binary(BinOp.ADD, e.binary(BinOp.MUL, packed, i(1000)), ls));
        e.ret();
        KernelIR ir = k.build();
        float[] x = RandomArrays.floats(new Random(1), 64);
        float[] y = new float[64];
        int[] id = new int[64];
        run(ir, new Object[] {null, x, y, id}, new long[] {64}, new long[] {16});
        for (int n = 0; n < 64; n++) {
            int group = n / 16;
            assertEquals(Float.floatToIntBits(x[group * 16 + 15 - n % 16]), Float.floatToIntBits(y[n]), "element " + n);
            assertEquals((group * 100 + 4) * 1000 + 16, id[n], "ids of " + n);
        }
        // without a local size, a barrier kernel gets whole blocks dividing the grid
        LaunchConfig lc = LaunchConfig.of(ir, new LaunchGeometry(new long[] {48}, null), PtxRunner.LIMITS);
        assertEquals(0, 48 % lc.block()[0]);
    }

    @Test
    void atomicsOnGlobalMemory() {
        IrBuilder k = new IrBuilder("test.Kernels", "atomics", KernelKind.WORK_ITEM);
        k.context();
        ArrayRef hist = k.array("hist", ElementType.INT, Access.READ_WRITE);
        ArrayRef lsum = k.array("lsum", ElementType.LONG, Access.READ_WRITE);
        ArrayRef fsum = k.array("fsum", ElementType.FLOAT, Access.READ_WRITE);
        ArrayRef dsum = k.array("dsum", ElementType.DOUBLE, Access.READ_WRITE);
        ArrayRef slots = k.array("slots", ElementType.INT, Access.READ_WRITE);
        ArrayRef fslots = k.array("fslots", ElementType.FLOAT, Access.READ_WRITE);
        IrBuilder.BlockBuilder e = k.entry();
        Var g = e.workItem(WorkItemQuery.GLOBAL_ID, 0);
        e.atomic(AtomicOp.ADD, hist, e.binary(BinOp.AND, g, i(3)), i(1), null);
        e.atomic(AtomicOp.MIN, hist, i(4), e.binary(BinOp.SUB, i(50), g), null);
        e.atomic(AtomicOp.MAX, hist, i(5), e.binary(BinOp.SUB, i(50), g), null);
        e.atomic(AtomicOp.ADD, lsum, i(0), e.convert(io.kiln.ir.Conversion.I2L, g), null);
        e.atomic(AtomicOp.ADD, fsum, i(0), f(0x1p-140f), null);
        e.atomic(AtomicOp.ADD, dsum, i(0), d(0.25), null);
        Var old = e.atomic(AtomicOp.EXCHANGE, slots, g, e.binary(BinOp.ADD, g, i(1000)), null);
        e.atomic(AtomicOp.COMPARE_AND_SET, slots, e.binary(BinOp.ADD, g, i(100)), e.binary(BinOp.ADD, old, i(7)), g);
        e.atomic(AtomicOp.COMPARE_AND_SET, fslots, g, f(2.5f), f(1f));
        e.ret();
        KernelIR ir = k.build();
        int n = 100;
        int[] h = new int[6];
        h[4] = Integer.MAX_VALUE;
        h[5] = Integer.MIN_VALUE;
        long[] ls = new long[1];
        float[] fs = new float[1];
        double[] ds = new double[1];
        int[] sl = new int[200];
        for (int x = 0; x < 200; x++) sl[x] = x % 100;
        float[] fsl = new float[n];
        for (int x = 0; x < n; x++) fsl[x] = x % 2 == 0 ? 1f : 3f;
        run(ir, new Object[] {null, h, ls, fs, ds, sl, fsl}, new long[] {n}, null);
        assertArrayEquals(new int[] {25, 25, 25, 25, 50 - 99, 50}, h);
        assertEquals(99L * 100 / 2, ls[0]);
        assertEquals(100 * 0x1p-140f, fs[0], "subnormal sums must not be flushed to zero");
        assertEquals(25.0, ds[0]);
        for (int x = 0; x < n; x++) {
            assertEquals(x + 1000, sl[x]);
            assertEquals(x + 7, sl[x + 100], "CAS at " + (x + 100) + " expected " + x);
            assertEquals(x % 2 == 0 ? 2.5f : 3f, fsl[x]);
        }
    }

    @Test
    void privateArraysAndNarrowConstantTables() {
        IrBuilder k = new IrBuilder("test.Kernels", "tables", KernelKind.SINGLE);
        ArrayRef out = k.array("out", ElementType.LONG, Access.WRITE);
        ArrayRef bytes = k.constantArray("bytes", ElementType.BYTE, -3, 200, 7);
        ArrayRef shorts = k.constantArray("shorts", ElementType.SHORT, -30000, 40000);
        ArrayRef chars = k.constantArray("chars", ElementType.CHAR, 65535, 66);
        ArrayRef longs = k.constantArray("longs", ElementType.LONG, Long.MIN_VALUE, 123456789012345L);
        ArrayRef doubles = k.constantArray("doubles", ElementType.DOUBLE, Double.doubleToRawLongBits(-2.5));
        ArrayRef priv = k.privateArray("priv", ElementType.INT, 4);
        ArrayRef privBytes = k.privateArray("privBytes", ElementType.BYTE, 3);
        IrBuilder.BlockBuilder e = k.entry();
        e.store(out, i(0), e.convert(io.kiln.ir.Conversion.I2L, e.load(bytes, i(0))));
        e.store(out, i(1), e.convert(io.kiln.ir.Conversion.I2L, e.load(bytes, i(1))));
        e.store(out, i(2), e.convert(io.kiln.ir.Conversion.I2L, e.load(shorts, i(1))));
        e.store(out, i(3), e.convert(io.kiln.ir.Conversion.I2L, e.load(chars, i(0))));
        e.store(out, i(4), e.load(longs, i(0)));
        e.store(out, i(5), e.bitCast(Type.I64, e.load(doubles, i(0))));
        e.store(priv, i(2), i(41));
        Var old = e.atomic(AtomicOp.ADD, priv, i(2), i(1), null);
        e.store(out, i(6), e.convert(io.kiln.ir.Conversion.I2L, e.binary(BinOp.ADD, e.load(priv, i(2)), old)));
        e.store(privBytes, i(1), i(0x1ff));
        e.store(out, i(7), e.convert(io.kiln.ir.Conversion.I2L, e.load(privBytes, i(1))));
        e.store(out, i(8), e.convert(io.kiln.ir.Conversion.I2L, e.length(priv)));
        e.ret();
        long[] got = new long[9];
        // an atomic on a private array breaks the verifier's TYPE rule (the front end never makes one);
        // the PTX emitter still lowers it to a plain read-modify-write, which this keeps tested
        run(k.buildUnverified(), new Object[] {got}, null, null);
        assertArrayEquals(new long[] {-3, (byte) 200, (short) 40000, 65535, Long.MIN_VALUE, Double.doubleToRawLongBits(-2.5), 42 + 41, -1, 4},
                got);
    }

    @Test
    void floatMathCallsOfExactFunctions() {
        IrBuilder k = new IrBuilder("test.Kernels", "fmath", KernelKind.WORK_ITEM);
        k.context();
        ArrayRef x = k.array("x", ElementType.FLOAT, Access.READ);
        ArrayRef out = k.array("out", ElementType.FLOAT, Access.WRITE);
        IrBuilder.BlockBuilder e = k.entry();
        Var g = e.workItem(WorkItemQuery.GLOBAL_ID, 0);
        Var v = e.load(x, g);
        Var o = e.binary(BinOp.MUL, g, i(6));
        e.store(out, o, e.math(MathFunction.SQRT, Type.F32, v));
        e.store(out, e.binary(BinOp.ADD, o, i(1)), e.math(MathFunction.FLOOR, Type.F32, v));
        e.store(out, e.binary(BinOp.ADD, o, i(2)), e.math(MathFunction.CEIL, Type.F32, v));
        e.store(out, e.binary(BinOp.ADD, o, i(3)), e.math(MathFunction.RINT, Type.F32, v));
        e.store(out, e.binary(BinOp.ADD, o, i(4)), e.math(MathFunction.FMA, Type.F32, v, v, f(-1f)));
        e.store(out, e.binary(BinOp.ADD, o, i(5)), e.math(MathFunction.ABS, Type.F32, v));
        e.ret();
        float[] in = RandomArrays.floats(new Random(2), 300);
        float[] got = new float[1800];
        run(k.build(), new Object[] {null, in, got}, new long[] {300}, null);
        for (int n = 0; n < 300; n++) {
            float a = in[n];
            float[] want = {(float) Math.sqrt(a), (float) Math.floor(a), (float) Math.ceil(a), (float) Math.rint(a), Math.fma(a, a, -1f), Math.abs(a)};
            for (int j = 0; j < 6; j++) {
                assertEquals(Float.floatToIntBits(want[j]), Float.floatToIntBits(got[6 * n + j]), "function " + j + " of " + a);
            }
        }
    }

    @Test
    void constantOperandsEverywhere() {
        IrBuilder k = new IrBuilder("test.Kernels", "consts", KernelKind.SINGLE);
        ArrayRef out = k.array("out", ElementType.DOUBLE, Access.WRITE);
        IrBuilder.BlockBuilder e = k.entry();
        IrBuilder.BlockBuilder t = k.block();
        IrBuilder.BlockBuilder f2 = k.block();
        IrBuilder.BlockBuilder s = k.block();
        e.store(out, i(0), e.convert(io.kiln.ir.Conversion.I2D, e.binary(BinOp.SHL, i(1), i(33))));
        e.store(out, i(1), e.convert(io.kiln.ir.Conversion.L2D, e.binary(BinOp.USHR, IrBuilder.l(-1), i(60))));
        e.store(out, i(2), e.binary(BinOp.REM, d(7.5), d(2)));
        e.store(out, i(3), e.math(MathFunction.SQRT, Type.F64, d(2)));
        e.store(out, i(4), e.convert(io.kiln.ir.Conversion.F2D, e.negate(f(3f))));
        e.branch(CmpOp.ULT, d(Double.NaN), d(1), t, f2);
        t.store(out, i(5), d(1));
        t.switchOn(i(3), new int[] {1, 3}, new IrBuilder.BlockBuilder[] {f2, s}, f2);
        f2.store(out, i(5), d(-1));
        f2.ret();
        s.store(out, i(6), d(3));
        s.ret();
        double[] got = new double[7];
        run(k.build(), new Object[] {got}, null, null);
        assertArrayEquals(new double[] {2, 15, 1.5, Math.sqrt(2), -3, 1, 3}, got);
    }

    @Test
    void workItemsPastTheGridDoNothing() {
        IrBuilder k = new IrBuilder("test.Kernels", "guard", KernelKind.WORK_ITEM);
        k.context();
        ArrayRef out = k.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder e = k.entry();
        Var g = e.workItem(WorkItemQuery.GLOBAL_ID, 0);
        e.store(out, g, e.workItem(WorkItemQuery.GLOBAL_SIZE, 0));
        e.ret();
        int[] got = new int[1000];
        // 1000 is not a multiple of the 256-thread block: the interpreter fails on any store past the end
        run(k.build(), new Object[] {null, got}, new long[] {1000}, null);
        for (int v : got) assertEquals(1000, v);
    }
}
