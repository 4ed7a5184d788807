package io.kiln.passes;

import io.kiln.frontend.FrontEnd;
import io.kiln.ir.Access;
import io.kiln.ir.AddressSpace;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Block;
import io.kiln.ir.CmpOp;
import io.kiln.ir.CompareKind;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.IrVerifier;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Param;
import io.kiln.ir.Terminator;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link ConstantFolding} against the JVM: each folded instruction's constant equals what the same Java
 * operator computes, for random and edge operands; what Java throws for is left alone.
 */
class ConstantFoldingTest {
    static final long SEED = Long.getLong("kiln.test.seed", System.nanoTime());

    static {
        System.out.println("[ConstantFoldingTest] seed " + SEED + " (reproduce with -Dkiln.test.seed=" + SEED + ")");
    }

    static final int[] INTS = {0, 1, -1, 2, 31, 32, 33, 63, 64, Integer.MIN_VALUE, Integer.MAX_VALUE, 0x5555_5555};
    static final long[] LONGS = {0, 1, -1, 63, 64, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 32, 4294967299L};
    static final double[] DOUBLES = {0.0, -0.0, 1.0, -1.5, 2.5, 0.5, Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY,
            Double.MIN_VALUE, Double.MAX_VALUE, 9.1e18, 3e38, -9.223372036854776E18, 4.5035996273704955E15, 1e300};
    static final float[] FLOATS = {0f, -0f, 1f, -1.5f, 2.5f, 0.5f, Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, Float.MAX_VALUE, 3e38f, 8388609f, 2.1474836E9f, -0.49999997f};

    /** A SINGLE kernel {@code out[0] = <instr result>} over one {@code out} array of {@code t}'s element type. */
    static KernelIR kernel(Type t, java.util.function.Function<Var, Instr> body) {
        ElementType et = switch (t) {
            case I32 -> ElementType.INT;
            case I64 -> ElementType.LONG;
            case F32 -> ElementType.FLOAT;
            case F64 -> ElementType.DOUBLE;
        };
        ArrayRef out = new ArrayRef(0, et, AddressSpace.GLOBAL, -1, 0, "out");
        Var r = new Var(0, t, "r");
        Block b0 = new Block(0, List.of(body.apply(r), new Instr.Store(out, Const.ofInt(0), r, 0)), new Terminator.Return(0));
        KernelIR ir = new KernelIR("T", "k", "([I)V", KernelKind.SINGLE, List.of(new Param.Array(0, "out", out, Access.WRITE)),
                List.of(r), List.of(out), List.of(b0), List.of(), List.of(List.of()));
        IrVerifier.verify(ir);
        return ir;
    }

    /** The constant that {@code ConstantFolding} leaves in {@code r}, or {@code null} if it did not fold. */
    static Const folded(KernelIR ir) {
        KernelIR out = new ConstantFolding().run(ir);
        IrVerifier.verify(out);
        Instr first = out.blocks().get(0).instrs().get(0);
        if (first instanceof Instr.Move m && m.src() instanceof Const c) {
            assertEquals(Instr.Store.class, out.blocks().get(0).instrs().get(1).getClass());
            // the store now stores the constant itself
            assertEquals(c, ((Instr.Store) out.blocks().get(0).instrs().get(1)).value());
            return c;
        }
        assertSame(ir, out, "nothing folded, so the pass returns its input");
        return null;
    }

    static long canon(Const c) {
        return switch (c.type()) {
            case F32 -> Float.floatToIntBits(c.floatValue());
            case F64 -> Double.doubleToLongBits(c.doubleValue());
            default -> c.bits();
        };
    }

    static void assertConst(Const expected, Const actual, String what) {
        assertTrue(actual != null, what + ": not folded");
        assertEquals(expected.type(), actual.type(), what);
        assertEquals(canon(expected), canon(actual), what + ": expected " + expected + " got " + actual);
    }

    static int javaInt(BinOp op, int x, int y) {
        return switch (op) {
            case ADD -> x + y; case SUB -> x - y; case MUL -> x * y; case DIV -> x / y; case REM -> x % y;
            case AND -> x & y; case OR -> x | y; case XOR -> x ^ y; case SHL -> x << y; case SHR -> x >> y; case USHR -> x >>> y;
        };
    }

