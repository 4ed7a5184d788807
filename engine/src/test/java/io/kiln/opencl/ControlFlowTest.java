package io.kiln.opencl;

import io.kiln.ir.Access;
import io.kiln.ir.ArrayRef;
import io.kiln.ir.BinOp;
import io.kiln.ir.CmpOp;
import io.kiln.ir.CompareKind;
import io.kiln.ir.Const;
import io.kiln.ir.ElementType;
import io.kiln.ir.Instr;
import io.kiln.ir.IrBuilder;
import io.kiln.ir.KernelIR;
import io.kiln.ir.KernelKind;
import io.kiln.ir.Type;
import io.kiln.ir.Var;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.kiln.ir.IrBuilder.i;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Three-way comparisons (lcmp, fcmpl/fcmpg, dcmpl/dcmpg) with NaN, every branch condition in both
 * block layouts (the emitter negates the condition when the true target is the next block, which is
 * where unordered NaN semantics are easiest to get wrong), and switches.
 */
class ControlFlowTest {
    static final int N = 2048;

    static boolean javaBranch(CmpOp op, double a, double b) {
        return switch (op) {
            case EQ -> a == b;
            case NE -> a != b;
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
            case ULT -> !(a >= b);
            case ULE -> !(a > b);
            case UGT -> !(a <= b);
            case UGE -> !(a < b);
        };
    }

    static boolean javaBranch(CmpOp op, long a, long b) {
        return switch (op) {
            case EQ -> a == b;
            case NE -> a != b;
            case LT -> a < b;
            case LE -> a <= b;
            case GT -> a > b;
            case GE -> a >= b;
            default -> throw new IllegalArgumentException(op.toString());
        };
    }

