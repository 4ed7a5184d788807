package io.kiln.cpu;

import io.kiln.ir.Access;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.CompareKind;
import io.kiln.ir.Const;
import io.kiln.ir.Conversion;
import io.kiln.ir.ElementType;
import io.kiln.ir.HostExpr;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.MathFunction;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Each IR instruction, built by hand, run through the JVM emitter and compared bit for bit with the
 * same operation written in Java, over edge values (NaN, signed zeros, infinities, subnormals,
 * MIN/MAX, shift counts beyond the width).
 */
class JvmEmitterSemanticsTest {
    static final int[] INTS = {0, 1, -1, 2, -2, 7, -7, 31, 32, 33, 63, 64, 65, 12345, -98765, Integer.MIN_VALUE,
            Integer.MIN_VALUE + 1, Integer.MAX_VALUE, 0x55555555, 0x80000001};
    static final long[] LONGS = {0, 1, -1, 2, -3, 31, 32, 63, 64, 65, 1L << 40, -(1L << 50) + 3, Long.MIN_VALUE,
            Long.MIN_VALUE + 1, Long.MAX_VALUE, 0x5555555555555555L, Integer.MIN_VALUE, Integer.MAX_VALUE};
    static final float[] FLOATS = {0f, -0f, 1f, -1f, 1.5f, -2.5f, 0.1f, 3e38f, -3e38f, Float.MAX_VALUE, Float.MIN_VALUE,
            Float.MIN_NORMAL, 1e-40f, Float.NaN, Float.intBitsToFloat(0x7fc12345), Float.intBitsToFloat(0xff800001),
            Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, 2147483647f, -2147483648f, 9.2233720e18f, 16777217f, 0.5f, 2.5f};
    static final double[] DOUBLES = {0d, -0d, 1d, -1d, 1.5, -2.5, 0.1, 1e308, -1e308, Double.MAX_VALUE, Double.MIN_VALUE,
            Double.MIN_NORMAL, 1e-310, Double.NaN, Double.longBitsToDouble(0x7ff8000000001234L), Double.POSITIVE_INFINITY,
            Double.NEGATIVE_INFINITY, 2147483647.5, -2147483648.9, 9.223372036854776e18, -9.3e18, 0.5, 2.5, 3.4e38, 1e-46};

    // ------------------------------------------------------------------ kernel shapes

    /** {@code out[i] = f(in0[i], in1[i], ...)} over {@code i < out.length}, f given as one instruction. */
    static KernelIR elementwise(String name, ElementType[] ins, ElementType out, InstrMaker f) {
        IrBuilder ir = new IrBuilder("test.Kernels", name, io.kiln.ir.KernelKind.LOOP_PARALLEL);
        List<io.kiln.ir.ArrayRef> inArrays = new ArrayList<>();
        for (int k = 0; k < ins.length; k++) inArrays.add(ir.array("in" + k, ins[k], Access.READ));
        io.kiln.ir.ArrayRef o = ir.array("out", out, Access.WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        Var n = ir.var(Type.I32, "n");
        entry.add(new Instr.ArrayLength(n, o, 0));
        int outParam = ins.length;
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, n, true, true, new HostExpr.Length(outParam), (b, i) -> {
            List<io.kiln.ir.Value> vals = new ArrayList<>();
            for (io.kiln.ir.ArrayRef a : inArrays) vals.add(b.load(a, i));
            Var d = ir.var(out.valueType(), "r");
            b.add(f.make(d, vals));
            b.store(o, i, d);
            return b;
        });
        exit.ret();
        return ir.build();
    }

    interface InstrMaker {
        Instr make(Var dst, List<io.kiln.ir.Value> args);
    }

    static void runLoop(KernelIR k, Object[] args, int n) {
        CpuKernel kernel = CpuTesting.build(k);
        CpuTesting.launch(kernel, args, 3, null, n);
    }

    // ------------------------------------------------------------------ binary operators