    static long javaLong(BinOp op, long x, long y) {
        return switch (op) {
            case ADD -> x + y; case SUB -> x - y; case MUL -> x * y; case DIV -> x / y; case REM -> x % y;
            case AND -> x & y; case OR -> x | y; case XOR -> x ^ y;
            case SHL -> x << (int) y; case SHR -> x >> (int) y; case USHR -> x >>> (int) y;
        };
    }

    /**
     * A folded instruction keeps the line of the one it replaces, and so does a folded branch: built with
     * {@code IrBuilder.line}, an add at line 12 becomes a move at line 12, a constant branch at line 13 a
     * jump at line 13, and what is only substituted (the store at line 14) keeps 14.
     */
    @Test
    void foldingKeepsSourceLines() {
        io.kiln.ir.IrBuilder b = new io.kiln.ir.IrBuilder("demo.Lines", "k", KernelKind.SINGLE);
        ArrayRef out = b.array("out", ElementType.INT, Access.WRITE);
        Var sum = b.line(12).binary(BinOp.ADD, io.kiln.ir.IrBuilder.i(40), io.kiln.ir.IrBuilder.i(2));
        io.kiln.ir.IrBuilder.BlockBuilder yes = b.block(), no = b.block();
        b.line(13).branch(CmpOp.LT, sum, io.kiln.ir.IrBuilder.i(50), yes, no);
        b.at(yes);
        b.line(14).store(out, io.kiln.ir.IrBuilder.i(0), sum);
        b.line(15).ret();
        b.at(no);
        b.line(16).ret();
        KernelIR ir = b.build();
        KernelIR folded = new ConstantFolding().run(ir);
        IrVerifier.verify(folded);
        Instr first = folded.blocks().get(0).instrs().getFirst();
        assertEquals(new Instr.Move(sum, Const.ofInt(42), 12), first);
        assertEquals(new Terminator.Goto(yes.id(), 13), folded.blocks().get(0).terminator());
        Instr store = folded.blocks().get(yes.id()).instrs().getFirst();
        assertEquals(new Instr.Store(out, Const.ofInt(0), Const.ofInt(42), 14), store);
        assertEquals(15, folded.blocks().get(yes.id()).terminator().line());
        // the printed form carries the lines, and parses back to them
        String text = io.kiln.ir.IrPrinter.print(folded);
        assertTrue(text.contains("= 42  @12\n") && text.contains("goto b1  @13\n"), text);
        assertEquals(text, io.kiln.ir.IrPrinter.print(io.kiln.ir.IrParser.parse(text)));
    }

    @Test
    void integerOperatorsFoldAsJavaAndDivisionByZeroIsLeftToThrow() {
        Random rnd = new Random(SEED);
        List<int[]> pairs = new ArrayList<>();
        for (int a : INTS) for (int b : INTS) pairs.add(new int[] {a, b});
        for (int i = 0; i < 300; i++) pairs.add(new int[] {rnd.nextInt(), rnd.nextInt(5) == 0 ? rnd.nextInt(70) : rnd.nextInt()});
        for (BinOp op : BinOp.values()) {
            for (int[] p : pairs) {
                Const c = folded(kernel(Type.I32, r -> new Instr.Binary(r, op, Const.ofInt(p[0]), Const.ofInt(p[1]), 0)));
                if ((op == BinOp.DIV || op == BinOp.REM) && p[1] == 0) {
                    assertEquals(null, c, p[0] + " " + op + " 0 must stay: Java throws ArithmeticException");
                    continue;
                }
                assertConst(Const.ofInt(javaInt(op, p[0], p[1])), c, p[0] + " " + op.symbol() + " " + p[1]);
                long la = p[0] * 0x1_0000_0001L, lb = op.isShift() ? p[1] : p[1] * 3L;
                Const cl = folded(kernel(Type.I64, r -> new Instr.Binary(r, op, Const.ofLong(la),
                        op.isShift() ? Const.ofInt((int) lb) : Const.ofLong(lb), 0)));
                if ((op == BinOp.DIV || op == BinOp.REM) && lb == 0) {
                    assertEquals(null, cl);
                    continue;
                }
                assertConst(Const.ofLong(javaLong(op, la, lb)), cl, la + "L " + op.symbol() + " " + lb);
            }
        }
        for (long a : LONGS) {
            for (long b : LONGS) {
                if (b == 0) continue;
                assertConst(Const.ofLong(a / b), folded(kernel(Type.I64, r -> new Instr.Binary(r, BinOp.DIV, Const.ofLong(a), Const.ofLong(b), 0))), a + "/" + b);
                assertConst(Const.ofLong(a % b), folded(kernel(Type.I64, r -> new Instr.Binary(r, BinOp.REM, Const.ofLong(a), Const.ofLong(b), 0))), a + "%" + b);
            }
        }
    }

