package io.kiln.opencl;

import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Var;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiFunction;

import static io.kiln.ir.BinOp.*;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every binary operator and negation on int, long, float and double, run on the OpenCL device and
 * compared bit for bit with the same operation on the JVM: wrap-around, MIN_VALUE / -1, division by
 * zero (0 on devices), shift counts outside 0..31/63, NaN, infinities, signed zeros, subnormals,
 * and a*b+c that must not be contracted into an FMA. Constant operands check literal printing.
 */
class ArithmeticTest {
    static final int N = 8192;

    interface IntFn { int apply(int x, int y, int s); }
    interface LongFn { long apply(long x, long y, int s); }
    interface FloatFn { float apply(float x, float y, float z); }
    interface DoubleFn { double apply(double x, double y, double z); }

    record Case<F>(String name, BiFunction<IrBuilder, Var[], Var> ir, F java) {}

    /** A kernel computing {@code out[i * cases + k] = case_k(a[i], b[i], c[i])}. */
    static KernelIR opsKernel(String name, ElementType et, ElementType third, List<? extends Case<?>> cases) {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", name, KernelKind.WORK_ITEM);
        b.context();
        ArrayRef a = b.array("a", et, Access.READ);
        ArrayRef bb = b.array("b", et, Access.READ);
        ArrayRef c = b.array("c", third, Access.READ);
        ArrayRef out = b.array("out", et, Access.WRITE);
        Var i = b.guardedIndex(b.length(a));
        Var[] v = {b.load(a, i), b.load(bb, i), b.load(c, i)};
        List<Var> results = new ArrayList<>();
        for (Case<?> k : cases) {
            results.add(k.ir().apply(b, v));
        }
        Var base = b.binary(MUL, i, IrBuilder.i(cases.size()));
        for (int k = 0; k < results.size(); k++) {
            b.store(out, b.binary(ADD, base, IrBuilder.i(k)), results.get(k));
        }
        b.ret();
        return b.build();
    }