    /**
     * {@code out[i * K + k]}: first the three-way compares, then for each condition and layout 1 when the
     * branch is taken, else 0.
     */
    static KernelIR branchKernel(ElementType et, List<CompareKind> compares, List<CmpOp> ops) {
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "branches" + et, KernelKind.WORK_ITEM);
        b.context();
        ArrayRef a = b.array("a", et, Access.READ);
        ArrayRef bb = b.array("b", et, Access.READ);
        ArrayRef out = b.array("out", ElementType.INT, Access.WRITE);
        int k = compares.size() + 2 * ops.size();
        Var idx = b.guardedIndex(b.length(a));
        Var x = b.load(a, idx);
        Var y = b.load(bb, idx);
        Var base = b.binary(BinOp.MUL, idx, i(k));
        int slot = 0;
        for (CompareKind c : compares) {
            Var r = b.var(Type.I32, "cmp");
            b.add(new Instr.Compare(r, c, x, y, 0));
            b.store(out, b.binary(BinOp.ADD, base, i(slot++)), r);
        }
        for (CmpOp op : ops) {
            for (int layout = 0; layout < 2; layout++) {
                Var at = b.binary(BinOp.ADD, base, i(slot++));
                IrBuilder.BlockBuilder taken;
                IrBuilder.BlockBuilder notTaken;
                if (layout == 0) {
                    taken = b.block(); // true target is the next block: the emitter negates the condition
                    notTaken = b.block();
                } else {
                    notTaken = b.block();
                    taken = b.block();
                }
                IrBuilder.BlockBuilder join = b.block();
                b.branch(op, x, y, taken, notTaken);
                b.at(taken).store(out, at, i(1));
                b.jump(join);
                b.at(notTaken).store(out, at, i(0));
                b.jump(join);
                b.at(join);
            }
        }
        b.ret();
        return b.build();
    }

    @Test
    void floatComparesAndBranches() {
        List<CmpOp> ops = List.of(CmpOp.values());
        List<CompareKind> cmps = List.of(CompareKind.FCMPL, CompareKind.FCMPG);
        float[][] p = Inputs.floatTriples(N, 5);
        int k = cmps.size() + 2 * ops.size();
        int[] out = new int[N * k];
        ClTest.runGrid(branchKernel(ElementType.FLOAT, cmps, ops), N, null, p[0], p[1], out);
        Inputs.Mismatches bad = new Inputs.Mismatches();
        for (int i = 0; i < N; i++) {
            float x = p[0][i];
            float y = p[1][i];
            int l = x > y ? 1 : x == y ? 0 : -1; // fcmpl
            int g = x < y ? -1 : x == y ? 0 : 1; // fcmpg
            if (out[i * k] != l) bad.add("fcmpl(" + x + ", " + y + "): java " + l + ", device " + out[i * k]);
            if (out[i * k + 1] != g) bad.add("fcmpg(" + x + ", " + y + "): java " + g + ", device " + out[i * k + 1]);
            for (int o = 0; o < ops.size(); o++) {
                int want = javaBranch(ops.get(o), x, y) ? 1 : 0;
                for (int layout = 0; layout < 2; layout++) {
                    int got = out[i * k + 2 + 2 * o + layout];
                    if (got != want) bad.add(ops.get(o) + " layout " + layout + " (" + x + ", " + y + "): java " + want + ", device " + got);
                }
            }
        }
        assertEquals(0, bad.count(), bad::toString);
    }

    @Test
    void doubleComparesAndBranches() {
        List<CmpOp> ops = List.of(CmpOp.values());
        List<CompareKind> cmps = List.of(CompareKind.DCMPL, CompareKind.DCMPG);
        double[][] p = Inputs.doubleTriples(N, 6);
        int k = cmps.size() + 2 * ops.size();
        int[] out = new int[N * k];
        ClTest.runGrid(branchKernel(ElementType.DOUBLE, cmps, ops), N, null, p[0], p[1], out);
        Inputs.Mismatches bad = new Inputs.Mismatches();
        for (int i = 0; i < N; i++) {
            double x = p[0][i];
            double y = p[1][i];
            int l = Double.isNaN(x) || Double.isNaN(y) ? -1 : Double.compare(x == 0 ? 0 : x, y == 0 ? 0 : y);
            int g = Double.isNaN(x) || Double.isNaN(y) ? 1 : l;
            if (out[i * k] != l) bad.add("dcmpl(" + x + ", " + y + "): java " + l + ", device " + out[i * k]);
            if (out[i * k + 1] != g) bad.add("dcmpg(" + x + ", " + y + "): java " + g + ", device " + out[i * k + 1]);
            for (int o = 0; o < ops.size(); o++) {
                int want = javaBranch(ops.get(o), x, y) ? 1 : 0;
                for (int layout = 0; layout < 2; layout++) {
                    int got = out[i * k + 2 + 2 * o + layout];
                    if (got != want) bad.add(ops.get(o) + " layout " + layout + " (" + x + ", " + y + "): java " + want + ", device " + got);
                }
            }
        }
        assertEquals(0, bad.count(), bad::toString);
    }

    @Test
    void intAndLongBranchesAndLcmp() {
        List<CmpOp> ops = List.of(CmpOp.EQ, CmpOp.NE, CmpOp.LT, CmpOp.LE, CmpOp.GT, CmpOp.GE);
        int k = 2 * ops.size();
        int[][] pi = Inputs.intPairs(N, 7);
        for (int i = 0; i < N; i += 3) pi[1][i] = pi[0][i]; // plenty of equal pairs
        int[] outI = new int[N * k];
        ClTest.runGrid(branchKernel(ElementType.INT, List.of(), ops), N, null, pi[0], pi[1], outI);

        long[][] pl = Inputs.longPairs(N, 8);
        for (int i = 0; i < N; i += 3) pl[1][i] = pl[0][i];
        int[] outL = new int[N * (k + 1)];
        ClTest.runGrid(branchKernel(ElementType.LONG, List.of(CompareKind.LCMP), ops), N, null, pl[0], pl[1], outL);

        Inputs.Mismatches bad = new Inputs.Mismatches();
        for (int i = 0; i < N; i++) {
            int lcmp = Long.compare(pl[0][i], pl[1][i]);
            if (outL[i * (k + 1)] != lcmp) bad.add("lcmp(" + pl[0][i] + ", " + pl[1][i] + "): java " + lcmp + ", device " + outL[i * (k + 1)]);
            for (int o = 0; o < ops.size(); o++) {
                for (int layout = 0; layout < 2; layout++) {
                    int want = javaBranch(ops.get(o), pi[0][i], pi[1][i]) ? 1 : 0;
                    int got = outI[i * k + 2 * o + layout];
                    if (got != want) bad.add("int " + ops.get(o) + " layout " + layout + " (" + pi[0][i] + ", " + pi[1][i] + "): device " + got);
                    want = javaBranch(ops.get(o), pl[0][i], pl[1][i]) ? 1 : 0;
                    got = outL[i * (k + 1) + 1 + 2 * o + layout];
                    if (got != want) bad.add("long " + ops.get(o) + " layout " + layout + " (" + pl[0][i] + ", " + pl[1][i] + "): device " + got);
                }
            }
        }
        assertEquals(0, bad.count(), bad::toString);
    }

    @Test
    void switchJumpsLikeJava() {
        int[] keys = {-5, 0, 1, 7, Integer.MIN_VALUE, Integer.MAX_VALUE, 1000};
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "switches", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef in = b.array("in", ElementType.INT, Access.READ);
        ArrayRef out = b.array("out", ElementType.INT, Access.WRITE);
        Var idx = b.guardedIndex(b.length(in));
        Var key = b.load(in, idx);
        IrBuilder.BlockBuilder from = b.current();
        IrBuilder.BlockBuilder[] targets = new IrBuilder.BlockBuilder[keys.length + 1];
        for (int k = 0; k <= keys.length; k++) {
            targets[k] = b.block();
        }
        IrBuilder.BlockBuilder join = b.block();
        for (int k = 0; k <= keys.length; k++) {
            b.at(targets[k]).store(out, idx, i(k == keys.length ? 99 : 10 * (k + 1)));
            b.jump(join);
        }
        b.at(from).switchOn(key, keys, java.util.Arrays.copyOf(targets, keys.length), targets[keys.length]);
        b.at(join).ret();

        int[] input = new int[64];
        for (int i = 0; i < input.length; i++) {
            input[i] = i < keys.length ? keys[i] : i < 2 * keys.length ? keys[i - keys.length] + 1 : i * 37 - 900;
        }
        int[] result = new int[input.length];
        ClTest.runGrid(b.build(), input.length, null, input, result);
        for (int i = 0; i < input.length; i++) {
            int want = switch (input[i]) {
                case -5 -> 10;
                case 0 -> 20;
                case 1 -> 30;
                case 7 -> 40;
                case Integer.MIN_VALUE -> 50;
                case Integer.MAX_VALUE -> 60;
                case 1000 -> 70;
                default -> 99;
            };
            assertEquals(want, result[i], "switch on " + input[i]);
        }
    }

    @Test
    void loopInTheCfgSumsLikeJava() {
        // sum = 0; for (j = 0; j < x; j++) sum += j * j;  (with a loop-carried register and a back edge)
        IrBuilder b = new IrBuilder("io.kiln.opencl.TestKernels", "loop", KernelKind.WORK_ITEM);
        b.context();
        ArrayRef in = b.array("in", ElementType.INT, Access.READ);
        ArrayRef out = b.array("out", ElementType.LONG, Access.WRITE);
        Var idx = b.guardedIndex(b.length(in));
        Var x = b.load(in, idx);
        Var sum = b.var(Type.I64, "sum");
        Var j = b.var(Type.I32, "j");
        b.move(sum, Const.ofLong(0));
        b.move(j, i(0));
        IrBuilder.BlockBuilder head = b.block();
        IrBuilder.BlockBuilder body = b.block();
        IrBuilder.BlockBuilder exit = b.block();
        b.jump(head);
        b.at(head).branch(CmpOp.GE, j, x, exit, body);
        b.at(body);
        Var jl = b.convert(io.kiln.ir.Conversion.I2L, j);
        b.add(new Instr.Binary(sum, BinOp.ADD, sum, b.binary(BinOp.MUL, jl, jl), 0));
        b.add(new Instr.Binary(j, BinOp.ADD, j, i(1), 0));
        b.jump(head);
        b.at(exit).store(out, idx, sum);
        b.ret();
        int[] input = {0, 1, 2, 10, 1000, -3, 65536};
        long[] result = new long[input.length];
        ClTest.runGrid(b.build(), input.length, null, input, result);
        for (int i = 0; i < input.length; i++) {
            long want = 0;
            for (int q = 0; q < input[i]; q++) want += (long) q * q;
            assertEquals(want, result[i], "sum of squares below " + input[i]);
        }
    }
}