    @Test
    void floatingOperatorsFoldAsJava() {
        Random rnd = new Random(SEED + 1);
        List<double[]> pairs = new ArrayList<>();
        for (double a : DOUBLES) for (double b : DOUBLES) pairs.add(new double[] {a, b});
        for (int i = 0; i < 300; i++) pairs.add(new double[] {rnd.nextGaussian() * 1e6, Double.longBitsToDouble(rnd.nextLong())});
        BinOp[] ops = {BinOp.ADD, BinOp.SUB, BinOp.MUL, BinOp.DIV, BinOp.REM};
        for (BinOp op : ops) {
            for (double[] p : pairs) {
                double x = p[0], y = p[1];
                double e = switch (op) { case ADD -> x + y; case SUB -> x - y; case MUL -> x * y; case DIV -> x / y; default -> x % y; };
                assertConst(Const.ofDouble(e), folded(kernel(Type.F64, r -> new Instr.Binary(r, op, Const.ofDouble(x), Const.ofDouble(y), 0))), x + " " + op + " " + y);
                float fx = (float) x, fy = (float) y;
                float f = switch (op) { case ADD -> fx + fy; case SUB -> fx - fy; case MUL -> fx * fy; case DIV -> fx / fy; default -> fx % fy; };
                assertConst(Const.ofFloat(f), folded(kernel(Type.F32, r -> new Instr.Binary(r, op, Const.ofFloat(fx), Const.ofFloat(fy), 0))), fx + " " + op + " " + fy);
            }
        }
        for (double x : DOUBLES) {
            assertConst(Const.ofDouble(-x), folded(kernel(Type.F64, r -> new Instr.Negate(r, Const.ofDouble(x), 0))), "-" + x);
        }
        // NaN op variable: Java gives NaN whatever the variable holds (fuzzer seed 943371235240874501)
        try {
            KernelIR ir = FrontEnd.compile(ConstantFoldingTest.class.getDeclaredMethod("nanPlus", double[].class));
            String printed = io.kiln.ir.IrPrinter.print(ir);
            assertTrue(!printed.contains("floor") && printed.contains("store @x[0] = NaNd"), printed);
        } catch (NoSuchMethodException e) {
            throw new AssertionError(e);
        }
        assertConst(Const.ofInt(Integer.MIN_VALUE), folded(kernel(Type.I32, r -> new Instr.Negate(r, Const.ofInt(Integer.MIN_VALUE), 0))), "-MIN");
    }

