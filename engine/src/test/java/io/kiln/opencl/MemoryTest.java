package io.kiln.opencl;

import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static io.kiln.ir.IrBuilder.i;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Narrow loads (sign and zero extension) and stores (low bits kept), array lengths including an
 * empty array, private arrays, and constant tables holding NaN, infinities and -0.0.
 */
class MemoryTest {

    @Test
    void narrowLoadsExtendAndNarrowStoresTruncateLikeJava() {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "narrow", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef bytes = b.array("bytes", ElementType.BYTE, Access.READ);
        ArrayRef shorts = b.array("shorts", ElementType.SHORT, Access.READ);
        ArrayRef chars = b.array("chars", ElementType.CHAR, Access.READ);
        ArrayRef ints = b.array("ints", ElementType.INT, Access.READ);
        ArrayRef loaded = b.array("loaded", ElementType.INT, Access.WRITE);
        ArrayRef bOut = b.array("bOut", ElementType.BYTE, Access.WRITE);
        ArrayRef sOut = b.array("sOut", ElementType.SHORT, Access.WRITE);
        ArrayRef cOut = b.array("cOut", ElementType.CHAR, Access.WRITE);
        ArrayRef lengths = b.array("lengths", ElementType.INT, Access.WRITE);
        ArrayRef empty = b.array("empty", ElementType.FLOAT, Access.READ_WRITE);
        Var idx = b.guardedIndex(b.length(ints));
        Var three = b.binary(BinOp.MUL, idx, i(3));
        b.store(loaded, three, b.load(bytes, idx));
        b.store(loaded, b.binary(BinOp.ADD, three, i(1)), b.load(shorts, idx));
        b.store(loaded, b.binary(BinOp.ADD, three, i(2)), b.load(chars, idx));
        Var v = b.load(ints, idx);
        b.store(bOut, idx, v);
        b.store(sOut, idx, v);
        b.store(cOut, idx, v);
        IrBuilder.BlockBuilder first = b.block();
        IrBuilder.BlockBuilder done = b.block();
        b.branch(CmpOp.NE, idx, i(0), done, first);
        b.at(first);
        ArrayRef[] all = {bytes, shorts, chars, ints, loaded, bOut, sOut, cOut, lengths, empty};
        for (int k = 0; k < all.length; k++) {
            b.store(lengths, i(k), b.length(all[k]));
        }
        b.jump(done);
        b.at(done).ret();

        int n = 1000;
        SplittableRandom r = new SplittableRandom(9);
        byte[] bs = new byte[n];
        short[] ss = new short[n];
        char[] cs = new char[n];
        int[] is = new int[n];
        for (int k = 0; k < n; k++) {
            bs[k] = (byte) (k < 256 ? k : r.nextInt());
            ss[k] = (short) (k < 256 ? (k << 8) | k : r.nextInt());
            cs[k] = (char) (k < 256 ? (k << 8) | 0xFF : r.nextInt());
            is[k] = k < Inputs.INT_EDGES.length ? Inputs.INT_EDGES[k] : r.nextInt();
        }
        int[] ld = new int[3 * n];
        byte[] bo = new byte[n];
        short[] so = new short[n];
        char[] co = new char[n];
        int[] lens = new int[10];
        float[] none = new float[0];
        ClTest.runGrid(b.build(), n, null, bs, ss, cs, is, ld, bo, so, co, lens, none);
        for (int k = 0; k < n; k++) {
            assertEquals(bs[k], ld[3 * k], "byte load at " + k);
            assertEquals(ss[k], ld[3 * k + 1], "short load at " + k);
            assertEquals(cs[k], ld[3 * k + 2], "char load at " + k);
            assertEquals((byte) is[k], bo[k], "byte store of " + is[k]);
            assertEquals((short) is[k], so[k], "short store of " + is[k]);
            assertEquals((char) is[k], co[k], "char store of " + is[k]);
        }
        assertArrayEquals(new int[] {n, n, n, n, 3 * n, n, n, n, 10, 0}, lens, "array lengths, the last one empty");
    }