    static int javaInt(BinOp op, int x, int y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> y == 0 ? 0 : x / y; // devices give 0 where Java throws
            case REM -> y == 0 ? 0 : x % y;
            case AND -> x & y;
            case OR -> x | y;
            case XOR -> x ^ y;
            case SHL -> x << y;
            case SHR -> x >> y;
            case USHR -> x >>> y;
        };
    }

    static long javaLong(BinOp op, long x, long y) {
        return switch (op) {
            case ADD -> x + y;
            case SUB -> x - y;
            case MUL -> x * y;
            case DIV -> y == 0 ? 0 : x / y;
            case REM -> y == 0 ? 0 : x % y;
            case AND -> x & y;
            case OR -> x | y;
            case XOR -> x ^ y;
            case SHL -> x << y;
            case SHR -> x >> y;
            case USHR -> x >>> y;
        };
    }

    @Test
    void intOperatorsMatchJava() {
        List<Case<IntFn>> cases = new ArrayList<>();
        for (BinOp op : BinOp.values()) {
            cases.add(new Case<>(op.name(), (b, v) -> b.binary(op, v[0], op.isShift() ? v[2] : v[1]),
                    (x, y, s) -> javaInt(op, x, op.isShift() ? s : y)));
        }
        cases.add(new Case<>("neg", (b, v) -> b.negate(v[0]), (x, y, s) -> -x));
        cases.add(new Case<>("x + MIN_VALUE", (b, v) -> b.binary(ADD, v[0], Const.ofInt(Integer.MIN_VALUE)), (x, y, s) -> x + Integer.MIN_VALUE));
        cases.add(new Case<>("x - -1", (b, v) -> b.binary(SUB, v[0], Const.ofInt(-1)), (x, y, s) -> x - -1));
        cases.add(new Case<>("-1 - x", (b, v) -> b.binary(SUB, Const.ofInt(-1), v[0]), (x, y, s) -> -1 - x));
        cases.add(new Case<>("x * -7", (b, v) -> b.binary(MUL, v[0], Const.ofInt(-7)), (x, y, s) -> x * -7));
        cases.add(new Case<>("x / -1", (b, v) -> b.binary(DIV, v[0], Const.ofInt(-1)), (x, y, s) -> x / -1));
        cases.add(new Case<>("x % -1", (b, v) -> b.binary(REM, v[0], Const.ofInt(-1)), (x, y, s) -> x % -1));
        cases.add(new Case<>("MIN_VALUE / y", (b, v) -> b.binary(DIV, Const.ofInt(Integer.MIN_VALUE), v[1]),
                (x, y, s) -> y == 0 ? 0 : Integer.MIN_VALUE / y));
        cases.add(new Case<>("x << 33", (b, v) -> b.binary(SHL, v[0], Const.ofInt(33)), (x, y, s) -> x << 33));
        cases.add(new Case<>("x >> -1", (b, v) -> b.binary(SHR, v[0], Const.ofInt(-1)), (x, y, s) -> x >> -1));
        cases.add(new Case<>("x >>> 64", (b, v) -> b.binary(USHR, v[0], Const.ofInt(64)), (x, y, s) -> x >>> 64));
        cases.add(new Case<>("-8 >> s", (b, v) -> b.binary(SHR, Const.ofInt(-8), v[2]), (x, y, s) -> -8 >> s));
        cases.add(new Case<>("x & -16", (b, v) -> b.binary(AND, v[0], Const.ofInt(-16)), (x, y, s) -> x & -16));

        int[][] p = Inputs.intPairs(N, 11);
        int[] s = Inputs.shiftCounts(N, 12);
        int[] out = new int[N * cases.size()];
        ClTest.runGrid(opsKernel("intOps", ElementType.INT, ElementType.INT, cases), N, null, p[0], p[1], s, out);
        Inputs.Mismatches bad = new Inputs.Mismatches();
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < cases.size(); k++) {
                int want = cases.get(k).java().apply(p[0][i], p[1][i], s[i]);
                int got = out[i * cases.size() + k];
                if (want != got) bad.add(cases.get(k).name() + "(" + p[0][i] + ", " + p[1][i] + ", s=" + s[i] + "): java " + want + ", device " + got);
            }
        }
        assertEquals(0, bad.count(), bad::toString);
    }

    @Test
    void longOperatorsMatchJava() {
        List<Case<LongFn>> cases = new ArrayList<>();
        for (BinOp op : BinOp.values()) {
            cases.add(new Case<>(op.name(), (b, v) -> b.binary(op, v[0], op.isShift() ? v[2] : v[1]),
                    (x, y, s) -> op.isShift() ? javaLong(op, x, s) : javaLong(op, x, y)));
        }
        cases.add(new Case<>("neg", (b, v) -> b.negate(v[0]), (x, y, s) -> -x));
        cases.add(new Case<>("x + MIN_VALUE", (b, v) -> b.binary(ADD, v[0], Const.ofLong(Long.MIN_VALUE)), (x, y, s) -> x + Long.MIN_VALUE));
        cases.add(new Case<>("x - -1", (b, v) -> b.binary(SUB, v[0], Const.ofLong(-1)), (x, y, s) -> x - -1L));
        cases.add(new Case<>("x * 0x100000001", (b, v) -> b.binary(MUL, v[0], Const.ofLong(0x1_0000_0001L)), (x, y, s) -> x * 0x1_0000_0001L));
        cases.add(new Case<>("x / -1", (b, v) -> b.binary(DIV, v[0], Const.ofLong(-1)), (x, y, s) -> x / -1L));
        cases.add(new Case<>("x % -1", (b, v) -> b.binary(REM, v[0], Const.ofLong(-1)), (x, y, s) -> x % -1L));
        cases.add(new Case<>("MIN_VALUE / y", (b, v) -> b.binary(DIV, Const.ofLong(Long.MIN_VALUE), v[1]),
                (x, y, s) -> y == 0 ? 0 : Long.MIN_VALUE / y));
        cases.add(new Case<>("x << 65", (b, v) -> b.binary(SHL, v[0], Const.ofInt(65)), (x, y, s) -> x << 65));
        cases.add(new Case<>("x >> -1", (b, v) -> b.binary(SHR, v[0], Const.ofInt(-1)), (x, y, s) -> x >> -1));
        cases.add(new Case<>("x >>> 64", (b, v) -> b.binary(USHR, v[0], Const.ofInt(64)), (x, y, s) -> x >>> 64));
        cases.add(new Case<>("x >>> 33", (b, v) -> b.binary(USHR, v[0], Const.ofInt(33)), (x, y, s) -> x >>> 33));

        long[][] p = Inputs.longPairs(N, 21);
        int[] s = Inputs.shiftCounts(N, 22);
        long[] out = new long[N * cases.size()];
        ClTest.runGrid(opsKernel("longOps", ElementType.LONG, ElementType.INT, cases), N, null, p[0], p[1], s, out);
        Inputs.Mismatches bad = new Inputs.Mismatches();
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < cases.size(); k++) {
                long want = cases.get(k).java().apply(p[0][i], p[1][i], s[i]);
                long got = out[i * cases.size() + k];
                if (want != got) bad.add(cases.get(k).name() + "(" + p[0][i] + ", " + p[1][i] + ", s=" + s[i] + "): java " + want + ", device " + got);
            }
        }
        assertEquals(0, bad.count(), bad::toString);
    }

    @Test
    void floatOperatorsMatchJava() {
        List<Case<FloatFn>> cases = new ArrayList<>();
        cases.add(new Case<>("x + y", (b, v) -> b.binary(ADD, v[0], v[1]), (x, y, z) -> x + y));
        cases.add(new Case<>("x - y", (b, v) -> b.binary(SUB, v[0], v[1]), (x, y, z) -> x - y));
        cases.add(new Case<>("x * y", (b, v) -> b.binary(MUL, v[0], v[1]), (x, y, z) -> x * y));
        cases.add(new Case<>("x / y", (b, v) -> b.binary(DIV, v[0], v[1]), (x, y, z) -> x / y));
        cases.add(new Case<>("x % y", (b, v) -> b.binary(REM, v[0], v[1]), (x, y, z) -> x % y));
        cases.add(new Case<>("-x", (b, v) -> b.negate(v[0]), (x, y, z) -> -x));
        cases.add(new Case<>("x * y + z", (b, v) -> b.binary(ADD, b.binary(MUL, v[0], v[1]), v[2]), (x, y, z) -> x * y + z));
        cases.add(new Case<>("z - x * y", (b, v) -> b.binary(SUB, v[2], b.binary(MUL, v[0], v[1])), (x, y, z) -> z - x * y));
        cases.add(new Case<>("x + NaN", (b, v) -> b.binary(ADD, v[0], Const.ofFloat(Float.NaN)), (x, y, z) -> x + Float.NaN));
        cases.add(new Case<>("x * -0.0", (b, v) -> b.binary(MUL, v[0], Const.ofFloat(-0f)), (x, y, z) -> x * -0f));
        cases.add(new Case<>("x - -1.5", (b, v) -> b.binary(SUB, v[0], Const.ofFloat(-1.5f)), (x, y, z) -> x - -1.5f));
        cases.add(new Case<>("x / MIN_VALUE", (b, v) -> b.binary(DIV, v[0], Const.ofFloat(Float.MIN_VALUE)), (x, y, z) -> x / Float.MIN_VALUE));
        cases.add(new Case<>("x + -Inf", (b, v) -> b.binary(ADD, v[0], Const.ofFloat(Float.NEGATIVE_INFINITY)), (x, y, z) -> x + Float.NEGATIVE_INFINITY));
        cases.add(new Case<>("x * 0.1", (b, v) -> b.binary(MUL, v[0], Const.ofFloat(0.1f)), (x, y, z) -> x * 0.1f));
        cases.add(new Case<>("x * MAX_VALUE", (b, v) -> b.binary(MUL, v[0], Const.ofFloat(Float.MAX_VALUE)), (x, y, z) -> x * Float.MAX_VALUE));
        cases.add(new Case<>("1e-40 / x", (b, v) -> b.binary(DIV, Const.ofFloat(1e-40f), v[0]), (x, y, z) -> 1e-40f / x));

        float[][] p = Inputs.floatTriples(N, 31);
        float[] out = new float[N * cases.size()];
        ClTest.runGrid(opsKernel("floatOps", ElementType.FLOAT, ElementType.FLOAT, cases), N, null, p[0], p[1], p[2], out);
        Inputs.Mismatches bad = new Inputs.Mismatches();
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < cases.size(); k++) {
                float want = cases.get(k).java().apply(p[0][i], p[1][i], p[2][i]);
                float got = out[i * cases.size() + k];
                if (Float.floatToIntBits(want) != Float.floatToIntBits(got)) {
                    bad.add(cases.get(k).name() + "(" + p[0][i] + ", " + p[1][i] + ", " + p[2][i] + "): java " + want + ", device " + got);
                }
            }
        }
        assertEquals(0, bad.count(), bad::toString);
    }

    @Test
    void doubleOperatorsMatchJava() {
        List<Case<DoubleFn>> cases = new ArrayList<>();
        cases.add(new Case<>("x + y", (b, v) -> b.binary(ADD, v[0], v[1]), (x, y, z) -> x + y));
        cases.add(new Case<>("x - y", (b, v) -> b.binary(SUB, v[0], v[1]), (x, y, z) -> x - y));
        cases.add(new Case<>("x * y", (b, v) -> b.binary(MUL, v[0], v[1]), (x, y, z) -> x * y));
        cases.add(new Case<>("x / y", (b, v) -> b.binary(DIV, v[0], v[1]), (x, y, z) -> x / y));
        cases.add(new Case<>("x % y", (b, v) -> b.binary(REM, v[0], v[1]), (x, y, z) -> x % y));
        cases.add(new Case<>("-x", (b, v) -> b.negate(v[0]), (x, y, z) -> -x));
        cases.add(new Case<>("x * y + z", (b, v) -> b.binary(ADD, b.binary(MUL, v[0], v[1]), v[2]), (x, y, z) -> x * y + z));
        cases.add(new Case<>("z - x * y", (b, v) -> b.binary(SUB, v[2], b.binary(MUL, v[0], v[1])), (x, y, z) -> z - x * y));
        cases.add(new Case<>("x + NaN", (b, v) -> b.binary(ADD, v[0], Const.ofDouble(Double.NaN)), (x, y, z) -> x + Double.NaN));
        cases.add(new Case<>("x * -0.0", (b, v) -> b.binary(MUL, v[0], Const.ofDouble(-0d)), (x, y, z) -> x * -0d));
        cases.add(new Case<>("x - -1.5", (b, v) -> b.binary(SUB, v[0], Const.ofDouble(-1.5)), (x, y, z) -> x - -1.5));
        cases.add(new Case<>("x / MIN_VALUE", (b, v) -> b.binary(DIV, v[0], Const.ofDouble(Double.MIN_VALUE)), (x, y, z) -> x / Double.MIN_VALUE));
        cases.add(new Case<>("x + Inf", (b, v) -> b.binary(ADD, v[0], Const.ofDouble(Double.POSITIVE_INFINITY)), (x, y, z) -> x + Double.POSITIVE_INFINITY));
        cases.add(new Case<>("x * 0.1", (b, v) -> b.binary(MUL, v[0], Const.ofDouble(0.1)), (x, y, z) -> x * 0.1));
        cases.add(new Case<>("1e-310 / x", (b, v) -> b.binary(DIV, Const.ofDouble(1e-310), v[0]), (x, y, z) -> 1e-310 / x));

        double[][] p = Inputs.doubleTriples(N, 41);
        double[] out = new double[N * cases.size()];
        ClTest.runGrid(opsKernel("doubleOps", ElementType.DOUBLE, ElementType.DOUBLE, cases), N, null, p[0], p[1], p[2], out);
        Inputs.Mismatches bad = new Inputs.Mismatches();
        for (int i = 0; i < N; i++) {
            for (int k = 0; k < cases.size(); k++) {
                double want = cases.get(k).java().apply(p[0][i], p[1][i], p[2][i]);
                double got = out[i * cases.size() + k];
                if (Double.doubleToLongBits(want) != Double.doubleToLongBits(got)) {
                    bad.add(cases.get(k).name() + "(" + p[0][i] + ", " + p[1][i] + ", " + p[2][i] + "): java " + want + ", device " + got);
                }
            }
        }
        assertEquals(0, bad.count(), bad::toString);
    }
}