    @Test
    void conversionsAndComparisonsFoldAsJava() {
        Random rnd = new Random(SEED + 2);
        for (int k = 0; k < DOUBLES.length + 200; k++) {
            double d = k < DOUBLES.length ? DOUBLES[k] : Double.longBitsToDouble(rnd.nextLong()) * (rnd.nextBoolean() ? 1 : 1e-290);
            float f = (float) d;
            int i = k < INTS.length ? INTS[k] : rnd.nextInt();
            long l = k < LONGS.length ? LONGS[k] : rnd.nextLong();
            assertConst(Const.ofInt((int) d), folded(kernel(Type.I32, r -> new Instr.Convert(r, Conversion.D2I, Const.ofDouble(d), 0))), "d2i " + d);
            assertConst(Const.ofLong((long) d), folded(kernel(Type.I64, r -> new Instr.Convert(r, Conversion.D2L, Const.ofDouble(d), 0))), "d2l " + d);
            assertConst(Const.ofFloat((float) d), folded(kernel(Type.F32, r -> new Instr.Convert(r, Conversion.D2F, Const.ofDouble(d), 0))), "d2f " + d);
            assertConst(Const.ofInt((int) f), folded(kernel(Type.I32, r -> new Instr.Convert(r, Conversion.F2I, Const.ofFloat(f), 0))), "f2i " + f);
            assertConst(Const.ofLong((long) f), folded(kernel(Type.I64, r -> new Instr.Convert(r, Conversion.F2L, Const.ofFloat(f), 0))), "f2l " + f);
            assertConst(Const.ofDouble(f), folded(kernel(Type.F64, r -> new Instr.Convert(r, Conversion.F2D, Const.ofFloat(f), 0))), "f2d " + f);
            assertConst(Const.ofFloat(l), folded(kernel(Type.F32, r -> new Instr.Convert(r, Conversion.L2F, Const.ofLong(l), 0))), "l2f " + l);
            assertConst(Const.ofDouble(l), folded(kernel(Type.F64, r -> new Instr.Convert(r, Conversion.L2D, Const.ofLong(l), 0))), "l2d " + l);
            assertConst(Const.ofInt((int) l), folded(kernel(Type.I32, r -> new Instr.Convert(r, Conversion.L2I, Const.ofLong(l), 0))), "l2i " + l);
            assertConst(Const.ofFloat(i), folded(kernel(Type.F32, r -> new Instr.Convert(r, Conversion.I2F, Const.ofInt(i), 0))), "i2f " + i);
            assertConst(Const.ofInt((byte) i), folded(kernel(Type.I32, r -> new Instr.Convert(r, Conversion.I2B, Const.ofInt(i), 0))), "i2b " + i);
            assertConst(Const.ofInt((char) i), folded(kernel(Type.I32, r -> new Instr.Convert(r, Conversion.I2C, Const.ofInt(i), 0))), "i2c " + i);
            assertConst(Const.ofInt((short) i), folded(kernel(Type.I32, r -> new Instr.Convert(r, Conversion.I2S, Const.ofInt(i), 0))), "i2s " + i);
            double e = DOUBLES[rnd.nextInt(DOUBLES.length)];
            int dcmpl = d < e ? -1 : d > e ? 1 : d == e ? 0 : -1;
            int dcmpg = d < e ? -1 : d > e ? 1 : d == e ? 0 : 1;
            assertConst(Const.ofInt(dcmpl), folded(kernel(Type.I32, r -> new Instr.Compare(r, CompareKind.DCMPL, Const.ofDouble(d), Const.ofDouble(e), 0))), "dcmpl");
            assertConst(Const.ofInt(dcmpg), folded(kernel(Type.I32, r -> new Instr.Compare(r, CompareKind.DCMPG, Const.ofDouble(d), Const.ofDouble(e), 0))), "dcmpg");
            assertConst(Const.ofInt(Long.compare(l, i)), folded(kernel(Type.I32, r -> new Instr.Compare(r, CompareKind.LCMP, Const.ofLong(l), Const.ofLong(i), 0))), "lcmp");
        }
    }

    @Test
    void exactMathFunctionsFoldAsJavaTranscendentalsStay() {
        for (double x : DOUBLES) {
            assertConst(Const.ofDouble(Math.rint(x)), folded(kernel(Type.F64, r -> new Instr.MathCall(r, MathFunction.RINT, List.of(Const.ofDouble(x)), 0))), "rint " + x);
            assertConst(Const.ofDouble(Math.floor(x)), folded(kernel(Type.F64, r -> new Instr.MathCall(r, MathFunction.FLOOR, List.of(Const.ofDouble(x)), 0))), "floor " + x);
            assertConst(Const.ofDouble(Math.ceil(x)), folded(kernel(Type.F64, r -> new Instr.MathCall(r, MathFunction.CEIL, List.of(Const.ofDouble(x)), 0))), "ceil " + x);
            assertConst(Const.ofDouble(Math.sqrt(x)), folded(kernel(Type.F64, r -> new Instr.MathCall(r, MathFunction.SQRT, List.of(Const.ofDouble(x)), 0))), "sqrt " + x);
            assertConst(Const.ofDouble(Math.abs(x)), folded(kernel(Type.F64, r -> new Instr.MathCall(r, MathFunction.ABS, List.of(Const.ofDouble(x)), 0))), "abs " + x);
            assertConst(Const.ofDouble(Math.fma(x, 3.0, -x)), folded(kernel(Type.F64, r -> new Instr.MathCall(r, MathFunction.FMA,
                    List.of(Const.ofDouble(x), Const.ofDouble(3.0), Const.ofDouble(-x)), 0))), "fma " + x);
            assertEquals(null, folded(kernel(Type.F64, r -> new Instr.MathCall(r, MathFunction.SIN, List.of(Const.ofDouble(x)), 0))), "sin stays");
        }
        for (float x : FLOATS) {
            assertConst(Const.ofFloat((float) Math.rint(x)), folded(kernel(Type.F32, r -> new Instr.MathCall(r, MathFunction.RINT, List.of(Const.ofFloat(x)), 0))), "rintf " + x);
            assertConst(Const.ofFloat((float) Math.sqrt(x)), folded(kernel(Type.F32, r -> new Instr.MathCall(r, MathFunction.SQRT, List.of(Const.ofFloat(x)), 0))), "sqrtf " + x);
        }
    }