    @Test
    void privateArraysAndConstantTables() {
        float nanPayload = Float.intBitsToFloat(0x7fc0_0123);
        List<Long> intTable = List.of(3L, -1L, (long) Integer.MIN_VALUE, (long) Integer.MAX_VALUE, 7L);
        float[] floats = {nanPayload, -0f, Float.POSITIVE_INFINITY, 1.1f, Float.MIN_VALUE};
        float[] finite = {0.1f, -2.5f, 1e-40f, Float.MAX_VALUE, -0f};
        double[] doubles = {Math.PI, -0d, Double.MIN_VALUE, Double.NEGATIVE_INFINITY, 1e300};
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "tables", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef in = b.array("in", ElementType.INT, Access.READ);
        ArrayRef outI = b.array("outI", ElementType.INT, Access.WRITE);
        ArrayRef outF = b.array("outF", ElementType.FLOAT, Access.WRITE);
        ArrayRef outG = b.array("outG", ElementType.FLOAT, Access.WRITE);
        ArrayRef outD = b.array("outD", ElementType.DOUBLE, Access.WRITE);
        ArrayRef outS = b.array("outS", ElementType.INT, Access.WRITE);
        ArrayRef priv = b.privateArray("priv", ElementType.INT, 8);
        ArrayRef privF = b.privateArray("privF", ElementType.FLOAT, 4);
        ArrayRef tI = b.constantArray("TABLE", ElementType.INT, intTable);
        ArrayRef tF = b.constantArray("SPECIAL", ElementType.FLOAT, bitsOf(floats));
        ArrayRef tG = b.constantArray("finite", ElementType.FLOAT, bitsOf(finite));
        ArrayRef tD = b.constantArray("doubles", ElementType.DOUBLE, bitsOf(doubles));
        Var idx = b.guardedIndex(b.length(in));
        Var x = b.load(in, idx);
        for (int j = 1; j <= 6; j++) {
            b.store(priv, i(j), b.binary(BinOp.MUL, x, i(j)));
        }
        b.store(privF, b.binary(BinOp.REM, idx, i(4)), Const.ofFloat(1.5f));
        // sum over the whole private array, including the never-written (zero) slots 0 and 7
        Var sum = b.var(Type.I32, "sum");
        Var j = b.var(Type.I32, "j");
        b.move(sum, i(0));
        b.move(j, i(0));
        IrBuilder.BlockBuilder head = b.block();
        IrBuilder.BlockBuilder body = b.block();
        IrBuilder.BlockBuilder exit = b.block();
        b.jump(head);
        b.at(head).branch(CmpOp.LT, j, b.length(priv), body, exit);
        b.at(body);
        b.add(new io.kiln.ir.Instr.Binary(sum, BinOp.ADD, sum, b.load(priv, j), 0));
        b.add(new io.kiln.ir.Instr.Binary(j, BinOp.ADD, j, i(1), 0));
        b.jump(head);
        b.at(exit);
        Var pf = b.binary(BinOp.ADD, b.binary(BinOp.ADD, b.load(privF, i(0)), b.load(privF, i(1))),
                b.binary(BinOp.ADD, b.load(privF, i(2)), b.load(privF, i(3))));
        Var five = b.binary(BinOp.REM, idx, i(5));
        b.store(outI, idx, b.load(tI, five));
        b.store(outF, idx, b.load(tF, five));
        b.store(outG, idx, b.load(tG, five));
        b.store(outD, idx, b.load(tD, five));
        Var two = b.binary(BinOp.MUL, idx, i(2));
        b.store(outS, two, sum);
        b.store(outS, b.binary(BinOp.ADD, two, i(1)), b.convert(io.kiln.ir.Conversion.F2I, b.binary(BinOp.MUL, pf, Const.ofFloat(2f))));
        b.ret();

        int n = 40;
        int[] input = new int[n];
        for (int k = 0; k < n; k++) input[k] = k < Inputs.INT_EDGES.length ? Inputs.INT_EDGES[k] : k * 1_000_003;
        int[] oi = new int[n];
        float[] of = new float[n];
        float[] og = new float[n];
        double[] od = new double[n];
        int[] os = new int[2 * n];
        ClTest.runGrid(b.build(), n, null, input, oi, of, og, od, os);
        for (int k = 0; k < n; k++) {
            assertEquals(intTable.get(k % 5).intValue(), oi[k], "int table");
            assertEquals(Float.floatToRawIntBits(floats[k % 5]), Float.floatToRawIntBits(of[k]), "float table with NaN payload, -0, Inf");
            assertEquals(Float.floatToRawIntBits(finite[k % 5]), Float.floatToRawIntBits(og[k]), "finite float table");
            assertEquals(Double.doubleToRawLongBits(doubles[k % 5]), Double.doubleToRawLongBits(od[k]), "double table");
            assertEquals(input[k] * 21, os[2 * k], "sum of the private array");
            assertEquals(3, os[2 * k + 1], "private float array: one slot 1.5, the others zero, times 2");
        }
    }

    private static List<Long> bitsOf(float[] a) {
        Long[] out = new Long[a.length];
        for (int k = 0; k < a.length; k++) out[k] = Float.floatToRawIntBits(a[k]) & 0xFFFF_FFFFL;
        return List.of(out);
    }

    private static List<Long> bitsOf(double[] a) {
        Long[] out = new Long[a.length];
        for (int k = 0; k < a.length; k++) out[k] = Double.doubleToRawLongBits(a[k]);
        return List.of(out);
    }
}