    @ParameterizedTest
    @EnumSource(BinOp.class)
    void intBinary(BinOp op) {
        List<int[]> pairs = new ArrayList<>();
        for (int a : INTS) for (int b : INTS) if (!((op == BinOp.DIV || op == BinOp.REM) && b == 0)) pairs.add(new int[] {a, b});
        int n = pairs.size();
        int[] a = new int[n], b = new int[n], out = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = pairs.get(i)[0];
            b[i] = pairs.get(i)[1];
        }
        runLoop(elementwise("i" + op, new ElementType[] {ElementType.INT, ElementType.INT}, ElementType.INT,
                (d, v) -> new Instr.Binary(d, op, v.get(0), v.get(1), 0)), new Object[] {a, b, out}, n);
        for (int i = 0; i < n; i++) {
            int x = a[i], y = b[i];
            int expected = switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
                case REM -> x % y;
                case AND -> x & y;
                case OR -> x | y;
                case XOR -> x ^ y;
                case SHL -> x << y;
                case SHR -> x >> y;
                case USHR -> x >>> y;
            };
            assertEquals(expected, out[i], x + " " + op + " " + y);
        }
    }

    @ParameterizedTest
    @EnumSource(BinOp.class)
    void longBinary(BinOp op) {
        List<long[]> pairs = new ArrayList<>();
        for (long a : LONGS) for (long b : LONGS) if (!((op == BinOp.DIV || op == BinOp.REM) && b == 0)) pairs.add(new long[] {a, b});
        int n = pairs.size();
        long[] a = new long[n], out = new long[n];
        long[] b = new long[n];
        int[] counts = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = pairs.get(i)[0];
            b[i] = pairs.get(i)[1];
            counts[i] = (int) b[i];
        }
        if (op.isShift()) {
            runLoop(elementwise("l" + op, new ElementType[] {ElementType.LONG, ElementType.INT}, ElementType.LONG,
                    (d, v) -> new Instr.Binary(d, op, v.get(0), v.get(1), 0)), new Object[] {a, counts, out}, n);
        } else {
            runLoop(elementwise("l" + op, new ElementType[] {ElementType.LONG, ElementType.LONG}, ElementType.LONG,
                    (d, v) -> new Instr.Binary(d, op, v.get(0), v.get(1), 0)), new Object[] {a, b, out}, n);
        }
        for (int i = 0; i < n; i++) {
            long x = a[i], y = b[i];
            int c = counts[i];
            long expected = switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
                case REM -> x % y;
                case AND -> x & y;
                case OR -> x | y;
                case XOR -> x ^ y;
                case SHL -> x << c;
                case SHR -> x >> c;
                case USHR -> x >>> c;
            };
            assertEquals(expected, out[i], x + " " + op + " " + y);
        }
    }

    @ParameterizedTest
    @EnumSource(value = BinOp.class, names = {"ADD", "SUB", "MUL", "DIV", "REM"})
    void floatAndDoubleBinary(BinOp op) {
        int n = FLOATS.length * FLOATS.length;
        float[] a = new float[n], b = new float[n], out = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = FLOATS[i / FLOATS.length];
            b[i] = FLOATS[i % FLOATS.length];
        }
        runLoop(elementwise("f" + op, new ElementType[] {ElementType.FLOAT, ElementType.FLOAT}, ElementType.FLOAT,
                (d, v) -> new Instr.Binary(d, op, v.get(0), v.get(1), 0)), new Object[] {a, b, out}, n);
        for (int i = 0; i < n; i++) {
            float x = a[i], y = b[i];
            float expected = switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
                case REM -> x % y;
                default -> throw new AssertionError();
            };
            assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(out[i]), x + " " + op + " " + y);
        }
        int m = DOUBLES.length * DOUBLES.length;
        double[] c = new double[m], d = new double[m], r = new double[m];
        for (int i = 0; i < m; i++) {
            c[i] = DOUBLES[i / DOUBLES.length];
            d[i] = DOUBLES[i % DOUBLES.length];
        }
        runLoop(elementwise("d" + op, new ElementType[] {ElementType.DOUBLE, ElementType.DOUBLE}, ElementType.DOUBLE,
                (dst, v) -> new Instr.Binary(dst, op, v.get(0), v.get(1), 0)), new Object[] {c, d, r}, m);
        for (int i = 0; i < m; i++) {
            double x = c[i], y = d[i];
            double expected = switch (op) {
                case ADD -> x + y;
                case SUB -> x - y;
                case MUL -> x * y;
                case DIV -> x / y;
                case REM -> x % y;
                default -> throw new AssertionError();
            };
            assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(r[i]), x + " " + op + " " + y);
        }
    }

    @Test
    void negate() {
        float[] f = FLOATS.clone();
        float[] fo = new float[f.length];
        runLoop(elementwise("fneg", new ElementType[] {ElementType.FLOAT}, ElementType.FLOAT,
                (d, v) -> new Instr.Negate(d, v.get(0), 0)), new Object[] {f, fo}, f.length);
        for (int i = 0; i < f.length; i++) assertEquals(Float.floatToRawIntBits(-f[i]), Float.floatToRawIntBits(fo[i]));
        int[] x = INTS.clone();
        int[] xo = new int[x.length];
        runLoop(elementwise("ineg", new ElementType[] {ElementType.INT}, ElementType.INT,
                (d, v) -> new Instr.Negate(d, v.get(0), 0)), new Object[] {x, xo}, x.length);
        for (int i = 0; i < x.length; i++) assertEquals(-x[i], xo[i]);
    }

    // ------------------------------------------------------------------ conversions and comparisons

    @ParameterizedTest
    @EnumSource(Conversion.class)
    void conversions(Conversion c) {
        ElementType from = switch (c.from()) {
            case I32 -> ElementType.INT;
            case I64 -> ElementType.LONG;
            case F32 -> ElementType.FLOAT;
            case F64 -> ElementType.DOUBLE;
        };
        ElementType to = switch (c.to()) {
            case I32 -> ElementType.INT;
            case I64 -> ElementType.LONG;
            case F32 -> ElementType.FLOAT;
            case F64 -> ElementType.DOUBLE;
        };
        Object in = switch (from) {
            case INT -> INTS.clone();
            case LONG -> LONGS.clone();
            case FLOAT -> FLOATS.clone();
            default -> DOUBLES.clone();
        };
        int n = java.lang.reflect.Array.getLength(in);
        Object out = java.lang.reflect.Array.newInstance(switch (to) {
            case INT -> int.class;
            case LONG -> long.class;
            case FLOAT -> float.class;
            default -> double.class;
        }, n);
        runLoop(elementwise(c.name(), new ElementType[] {from}, to, (d, v) -> new Instr.Convert(d, c, v.get(0), 0)),
                new Object[] {in, out}, n);
        for (int i = 0; i < n; i++) {
            Object expected = switch (c) {
                case I2L -> (long) ((int[]) in)[i];
                case I2F -> (float) ((int[]) in)[i];
                case I2D -> (double) ((int[]) in)[i];
                case L2I -> (int) ((long[]) in)[i];
                case L2F -> (float) ((long[]) in)[i];
                case L2D -> (double) ((long[]) in)[i];
                case F2I -> (int) ((float[]) in)[i];
                case F2L -> (long) ((float[]) in)[i];
                case F2D -> (double) ((float[]) in)[i];
                case D2I -> (int) ((double[]) in)[i];
                case D2L -> (long) ((double[]) in)[i];
                case D2F -> (float) ((double[]) in)[i];
                case I2B -> (int) (byte) ((int[]) in)[i];
                case I2C -> (int) (char) ((int[]) in)[i];
                case I2S -> (int) (short) ((int[]) in)[i];
            };
            Object actual = java.lang.reflect.Array.get(out, i);
            if (expected instanceof Float f) {
                assertEquals(Float.floatToRawIntBits(f), Float.floatToRawIntBits((Float) actual), c + " of element " + i);
            } else if (expected instanceof Double d) {
                assertEquals(Double.doubleToRawLongBits(d), Double.doubleToRawLongBits((Double) actual), c + " of element " + i);
            } else {
                assertEquals(expected, actual, c + " of element " + i);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(CompareKind.class)
    void threeWayCompare(CompareKind kind) {
        int n;
        Object a;
        Object b;
        ElementType et;
        switch (kind.operandType()) {
            case I64 -> {
                n = LONGS.length * LONGS.length;
                long[] x = new long[n], y = new long[n];
                for (int i = 0; i < n; i++) {
                    x[i] = LONGS[i / LONGS.length];
                    y[i] = LONGS[i % LONGS.length];
                }
                a = x;
                b = y;
                et = ElementType.LONG;
            }
            case F32 -> {
                n = FLOATS.length * FLOATS.length;
                float[] x = new float[n], y = new float[n];
                for (int i = 0; i < n; i++) {
                    x[i] = FLOATS[i / FLOATS.length];
                    y[i] = FLOATS[i % FLOATS.length];
                }
                a = x;
                b = y;
                et = ElementType.FLOAT;
            }
            default -> {
                n = DOUBLES.length * DOUBLES.length;
                double[] x = new double[n], y = new double[n];
                for (int i = 0; i < n; i++) {
                    x[i] = DOUBLES[i / DOUBLES.length];
                    y[i] = DOUBLES[i % DOUBLES.length];
                }
                a = x;
                b = y;
                et = ElementType.DOUBLE;
            }
        }
        int[] out = new int[n];
        runLoop(elementwise(kind.name(), new ElementType[] {et, et}, ElementType.INT,
                (d, v) -> new Instr.Compare(d, kind, v.get(0), v.get(1), 0)), new Object[] {a, b, out}, n);
        for (int i = 0; i < n; i++) {
            int expected = switch (kind) {
                case LCMP -> Long.compare(((long[]) a)[i], ((long[]) b)[i]);
                case FCMPL, FCMPG -> {
                    float x = ((float[]) a)[i], y = ((float[]) b)[i];
                    yield x > y ? 1 : x == y ? 0 : x < y ? -1 : kind.nanResult();
                }
                default -> {
                    double x = ((double[]) a)[i], y = ((double[]) b)[i];
                    yield x > y ? 1 : x == y ? 0 : x < y ? -1 : kind.nanResult();
                }
            };
            assertEquals(expected, out[i], kind + " of element " + i);
        }
    }

    /** {@code out[i] = (a[i] op b[i]) ? 1 : 0}, through a Branch terminator. */
    static KernelIR branchKernel(CmpOp op, ElementType et) {
        IrBuilder ir = new IrBuilder("test.Kernels", "br" + op + et, io.kiln.ir.KernelKind.LOOP_PARALLEL);
        io.kiln.ir.ArrayRef a = ir.array("a", et, Access.READ);
        io.kiln.ir.ArrayRef b = ir.array("b", et, Access.READ);
        io.kiln.ir.ArrayRef o = ir.array("out", ElementType.INT, Access.WRITE);
        IrBuilder.BlockBuilder entry = ir.entry();
        Var n = ir.var(Type.I32, "n");
        entry.add(new Instr.ArrayLength(n, o, 0));
        IrBuilder.BlockBuilder exit = ir.parallelLoop(0, Type.I32, entry, Const.ofInt(0), CmpOp.GE, n, true, true, new HostExpr.Length(2), (first, i) -> {
            Var x = first.load(a, i);
            Var y = first.load(b, i);
            IrBuilder.BlockBuilder yes = ir.block();
            IrBuilder.BlockBuilder no = ir.block();
            IrBuilder.BlockBuilder join = ir.block();
            first.branch(op, x, y, yes, no);
            yes.store(o, i, Const.ofInt(1));
            yes.jump(join);
            no.store(o, i, Const.ofInt(0));
            no.jump(join);
            return join;
        });
        exit.ret();
        return ir.build();
    }

    @ParameterizedTest
    @EnumSource(CmpOp.class)
    void floatBranchConditions(CmpOp op) {
        int n = FLOATS.length * FLOATS.length;
        float[] a = new float[n], b = new float[n];
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            a[i] = FLOATS[i / FLOATS.length];
            b[i] = FLOATS[i % FLOATS.length];
        }
        runLoop(branchKernel(op, ElementType.FLOAT), new Object[] {a, b, out}, n);
        for (int i = 0; i < n; i++) {
            float x = a[i], y = b[i];
            boolean expected = switch (op) {
                case EQ -> x == y;
                case NE -> x != y;
                case LT -> x < y;
                case LE -> x <= y;
                case GT -> x > y;
                case GE -> x >= y;
                case ULT -> !(x >= y);
                case ULE -> !(x > y);
                case UGT -> !(x <= y);
                case UGE -> !(x < y);
            };
            assertEquals(expected ? 1 : 0, out[i], x + " " + op + " " + y);
        }
        double[] c = new double[n], d = new double[n];
        for (int i = 0; i < n; i++) {
            c[i] = a[i];
            d[i] = b[i];
        }
        runLoop(branchKernel(op, ElementType.DOUBLE), new Object[] {c, d, out}, n);
        for (int i = 0; i < n; i++) {
            double x = c[i], y = d[i];
            boolean expected = switch (op) {
                case EQ -> x == y;
                case NE -> x != y;
                case LT -> x < y;
                case LE -> x <= y;
                case GT -> x > y;
                case GE -> x >= y;
                case ULT -> !(x >= y);
                case ULE -> !(x > y);
                case UGT -> !(x <= y);
                case UGE -> !(x < y);
            };
            assertEquals(expected ? 1 : 0, out[i], x + " " + op + " " + y + " (double)");
        }
    }

    @ParameterizedTest
    @EnumSource(value = CmpOp.class, names = {"EQ", "NE", "LT", "LE", "GT", "GE"})
    void intAndLongBranchConditions(CmpOp op) {
        int n = INTS.length * INTS.length;
        int[] a = new int[n], b = new int[n], out = new int[n];
        long[] la = new long[n], lb = new long[n];
        for (int i = 0; i < n; i++) {
            a[i] = INTS[i / INTS.length];
            b[i] = INTS[i % INTS.length];
            la[i] = (long) a[i] * 3_000_000_011L;
            lb[i] = (long) b[i] * 3_000_000_011L;
        }
        runLoop(branchKernel(op, ElementType.INT), new Object[] {a, b, out}, n);
        for (int i = 0; i < n; i++) assertEquals(op.test(Integer.compare(a[i], b[i])) ? 1 : 0, out[i], a[i] + " " + op + " " + b[i]);
        runLoop(branchKernel(op, ElementType.LONG), new Object[] {la, lb, out}, n);
        for (int i = 0; i < n; i++) assertEquals(op.test(Long.compare(la[i], lb[i])) ? 1 : 0, out[i], la[i] + " " + op + " " + lb[i]);
    }

    // ------------------------------------------------------------------ math, bit casts, narrow memory

    @ParameterizedTest
    @EnumSource(MathFunction.class)
    void mathFunctions(MathFunction fn) {
        int arity = fn.arity();
        int n = arity == 1 ? DOUBLES.length : DOUBLES.length * DOUBLES.length;
        double[][] in = new double[3][n];
        for (int i = 0; i < n; i++) {
            in[0][i] = DOUBLES[i % DOUBLES.length];
            in[1][i] = DOUBLES[(i / DOUBLES.length) % DOUBLES.length];
            in[2][i] = DOUBLES[(i * 7 + 3) % DOUBLES.length];
        }
        ElementType[] dTypes = new ElementType[arity];
        ElementType[] fTypes = new ElementType[arity];
        java.util.Arrays.fill(dTypes, ElementType.DOUBLE);
        java.util.Arrays.fill(fTypes, ElementType.FLOAT);
        Object[] dArgs = new Object[arity + 1];
        Object[] fArgs = new Object[arity + 1];
        float[][] fin = new float[arity][n];
        for (int k = 0; k < arity; k++) {
            dArgs[k] = in[k];
            for (int i = 0; i < n; i++) fin[k][i] = (float) in[k][i];
            fArgs[k] = fin[k];
        }
        double[] dOut = new double[n];
        float[] fOut = new float[n];
        dArgs[arity] = dOut;
        fArgs[arity] = fOut;
        runLoop(elementwise("d" + fn, dTypes, ElementType.DOUBLE, (d, v) -> new Instr.MathCall(d, fn, v, 0)), dArgs, n);
        runLoop(elementwise("f" + fn, fTypes, ElementType.FLOAT, (d, v) -> new Instr.MathCall(d, fn, v, 0)), fArgs, n);
        for (int i = 0; i < n; i++) {
            double x = in[0][i], y = in[1][i], z = in[2][i];
            double expected = switch (fn) {
                case SQRT -> Math.sqrt(x);
                case CBRT -> Math.cbrt(x);
                case EXP -> Math.exp(x);
                case EXPM1 -> Math.expm1(x);
                case LOG -> Math.log(x);
                case LOG10 -> Math.log10(x);
                case LOG1P -> Math.log1p(x);
                case POW -> Math.pow(x, y);
                case SIN -> Math.sin(x);
                case COS -> Math.cos(x);
                case TAN -> Math.tan(x);
                case ASIN -> Math.asin(x);
                case ACOS -> Math.acos(x);
                case ATAN -> Math.atan(x);
                case ATAN2 -> Math.atan2(x, y);
                case SINH -> Math.sinh(x);
                case COSH -> Math.cosh(x);
                case TANH -> Math.tanh(x);
                case HYPOT -> Math.hypot(x, y);
                case FLOOR -> Math.floor(x);
                case CEIL -> Math.ceil(x);
                case RINT -> Math.rint(x);
                case FMA -> Math.fma(x, y, z);
                case ABS -> Math.abs(x);
                case MIN -> Math.min(x, y);
                case MAX -> Math.max(x, y);
            };
            assertEquals(Double.doubleToLongBits(expected), Double.doubleToLongBits(dOut[i]), fn + " of element " + i);
            float fx = fin[0][i], fy = arity > 1 ? fin[1][i] : 0, fz = arity > 2 ? fin[2][i] : 0;
            float fExpected = switch (fn) {
                case FMA -> Math.fma(fx, fy, fz);
                case ABS -> Math.abs(fx);
                case MIN -> Math.min(fx, fy);
                case MAX -> Math.max(fx, fy);
                case POW -> (float) Math.pow(fx, fy);
                case ATAN2 -> (float) Math.atan2(fx, fy);
                case HYPOT -> (float) Math.hypot(fx, fy);
                case SQRT -> (float) Math.sqrt(fx);
                case FLOOR -> (float) Math.floor(fx);
                case CEIL -> (float) Math.ceil(fx);
                case RINT -> (float) Math.rint(fx);
                default -> Float.NaN;
            };
            if (fn.exact() || fn == MathFunction.POW || fn == MathFunction.ATAN2 || fn == MathFunction.HYPOT) {
                assertEquals(Float.floatToIntBits(fExpected), Float.floatToIntBits(fOut[i]), fn + " (float) of element " + i);
            }
        }
    }

    @Test
    void bitCastsKeepNaNPayloads() {
        float[] f = FLOATS.clone();
        int[] bits = new int[f.length];
        runLoop(elementwise("f2bits", new ElementType[] {ElementType.FLOAT}, ElementType.INT,
                (d, v) -> new Instr.BitCast(d, v.get(0), 0)), new Object[] {f, bits}, f.length);
        for (int i = 0; i < f.length; i++) assertEquals(Float.floatToRawIntBits(f[i]), bits[i]);
        int[] raw = {0x7fc00001, 0xffbfffff, 0x80000000, 0x3f800000, 0x7f800000};
        float[] back = new float[raw.length];
        runLoop(elementwise("bits2f", new ElementType[] {ElementType.INT}, ElementType.FLOAT,
                (d, v) -> new Instr.BitCast(d, v.get(0), 0)), new Object[] {raw, back}, raw.length);
        for (int i = 0; i < raw.length; i++) assertEquals(raw[i], Float.floatToRawIntBits(back[i]));
        long[] lraw = {0x7ff8000000000001L, 0xfff0000000000001L, Long.MIN_VALUE, 0x3ff0000000000000L};
        double[] dback = new double[lraw.length];
        long[] lagain = new long[lraw.length];
        runLoop(elementwise("bits2d", new ElementType[] {ElementType.LONG}, ElementType.DOUBLE,
                (d, v) -> new Instr.BitCast(d, v.get(0), 0)), new Object[] {lraw, dback}, lraw.length);
        runLoop(elementwise("d2bits", new ElementType[] {ElementType.DOUBLE}, ElementType.LONG,
                (d, v) -> new Instr.BitCast(d, v.get(0), 0)), new Object[] {dback, lagain}, lraw.length);
        assertArrayEquals(lraw, lagain);
    }

    @Test
    void narrowLoadsExtendAndStoresTruncate() {
        byte[] b = {-128, -1, 0, 1, 127};
        short[] s = {-32768, -1, 0, 1, 32767};
        char[] c = {0, 1, 0x7fff, 0x8000, 0xffff};
        int[] bo = new int[5], so = new int[5], co = new int[5];
        InstrMaker id = (d, v) -> new Instr.Move(d, v.get(0), 0);
        runLoop(elementwise("b", new ElementType[] {ElementType.BYTE}, ElementType.INT, id), new Object[] {b, bo}, 5);
        runLoop(elementwise("s", new ElementType[] {ElementType.SHORT}, ElementType.INT, id), new Object[] {s, so}, 5);
        runLoop(elementwise("c", new ElementType[] {ElementType.CHAR}, ElementType.INT, id), new Object[] {c, co}, 5);
        for (int i = 0; i < 5; i++) {
            assertEquals(b[i], bo[i]);
            assertEquals(s[i], so[i]);
            assertEquals(c[i], co[i]);
        }
        int[] wide = {0x12345680, 0xffff7fff, -1, 0x10000, 0x1ff};
        byte[] nb = new byte[5];
        short[] ns = new short[5];
        char[] nc = new char[5];
        runLoop(elementwise("sb", new ElementType[] {ElementType.INT}, ElementType.BYTE, id), new Object[] {wide, nb}, 5);
        runLoop(elementwise("ss", new ElementType[] {ElementType.INT}, ElementType.SHORT, id), new Object[] {wide, ns}, 5);
        runLoop(elementwise("sc", new ElementType[] {ElementType.INT}, ElementType.CHAR, id), new Object[] {wide, nc}, 5);
        for (int i = 0; i < 5; i++) {
            assertEquals((byte) wide[i], nb[i]);
            assertEquals((short) wide[i], ns[i]);
            assertEquals((char) wide[i], nc[i]);
        }
    }

    @Test
    void constantsKeepSignedZeroAndNaNPayloads() {
        float[] special = {-0f, Float.intBitsToFloat(0x7fc0abcd), Float.intBitsToFloat(0xff812345), 1f, 2f, 0f, 0.3f};
        double[] dspecial = {-0d, Double.longBitsToDouble(0x7ff800000000abcdL), 1d, 0d, 0.3};
        for (float v : special) {
            float[] out = new float[3];
            runLoop(elementwise("fc", new ElementType[] {ElementType.FLOAT}, ElementType.FLOAT,
                    (d, x) -> new Instr.Move(d, Const.ofFloat(v), 0)), new Object[] {new float[3], out}, 3);
            assertEquals(Float.floatToRawIntBits(v), Float.floatToRawIntBits(out[2]), "float constant " + v);
        }
        for (double v : dspecial) {
            double[] out = new double[2];
            runLoop(elementwise("dc", new ElementType[] {ElementType.DOUBLE}, ElementType.DOUBLE,
                    (d, x) -> new Instr.Move(d, Const.ofDouble(v), 0)), new Object[] {new double[2], out}, 2);
            assertEquals(Double.doubleToRawLongBits(v), Double.doubleToRawLongBits(out[1]), "double constant " + v);
        }
        for (long v : new long[] {Long.MIN_VALUE, -1, 0, 1, 1L << 33}) {
            long[] out = new long[1];
            runLoop(elementwise("lc", new ElementType[] {ElementType.LONG}, ElementType.LONG,
                    (d, x) -> new Instr.Move(d, Const.ofLong(v), 0)), new Object[] {new long[1], out}, 1);
            assertEquals(v, out[0]);
        }
    }

    @Test
    void divisionByZeroThrowsLikeJava() {
        int[] a = {1, 2, 3}, b = {1, 0, 1}, out = new int[3];
        KernelIR ir = elementwise("div0", new ElementType[] {ElementType.INT, ElementType.INT}, ElementType.INT,
                (d, v) -> new Instr.Binary(d, BinOp.DIV, v.get(0), v.get(1), 0));
        try {
            runLoop(ir, new Object[] {a, b, out}, 3);
            fail("expected a failure");
        } catch (io.kiln.KilnException e) {
            assertEquals(ArithmeticException.class, e.getCause().getClass());
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("Kernels.div0"), e.getMessage());
        }
    }
}