    @Test
    void constantBranchesBecomeGotosAndSingleConstantDefinitionsPropagate() {
        // r = rint(-inf); if (r < 0) out[0] = 1 else out[0] = 2   (the issue's kernel, by hand)
        ArrayRef out = new ArrayRef(0, ElementType.INT, AddressSpace.GLOBAL, -1, 0, "out");
        Var r = new Var(0, Type.F64, "r");
        List<Block> blocks = List.of(
                new Block(0, List.of(new Instr.MathCall(r, MathFunction.RINT, List.of(Const.ofDouble(Double.NEGATIVE_INFINITY)), 0)),
                        new Terminator.Branch(CmpOp.LT, r, Const.ofDouble(0), 1, 2, 0)),
                new Block(1, List.of(new Instr.Store(out, Const.ofInt(0), Const.ofInt(1), 0)), new Terminator.Return(0)),
                new Block(2, List.of(new Instr.Store(out, Const.ofInt(0), Const.ofInt(2), 0)), new Terminator.Return(0)));
        KernelIR ir = new KernelIR("T", "k", "([I)V", KernelKind.SINGLE, List.of(new Param.Array(0, "out", out, Access.WRITE)),
                List.of(r), List.of(out), blocks, List.of(), List.of(List.of()));
        KernelIR f = new ConstantFolding().run(ir);
        IrVerifier.verify(f);
        assertEquals(new Terminator.Goto(1, 0), f.blocks().get(0).terminator());
        // NaN: r < 0 is false, the unordered form ULT true
        KernelIR nan = new ConstantFolding().run(new KernelIR("T", "k", "([I)V", KernelKind.SINGLE, ir.params(), ir.vars(), ir.arrays(),
                List.of(new Block(0, List.of(new Instr.Move(r, Const.ofDouble(Double.NaN), 0)), new Terminator.Branch(CmpOp.ULT, r, Const.ofDouble(0), 1, 2, 0)),
                        blocks.get(1), blocks.get(2)), List.of(), List.of(List.of())));
        assertEquals(new Terminator.Goto(1, 0), nan.blocks().get(0).terminator());
    }

    static void nanPlus(double[] x) {
        x[0] = Math.floor(Double.NaN + x[1]);
    }

    static void rintBranch(int[] out) {
        double r = Math.rint(Double.NEGATIVE_INFINITY);
        out[0] = r < 0 ? 1 : 2;
        float g = (float) Math.rint(3e38f);
        out[1] = g > 1e38f ? 3 : 4;
        int zero = 0;
        if (out.length > 5) out[2] = 7 / zero; // must stay a division: Java throws here
    }

    @Test
    void frontEndFoldsTheIssuesKernel() throws Exception {
        KernelIR ir = FrontEnd.compile(ConstantFoldingTest.class.getDeclaredMethod("rintBranch", int[].class));
        String printed = io.kiln.ir.IrPrinter.print(ir);
        for (Block b : ir.blocks()) {
            for (Instr in : b.instrs()) {
                assertTrue(!(in instanceof Instr.MathCall), "rint of a constant is folded:\n" + printed);
            }
        }
        assertTrue(printed.contains("div.I32 7, 0"), "the division by a constant zero stays:\n" + printed);
        assertInstanceOf(Terminator.Goto.class, ir.blocks().get(0).terminator(), printed);
    }
}
